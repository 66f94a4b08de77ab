package io.canaryanalysis.kubernetes;

import static io.canaryanalysis.kubernetes.Fixtures.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.Readiness;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.WorkloadSnapshot;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.spec.ObjectReference;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code targetRef.kind: DaemonSet} as Flagger supports it, read back whole from the mock API server. */
@EnableKubernetesMockClient(crud = true, https = false,
    kubernetesClientBuilderCustomizer = Fixtures.NoClientRetries.class)
class DaemonSetWorkloadTest {
  KubernetesClient client;
  private DeploymentWorkload workload;
  private Canary canary;

  static DaemonSet daemonSet() {
    return Fixtures.read(DaemonSet.class, """
        {"apiVersion": "apps/v1", "kind": "DaemonSet",
         "metadata": {"name": "podinfo", "namespace": "test", "labels": {"app": "podinfo"},
                      "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}},
         "spec": {
           "minReadySeconds": 5,
           "updateStrategy": {"type": "RollingUpdate"},
           "selector": {"matchLabels": {"app": "podinfo"}},
           "template": {
             "metadata": {"labels": {"app": "podinfo"}},
             "spec": {
               "nodeSelector": {"kubernetes.io/os": "linux"},
               "containers": [{"name": "podinfod", "image": "ghcr.io/stefanprodan/podinfo:6.0.0",
                 "ports": [{"name": "http", "containerPort": 9898}],
                 "env": [{"name": "COLOR", "valueFrom": {"configMapKeyRef": {"name": "podinfo-env", "key": "color"}}}]}]}}}}
        """);
  }

  @BeforeEach
  void setUp() {
    client.resource(Fixtures.configMap("podinfo-env", Map.of("color", "blue"))).create();
    client.resource(daemonSet()).create();
    workload = DeploymentWorkload.create(client);
    canary = new Canary("podinfo", NAMESPACE, Fixtures.UID, Map.of(), Map.of(), CanarySpec.builder()
        .targetRef(new ObjectReference("apps/v1", "DaemonSet", "podinfo"))
        .service(CanaryService.ofPort(9898))
        .provider("kubernetes")
        .analysis(Analysis.builder().iterations(3).build())
        .build());
  }

  private DaemonSet get(String name) {
    return client.apps().daemonSets().inNamespace(NAMESPACE).withName(name).get();
  }

  private void edit(String name, Consumer<DaemonSet> change) {
    DaemonSet ds = get(name);
    change.accept(ds);
    client.resource(ds).update();
  }

  private void rolledOut(String name, int nodes) {
    edit(name, ds -> ds.setStatus(new DaemonSetStatusBuilder()
        .withObservedGeneration(ds.getMetadata().getGeneration())
        .withDesiredNumberScheduled(nodes).withUpdatedNumberScheduled(nodes).withNumberAvailable(nodes)
        .withCurrentNumberScheduled(nodes).withNumberMisscheduled(0).withNumberReady(nodes).build()));
  }

  @Test
  void initializeCreatesThePrimaryDaemonSetAndServices() {
    workload.initialize(canary);

    JsonNode primary = Fixtures.tree(client, get("podinfo-primary"));
    assertThat(primary.at("/spec/selector/matchLabels")).isEqualTo(Fixtures.json("{\"app\": \"podinfo-primary\"}"));
    assertThat(primary.at("/spec/template/metadata/labels/app").asText()).isEqualTo("podinfo-primary");
    assertThat(primary.at("/spec/template/spec/containers/0/env/0/valueFrom/configMapKeyRef/name").asText())
        .isEqualTo("podinfo-env-primary");
    assertThat(primary.at("/spec/minReadySeconds").asInt()).isEqualTo(5);
    assertThat(primary.at("/spec/updateStrategy/type").asText()).isEqualTo("RollingUpdate");
    assertThat(primary.at("/metadata/annotations").has("kubectl.kubernetes.io/last-applied-configuration")).isFalse();
    assertThat(primary.at("/metadata/ownerReferences/0/kind").asText()).isEqualTo("Canary");
    assertThat(client.configMaps().inNamespace(NAMESPACE).withName("podinfo-env-primary").get()).isNotNull();
    assertThat(client.services().inNamespace(NAMESPACE).withName("podinfo").get().getSpec().getSelector())
        .isEqualTo(Map.of("app", "podinfo-primary"));
    assertThat(client.services().inNamespace(NAMESPACE).withName("podinfo-canary").get().getSpec().getSelector())
        .isEqualTo(Map.of("app", "podinfo"));
  }

