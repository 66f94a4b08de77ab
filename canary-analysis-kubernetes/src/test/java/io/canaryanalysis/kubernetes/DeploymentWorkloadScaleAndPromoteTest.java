package io.canaryanalysis.kubernetes;

import static io.canaryanalysis.kubernetes.Fixtures.NAMESPACE;
import static io.canaryanalysis.kubernetes.Fixtures.tree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.canaryanalysis.api.ProviderException;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Scaling the target and promoting it to the primary, and write conflicts. */
@EnableKubernetesMockClient(crud = true, https = false,
    kubernetesClientBuilderCustomizer = Fixtures.NoClientRetries.class)
class DeploymentWorkloadScaleAndPromoteTest {
  private static final String TARGET_PATH = "/apis/apps/v1/namespaces/test/deployments/podinfo";

  KubernetesMockServer server;
  KubernetesClient client;
  private DeploymentWorkload workload;

  @BeforeEach
  void setUp() {
    Fixtures.createAll(client);
    workload = DeploymentWorkload.create(client);
    workload.initialize(Fixtures.canary());
  }

  @Test
  void scaleToZeroKeepsTheReplicasAndScaleUpRestoresThem() {
    Fixtures.edit(client, "podinfo", d -> d.getSpec().setReplicas(3));

    workload.scaleToZero(Fixtures.canary());
    Deployment down = Fixtures.get(client, "podinfo");
    assertThat(down.getSpec().getReplicas()).isZero();
    assertThat(down.getMetadata().getAnnotations())
        .containsEntry(DeploymentWorkload.REPLICAS_ANNOTATION, "3");

    workload.scaleUp(Fixtures.canary());
    assertThat(Fixtures.get(client, "podinfo").getSpec().getReplicas()).isEqualTo(3);
  }

  @Test
  void scaleUpWithoutAKeptValueUsesThePrimarysReplicasElseOne() {
    Fixtures.edit(client, "podinfo", d -> d.getSpec().setReplicas(0));
    Fixtures.edit(client, "podinfo-primary", d -> d.getSpec().setReplicas(4));
    workload.scaleUp(Fixtures.canary());
    assertThat(Fixtures.get(client, "podinfo").getSpec().getReplicas()).isEqualTo(4);

    Fixtures.edit(client, "podinfo", d -> d.getSpec().setReplicas(0));
    client.apps().deployments().inNamespace(NAMESPACE).withName("podinfo-primary").delete();
    workload.scaleUp(Fixtures.canary());
    assertThat(Fixtures.get(client, "podinfo").getSpec().getReplicas()).isEqualTo(1);
  }

  @Test
  void scalingToTheCurrentSizeWritesNothing() {
    workload.scaleToZero(Fixtures.canary());
    String version = Fixtures.get(client, "podinfo").getMetadata().getResourceVersion();

    workload.scaleToZero(Fixtures.canary());

    assertThat(Fixtures.get(client, "podinfo").getMetadata().getResourceVersion()).isEqualTo(version);
  }

  @Test
  void promoteCopiesTemplateSettingsAndConfigsToThePrimary() {
    String primaryIdBefore = rolloutId();
    Fixtures.edit(client, "podinfo", d -> {
      d.getSpec().setReplicas(3);
      d.getSpec().setMinReadySeconds(7);
      d.getSpec().setProgressDeadlineSeconds(120);
      d.getSpec().setRevisionHistoryLimit(2);
      d.getSpec().getStrategy().getRollingUpdate().setMaxUnavailable(
          new io.fabric8.kubernetes.api.model.IntOrString(1));
      d.getSpec().getTemplate().getSpec().getContainers().get(0)
          .setImage("ghcr.io/stefanprodan/podinfo:6.0.1");
    });
    ConfigMap env = client.configMaps().inNamespace(NAMESPACE).withName("podinfo-env").get();
    env.setData(Map.of("color", "green"));
    client.resource(env).update();
    assertThat(client.configMaps().inNamespace(NAMESPACE).withName("podinfo-env-primary").get()
        .getData()).as("no config reaches the primary before promotion")
        .isEqualTo(Map.of("color", "blue"));

    workload.promote(Fixtures.canary());

    Deployment primary = Fixtures.get(client, "podinfo-primary");
    JsonNode spec = tree(client, primary).get("spec");
    assertThat(spec.get("replicas").asInt()).isEqualTo(3);
    assertThat(spec.get("minReadySeconds").asInt()).isEqualTo(7);
    assertThat(spec.get("progressDeadlineSeconds").asInt()).isEqualTo(120);
    assertThat(spec.get("revisionHistoryLimit").asInt()).isEqualTo(2);
    assertThat(spec.at("/strategy/rollingUpdate/maxUnavailable").asInt()).isEqualTo(1);
    assertThat(spec.at("/selector/matchLabels")).isEqualTo(Fixtures.json("{\"app\": \"podinfo-primary\"}"));
    assertThat(spec.at("/template/spec/containers/0/image").asText())
        .isEqualTo("ghcr.io/stefanprodan/podinfo:6.0.1");
    assertThat(spec.at("/template/spec/containers/0/env/0/valueFrom/configMapKeyRef/name").asText())
        .isEqualTo("podinfo-env-primary");
    assertThat(spec.at("/template/metadata/labels")).isEqualTo(
        Fixtures.json("{\"app\": \"podinfo-primary\", \"version\": \"v1\"}"));
    assertThat(rolloutId()).isNotEqualTo(primaryIdBefore);
    assertThat(client.configMaps().inNamespace(NAMESPACE).withName("podinfo-env-primary").get()
        .getData()).isEqualTo(Map.of("color", "green"));
  }

