package io.canaryanalysis.kubernetes;

import static io.canaryanalysis.kubernetes.Fixtures.NAMESPACE;
import static io.canaryanalysis.kubernetes.Fixtures.sha256Prefix;
import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.Readiness;
import io.canaryanalysis.api.WorkloadSnapshot;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link DeploymentWorkload#observe}: revision, tracked configs and readiness texts. */
@EnableKubernetesMockClient(crud = true)
class DeploymentWorkloadObserveTest {
  KubernetesMockServer server;
  KubernetesClient client;
  private DeploymentWorkload workload;

  @BeforeEach
  void setUp() {
    Fixtures.createAll(client);
    workload = DeploymentWorkload.create(client);
    workload.initialize(Fixtures.canary());
    Fixtures.rolledOut(client, "podinfo");
    Fixtures.rolledOut(client, "podinfo-primary");
  }

  @Test
  void theRevisionIsStableAndIgnoresReplicasAndMetadata() {
    String revision = workload.observe(Fixtures.canary()).revision();
    assertThat(revision).matches("[0-9a-f]{16}");

    Fixtures.edit(client, "podinfo", d -> {
      d.getSpec().setReplicas(5);
      d.getMetadata().getAnnotations().put("note", "scaled");
    });

    assertThat(DeploymentWorkload.create(client).observe(Fixtures.canary()).revision())
        .isEqualTo(revision);
  }

  @Test
  void theRevisionChangesWithThePodTemplate() {
    String before = workload.observe(Fixtures.canary()).revision();

    Fixtures.edit(client, "podinfo", d -> d.getSpec().getTemplate().getSpec().getContainers().get(0)
        .setImage("ghcr.io/stefanprodan/podinfo:6.0.1"));
    String imageChanged = workload.observe(Fixtures.canary()).revision();
    Fixtures.edit(client, "podinfo", d -> d.getSpec().getTemplate().getMetadata().getAnnotations()
        .put("restartedAt", "now"));
    String annotationChanged = workload.observe(Fixtures.canary()).revision();

    assertThat(imageChanged).isNotEqualTo(before);
    assertThat(annotationChanged).isNotEqualTo(imageChanged).isNotEqualTo(before);
  }

  @Test
  void theRevisionDoesNotDependOnMapOrder() {
    var template = Fixtures.deployment().getSpec().getTemplate();
    var reordered = Fixtures.deployment().getSpec().getTemplate();
    reordered.getMetadata().setLabels(new java.util.LinkedHashMap<>(Map.of("version", "v1")));
    reordered.getMetadata().getLabels().put("app", "podinfo");

    assertThat(workload.revision(reordered)).isEqualTo(workload.revision(template));
  }

  @Test
  void trackedConfigsCarryFlaggersChecksumsOfEveryReferencedConfig() {
    Map<String, String> tracked = workload.observe(Fixtures.canary()).trackedConfigs();

    assertThat(tracked).isEqualTo(Map.of(
        "configmap/podinfo-init", sha256Prefix("{\"mode\":\"fast\"}"),
        "configmap/podinfo-env", sha256Prefix("{\"color\":\"blue\"}"),
        "configmap/podinfo-files", sha256Prefix("{\"app.yaml\":\"level: info\"}"),
        "secret/podinfo-secret", sha256Prefix("{\"token\":\"" + Fixtures.base64("s3cr3t") + "\"}"),
        "secret/podinfo-tls", sha256Prefix("{\"tls.crt\":\"" + Fixtures.base64("CERT")
            + "\",\"tls.key\":\"" + Fixtures.base64("KEY") + "\"}")));
  }

  @Test
  void aConfigChecksumEscapesLikeGoAndFollowsTheData() {
    ConfigMap env = client.configMaps().inNamespace(NAMESPACE).withName("podinfo-env").get();
    env.setData(Map.of("color", "<red & \"green\">\n"));
    client.resource(env).update();

    assertThat(workload.observe(Fixtures.canary()).trackedConfigs().get("configmap/podinfo-env"))
        .isEqualTo(sha256Prefix("{\"color\":\"\\u003cred \\u0026 \\\"green\\\"\\u003e\\n\"}"));
  }

  @Test
  void configTrackingCanBeSwitchedOffPerObjectAndGlobally() {
    ConfigMap env = client.configMaps().inNamespace(NAMESPACE).withName("podinfo-env").get();
    env.getMetadata().setAnnotations(Map.of("flagger.app/config-tracking", "disabled"));
    client.resource(env).update();

    assertThat(workload.observe(Fixtures.canary()).trackedConfigs())
        .doesNotContainKey("configmap/podinfo-env").containsKey("configmap/podinfo-files");
    assertThat(DeploymentWorkload.builder(client).configTracking(false).build()
        .observe(Fixtures.canary()).trackedConfigs()).isEmpty();
  }