  @Test
  void scaleToZeroIsANodeSelectorThatNeitherChangesTheRevisionNorReachesThePrimary() {
    workload.initialize(canary);
    String revision = workload.observe(canary).revision();

    workload.scaleToZero(canary);
    assertThat(get("podinfo").getSpec().getTemplate().getSpec().getNodeSelector())
        .isEqualTo(Map.of("kubernetes.io/os", "linux", "flagger.app/scale-to-zero", "true"));
    WorkloadSnapshot idle = workload.observe(canary);
    assertThat(idle.revision()).isEqualTo(revision);
    assertThat(idle.canaryReplicas()).isZero();

    workload.promote(canary);
    assertThat(get("podinfo-primary").getSpec().getTemplate().getSpec().getNodeSelector())
        .isEqualTo(Map.of("kubernetes.io/os", "linux"));

    workload.scaleUp(canary);
    assertThat(get("podinfo").getSpec().getTemplate().getSpec().getNodeSelector())
        .isEqualTo(Map.of("kubernetes.io/os", "linux"));
    assertThat(workload.observe(canary).canaryReplicas()).isEqualTo(1);
  }

  @Test
  void promotionCopiesTheTemplateAndRecordsTheRevisionAndARepeatWritesNothing() {
    workload.initialize(canary);
    edit("podinfo", ds -> ds.getSpec().getTemplate().getSpec().getContainers().get(0)
        .setImage("ghcr.io/stefanprodan/podinfo:6.0.1"));
    String revision = workload.observe(canary).revision();

    workload.promote(canary);

    DaemonSet primary = get("podinfo-primary");
    assertThat(primary.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("ghcr.io/stefanprodan/podinfo:6.0.1");
    assertThat(workload.observe(canary).primaryRevision()).isEqualTo(revision);
    String version = primary.getMetadata().getResourceVersion();
    workload.promote(canary);
    assertThat(get("podinfo-primary").getMetadata().getResourceVersion()).isEqualTo(version);
  }

  @Test
  void readinessFollowsFlaggersDaemonSetRules() {
    workload.initialize(canary);
    rolledOut("podinfo", 3);
    edit("podinfo-primary", ds -> ds.setStatus(new DaemonSetStatusBuilder()
        .withObservedGeneration(ds.getMetadata().getGeneration())
        .withDesiredNumberScheduled(3).withUpdatedNumberScheduled(2).withNumberAvailable(2)
        .withCurrentNumberScheduled(3).withNumberMisscheduled(0).withNumberReady(2).build()));

    WorkloadSnapshot snapshot = workload.observe(canary);

    assertThat(snapshot.canary()).isEqualTo(Readiness.READY);
    assertThat(snapshot.primary().isReady()).isFalse();
    assertThat(snapshot.primary().message()).isEqualTo("primary daemonset podinfo-primary.test not ready: "
        + "waiting for rollout to finish: 2 out of 3 new pods have been updated");
  }

  @Test
  void anOnDeleteDaemonSetIsRefusedAsFlaggerDoes() {
    edit("podinfo", ds -> ds.getSpec().getUpdateStrategy().setType("OnDelete"));

    assertThatThrownBy(() -> workload.initialize(canary))
        .isInstanceOf(ProviderException.class)
        .hasMessage("daemonset podinfo.test must have RollingUpdate strategy but has OnDelete");
  }

  @Test
  void theKubernetesRouterRunsBlueGreenOnADaemonSetAndRefusesReplicaRatio() {
    workload.initialize(canary);
    KubernetesRouter router = KubernetesRouter.create(client);

    router.setRoutes(canary, TrafficSplit.ALL_CANARY);
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.ALL_CANARY);
    assertThat(client.services().inNamespace(NAMESPACE).withName("podinfo").get().getSpec().getSelector())
        .isEqualTo(Map.of("app", "podinfo-primary"));

    Canary progressive = canary.withSpec(canary.spec().toBuilder()
        .analysis(Analysis.builder().stepWeight(10).maxWeight(50).build()).build());
    assertThat(router.validate(progressive)).extracting(p -> p.path()).containsExactly("spec.targetRef.kind");
  }
}