  @Test
  void aConfigOnlyChangeRollsThePrimaryOnPromotion() {
    String before = rolloutId();
    ConfigMap env = client.configMaps().inNamespace(NAMESPACE).withName("podinfo-env").get();
    env.setData(Map.of("color", "green"));
    client.resource(env).update();

    workload.promote(Fixtures.canary());

    assertThat(rolloutId()).isNotEqualTo(before);
  }

  @Test
  void promoteUsesTheKeptReplicasWhenTheTargetIsScaledDown() {
    Fixtures.edit(client, "podinfo", d -> d.getSpec().setReplicas(5));
    workload.scaleToZero(Fixtures.canary());

    workload.promote(Fixtures.canary());

    assertThat(Fixtures.get(client, "podinfo-primary").getSpec().getReplicas()).isEqualTo(5);
  }

  @Test
  void aRepeatedPromotionWritesNothing() {
    workload.promote(Fixtures.canary());
    String version = Fixtures.get(client, "podinfo-primary").getMetadata().getResourceVersion();

    workload.promote(Fixtures.canary());

    assertThat(Fixtures.get(client, "podinfo-primary").getMetadata().getResourceVersion())
        .isEqualTo(version);
  }

  @Test
  void aConflictIsRetriedOnAFreshRead() {
    server.expect().put().withPath(TARGET_PATH)
        .andReturn(409, Fixtures.status(409, "Conflict")).once();

    workload.scaleToZero(Fixtures.canary());

    assertThat(Fixtures.get(client, "podinfo").getSpec().getReplicas()).isZero();
  }

  @Test
  void conflictsBeyondTheBudgetFailRetriably() {
    DeploymentWorkload strict = DeploymentWorkload.builder(client).maxConflictRetries(1).build();
    server.expect().put().withPath(TARGET_PATH)
        .andReturn(409, Fixtures.status(409, "Conflict")).times(2);

    assertThatThrownBy(() -> strict.scaleToZero(Fixtures.canary()))
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.retriable()).isTrue();
          assertThat(e.getMessage()).contains("deployment podinfo.test", "2 attempts", "409");
        });
    assertThat(Fixtures.get(client, "podinfo").getSpec().getReplicas()).isEqualTo(2);
  }

  @Test
  void serverErrorsAreRetriableAndForbiddenIsNot() {
    server.expect().put().withPath(TARGET_PATH)
        .andReturn(503, Fixtures.status(503, "ServiceUnavailable")).once();
    assertThatThrownBy(() -> workload.scaleToZero(Fixtures.canary()))
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.retriable()).isTrue();
          assertThat(e.getMessage()).contains("deployment podinfo.test update failed with HTTP 503");
        });

    server.expect().put().withPath(TARGET_PATH)
        .andReturn(403, Fixtures.status(403, "Forbidden")).once();
    assertThatThrownBy(() -> workload.scaleToZero(Fixtures.canary()))
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.retriable()).isFalse();
          assertThat(e.getMessage()).contains("HTTP 403", "Forbidden");
        });
  }

  private String rolloutId() {
    return Fixtures.get(client, "podinfo-primary").getSpec().getTemplate().getMetadata()
        .getAnnotations().get(DeploymentWorkload.ROLLOUT_ID_ANNOTATION);
  }
}