  @Test
  void bothWorkloadsReadyAfterTheirRollouts() {
    WorkloadSnapshot snapshot = workload.observe(Fixtures.canary());

    assertThat(snapshot.canary()).isEqualTo(Readiness.READY);
    assertThat(snapshot.primary()).isEqualTo(Readiness.READY);
  }

  @Test
  void aCanaryWithUnavailableReplicasWaitsWithFlaggersText() {
    Fixtures.edit(client, "podinfo", d -> {
      d.getSpec().setReplicas(1);
      d.setStatus(new DeploymentStatusBuilder().withObservedGeneration(d.getMetadata().getGeneration() + 1)
          .withReplicas(1).withUpdatedReplicas(1).withAvailableReplicas(0).build());
    });

    assertThat(workload.observe(Fixtures.canary()).canary()).isEqualTo(Readiness.waiting(
        "canary deployment podinfo.test not ready: waiting for rollout to finish: "
            + "0 of 1 (readyThreshold 100%) updated replicas are available"));
  }

  @Test
  void theCanaryReadyThresholdLowersTheBar() {
    Fixtures.edit(client, "podinfo", d -> {
      d.getSpec().setReplicas(4);
      d.setStatus(new DeploymentStatusBuilder().withObservedGeneration(d.getMetadata().getGeneration() + 1)
          .withReplicas(4).withUpdatedReplicas(4).withAvailableReplicas(2).build());
    });
    Canary half = Fixtures.canary(Analysis.builder().stepWeight(10).canaryReadyThreshold(50).build());
    Canary most = Fixtures.canary(Analysis.builder().stepWeight(10).canaryReadyThreshold(75).build());

    assertThat(workload.observe(half).canary()).isEqualTo(Readiness.READY);
    assertThat(workload.observe(most).canary().message()).isEqualTo(
        "canary deployment podinfo.test not ready: waiting for rollout to finish: "
            + "2 of 3 (readyThreshold 75%) updated replicas are available");
  }

  @Test
  void aPrimaryInTheMiddleOfARolloutWaitsWithFlaggersTexts() {
    Fixtures.edit(client, "podinfo-primary", d -> d.setStatus(new DeploymentStatusBuilder()
        .withObservedGeneration(d.getMetadata().getGeneration() + 1)
        .withReplicas(3).withUpdatedReplicas(2).withAvailableReplicas(2).build()));
    assertThat(workload.observe(Fixtures.canary()).primary()).isEqualTo(Readiness.waiting(
        "podinfo-primary.test not ready: waiting for rollout to finish: 1 old replicas are "
            + "pending termination"));

    Fixtures.edit(client, "podinfo-primary", d -> d.setStatus(new DeploymentStatusBuilder()
        .withObservedGeneration(d.getMetadata().getGeneration() + 1)
        .withReplicas(2).withUpdatedReplicas(1).withAvailableReplicas(1).build()));
    assertThat(workload.observe(Fixtures.canary()).primary().message()).isEqualTo(
        "podinfo-primary.test not ready: waiting for rollout to finish: 1 out of 2 new replicas "
            + "have been updated");

    Fixtures.edit(client, "podinfo-primary", d -> {
      d.getSpec().getTemplate().getMetadata().getAnnotations().put("bump", "1");
      d.getStatus().setObservedGeneration(d.getMetadata().getGeneration());
    });
    assertThat(workload.observe(Fixtures.canary()).primary().message()).isEqualTo(
        "podinfo-primary.test not ready: waiting for rollout to finish: observed deployment "
            + "generation less than desired generation");
  }

  @Test
  void aProgressDeadlineExceededConditionFailsAtOnce() {
    Fixtures.edit(client, "podinfo", d -> d.getStatus().setConditions(java.util.List.of(
        new DeploymentConditionBuilder().withType("Progressing").withStatus("False")
            .withReason("ProgressDeadlineExceeded").build())));

    assertThat(workload.observe(Fixtures.canary()).canary()).isEqualTo(Readiness.failed(
        "canary deployment podinfo.test not ready: deployment \"podinfo\" exceeded its "
            + "progress deadline"));
  }

  @Test
  void aPrimaryScaledToZeroIsNotReady() {
    Fixtures.edit(client, "podinfo-primary", d -> d.getSpec().setReplicas(0));
    Fixtures.rolledOut(client, "podinfo-primary");

    assertThat(workload.observe(Fixtures.canary()).primary()).isEqualTo(Readiness.waiting(
        "halt podinfo.test advancement: primary deployment is scaled to zero"));
  }

  @Test
  void aMissingPrimaryIsNotReady() {
    client.apps().deployments().inNamespace(NAMESPACE).withName("podinfo-primary").delete();

    assertThat(workload.observe(Fixtures.canary()).primary().state())
        .isEqualTo(Readiness.State.WAITING);
  }
}
