package io.canaryanalysis.kubernetes;

import static io.canaryanalysis.kubernetes.Fixtures.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.api.status.ConditionStatus;
import io.canaryanalysis.api.status.StatusCondition;
import io.canaryanalysis.manifest.CanaryDocument;
import io.canaryanalysis.manifest.ManifestException;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Reading Canary objects and writing their status through the status subresource. */
@EnableKubernetesMockClient(crud = true)
class CanaryResourcesTest {
  KubernetesMockServer server;
  KubernetesClient client;
  private CanaryResources resources;

  @BeforeEach
  void setUp() {
    Fixtures.expectCanaryCrd(server);
    resources = CanaryResources.create(client);
  }

  @Test
  void readsAStoredCanaryWithItsUidAndAnInitialStatus() {
    GenericKubernetesResource stored = Fixtures.storeCanary(client, Fixtures.CANARY_YAML);

    CanaryDocument document = resources.read(NAMESPACE, "podinfo").orElseThrow();

    assertThat(document.canary().uid()).isEqualTo(stored.getMetadata().getUid()).isNotNull();
    assertThat(document.canary().spec().targetRef().name()).isEqualTo("podinfo");
    assertThat(document.canary().spec().analysis().stepWeight()).isEqualTo(10);
    assertThat(document.status()).isEqualTo(CanaryStatus.initial());
    assertThat(resources.read(NAMESPACE, "absent")).isEmpty();
  }

  @Test
  void theStatusRoundTripsThroughTheSubresourceWithoutTouchingTheSpec() {
    Fixtures.storeCanary(client, Fixtures.CANARY_YAML);
    CanaryDocument document = resources.read(NAMESPACE, "podinfo").orElseThrow();
    long generation = generation();
    Instant time = Instant.parse("2024-05-01T10:00:00Z");
    CanaryStatus status = CanaryStatus.builder()
        .phase(CanaryPhase.PROGRESSING)
        .canaryWeight(10)
        .failedChecks(1)
        .lastAppliedSpec("0123456789abcdef")
        .lastPromotedSpec("fedcba9876543210")
        .trackedConfigs(Map.of("configmap/podinfo-env", "1a2b3c4d5e6f7a8b"))
        .lastTransitionTime(time)
        .lastAnalysisTime(time)
        .conditions(List.of(new StatusCondition("Promoted", ConditionStatus.UNKNOWN,
            "Progressing", "New revision detected, progressing canary analysis.", time, time)))
        .build();

    assertThat(resources.writeStatus(document.canary(), document.status(), status)).isTrue();

    CanaryDocument reread = resources.read(NAMESPACE, "podinfo").orElseThrow();
    assertThat(reread.status()).isEqualTo(status);
    assertThat(reread.canary()).isEqualTo(document.canary());
    assertThat(generation()).as("a status write leaves generation alone").isEqualTo(generation);
  }

  @Test
  void anUnchangedStatusIsNotWritten() {
    Fixtures.storeCanary(client, Fixtures.CANARY_YAML);
    CanaryDocument document = resources.read(NAMESPACE, "podinfo").orElseThrow();
    CanaryStatus status = CanaryStatus.builder().phase(CanaryPhase.INITIALIZED).build();
    resources.writeStatus(document.canary(), document.status(), status);
    String version = resourceVersion();

    assertThat(resources.writeStatus(document.canary(), status, status)).isFalse();
    assertThat(resourceVersion()).isEqualTo(version);
  }

  @Test
  void theWriteIsGuardedByTheUidSoARecreatedCanaryKeepsItsOwnStatus() throws Exception {
    // The mock cannot fail a JSON Patch "test" operation; the API server answers 422, recorded here.
    Fixtures.storeCanary(client, Fixtures.CANARY_YAML);
    CanaryDocument old = resources.read(NAMESPACE, "podinfo").orElseThrow();
    server.expect().patch().withPath("/apis/flagger.app/v1beta1/namespaces/test/canaries/podinfo/status")
        .andReturn(422, Fixtures.status(422, "testing value /metadata/uid failed")).once();

    boolean written = resources.writeStatus(old.canary(), old.status(),
        CanaryStatus.builder().phase(CanaryPhase.FAILED).build());

    assertThat(written).isFalse();
    var request = server.getLastRequest();
    assertThat(request.getHeader("Content-Type")).startsWith("application/json-patch+json");
    assertThat(Fixtures.json(request.getBody().readUtf8()).get(0)).isEqualTo(Fixtures.json(
        "{\"op\": \"test\", \"path\": \"/metadata/uid\", \"value\": \"" + old.canary().uid() + "\"}"));
    assertThat(resources.read(NAMESPACE, "podinfo").orElseThrow().status().phase())
        .isEqualTo(CanaryPhase.INITIALIZING);
  }

  @Test
  void aDeletedCanaryIsNotAnError() {
    Fixtures.storeCanary(client, Fixtures.CANARY_YAML);
    CanaryDocument document = resources.read(NAMESPACE, "podinfo").orElseThrow();
    client.genericKubernetesResources(FlaggerKinds.CANARY).inNamespace(NAMESPACE)
        .withName("podinfo").delete();

    assertThat(resources.writeStatus(document.canary(), document.status(),
        CanaryStatus.builder().phase(CanaryPhase.FAILED).build())).isFalse();
  }

  @Test
  void anInvalidCanaryIsReportedWithItsFieldPath() {
    Fixtures.storeCanary(client, Fixtures.CANARY_YAML.replace("stepWeight: 10", "stepWeigth: 10"));

    assertThatThrownBy(() -> resources.read(NAMESPACE, "podinfo"))
        .isInstanceOfSatisfying(ManifestException.class, e -> assertThat(e.problems())
            .anySatisfy(p -> assertThat(p.path()).isEqualTo("spec.analysis.stepWeigth")));
  }

  @Test
  void listsCanariesOfOneNamespaceOrAll() {
    Fixtures.storeCanary(client, Fixtures.CANARY_YAML);
    var other = new io.fabric8.kubernetes.client.utils.KubernetesSerialization().unmarshal(
        Fixtures.CANARY_YAML.replace("namespace: test", "namespace: other"),
        GenericKubernetesResource.class);
    client.genericKubernetesResources(FlaggerKinds.CANARY).inNamespace("other").resource(other).create();

    assertThat(resources.list(NAMESPACE)).hasSize(1);
    assertThat(resources.list(null)).hasSize(2);
  }

  private long generation() {
    return client.genericKubernetesResources(FlaggerKinds.CANARY).inNamespace(NAMESPACE)
        .withName("podinfo").get().getMetadata().getGeneration();
  }

  private String resourceVersion() {
    return client.genericKubernetesResources(FlaggerKinds.CANARY).inNamespace(NAMESPACE)
        .withName("podinfo").get().getMetadata().getResourceVersion();
  }
}
