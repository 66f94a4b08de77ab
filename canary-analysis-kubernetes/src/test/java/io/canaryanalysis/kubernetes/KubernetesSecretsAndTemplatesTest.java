package io.canaryanalysis.kubernetes;

import static io.canaryanalysis.kubernetes.Fixtures.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.spec.MetricTemplate;
import io.canaryanalysis.manifest.ManifestException;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link KubernetesSecretResolver} and {@link KubernetesMetricTemplates}. */
@EnableKubernetesMockClient(crud = true)
class KubernetesSecretsAndTemplatesTest {
  KubernetesMockServer server;
  KubernetesClient client;

  @Test
  void resolvesDecodedDataOverlaidByStringData() {
    Secret secret = Fixtures.secret("prom-auth", "Opaque",
        Map.of("username", "admin", "password", "pässwörd"));
    secret.setStringData(Map.of("token", "abc"));
    client.resource(secret).create();

    Map<String, String> values = KubernetesSecretResolver.create(client)
        .resolve(NAMESPACE, "prom-auth").orElseThrow();

    assertThat(values).containsEntry("username", "admin").containsEntry("password", "pässwörd");
    if (values.containsKey("token")) {
      assertThat(values.get("token")).isEqualTo("abc");
    }
    assertThat(KubernetesSecretResolver.create(client).resolve(NAMESPACE, "absent")).isEmpty();
  }

  @Test
  void invalidBase64NamesTheKeyButNotTheValue() {
    Secret secret = Fixtures.secret("broken", "Opaque", Map.of());
    secret.setData(Map.of("token", "not*base64*s3cr3t"));
    client.resource(secret).create();

    assertThatThrownBy(() -> KubernetesSecretResolver.create(client).resolve(NAMESPACE, "broken"))
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.getMessage()).contains("secret broken.test data.token is not valid base64");
          assertThat(e.getMessage()).doesNotContain("s3cr3t");
        });
  }

  @Test
  void readsAMetricTemplate() {
    storeTemplate("""
        apiVersion: flagger.app/v1beta1
        kind: MetricTemplate
        metadata:
          name: not-found-percentage
          namespace: test
        spec:
          provider:
            type: prometheus
            address: http://prometheus.monitoring:9090
            secretRef:
              name: prom-auth
          query: |
            100 - sum(rate(http_requests_total{namespace="{{ namespace }}",status!="404"}[{{ interval }}]))
        """);

    MetricTemplate template = KubernetesMetricTemplates.create(client)
        .find(NAMESPACE, "not-found-percentage").orElseThrow();

    assertThat(template.name()).isEqualTo("not-found-percentage");
    assertThat(template.namespace()).isEqualTo(NAMESPACE);
    assertThat(template.provider().type()).isEqualTo("prometheus");
    assertThat(template.provider().address()).isEqualTo("http://prometheus.monitoring:9090");
    assertThat(template.provider().secretRef()).isEqualTo("prom-auth");
    assertThat(template.query()).contains("{{ namespace }}", "{{ interval }}");
    assertThat(KubernetesMetricTemplates.create(client).find(NAMESPACE, "absent")).isEmpty();
  }

  @Test
  void anUnsupportedTemplateFailsWithItsFieldPath() {
    storeTemplate("""
        apiVersion: flagger.app/v1beta1
        kind: MetricTemplate
        metadata:
          name: dd
          namespace: test
        spec:
          provider:
            type: datadog
          query: avg:requests{*}
        """);

    assertThatThrownBy(() -> KubernetesMetricTemplates.create(client).find(NAMESPACE, "dd"))
        .isInstanceOfSatisfying(ManifestException.class, e -> assertThat(e.problems())
            .anySatisfy(p -> assertThat(p.path()).isEqualTo("spec.provider.type")));
  }

  private void storeTemplate(String yaml) {
    GenericKubernetesResource resource =
        new KubernetesSerialization().unmarshal(yaml, GenericKubernetesResource.class);
    client.genericKubernetesResources(FlaggerKinds.METRIC_TEMPLATE).inNamespace(NAMESPACE)
        .resource(resource).create();
  }
}
