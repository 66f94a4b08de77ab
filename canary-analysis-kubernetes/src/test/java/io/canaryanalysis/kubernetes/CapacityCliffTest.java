package io.canaryanalysis.kubernetes;

import static io.canaryanalysis.kubernetes.Fixtures.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.MetricBackend;
import io.canaryanalysis.api.MetricProvider;
import io.canaryanalysis.api.MetricQuery;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.api.status.CapacityWait;
import io.canaryanalysis.core.AnalysisEngine;
import io.canaryanalysis.core.TickReport;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Rollback and promotion without a capacity cliff (fluxcd/flagger#869) with the real engine,
 * {@link DeploymentWorkload} and routers on the mock API server in CRUD mode, objects read back
 * whole. The test plays the HPA controller (the primary's replicas follow its share of traffic,
 * never under the HPA's floor) and the Deployment controller (new replicas become available only
 * when the test says so). Before traffic returns to the primary, its HPA floor is raised to the
 * replicas serving the traffic, the primary is scaled up, the engine waits for it to be available
 * with the wait in {@code status.capacityWait}, then moves the traffic, scales the canary down and
 * restores the floor.
 */
@EnableKubernetesMockClient(crud = true, https = false,
    kubernetesClientBuilderCustomizer = Fixtures.NoClientRetries.class)
class CapacityCliffTest {
  /** All traffic needs 4 pods; the primary's HPA may give it 2 to 10. */
  static final int PODS = 4;
  static final String HPA = """
      apiVersion: autoscaling/v2
      kind: HorizontalPodAutoscaler
      metadata:
        name: podinfo
        namespace: test
      spec:
        scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
        minReplicas: 2
        maxReplicas: 10
        metrics:
          - type: Resource
            resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}
      """;

  KubernetesMockServer server;
  KubernetesClient client;

  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2024-05-01T10:00:00Z"));
  private final AtomicBoolean failing = new AtomicBoolean();
  private CanaryController controller;
  private TrafficRouter router;

  private void start(TrafficRouter router, String provider, int maxWeight, int stepWeight) {
    this.router = router;
    Fixtures.expectCanaryCrd(server);
    Fixtures.createAll(client);
    Fixtures.edit(client, "podinfo", d -> {
      Map<String, String> labels = new LinkedHashMap<>(d.getSpec().getTemplate().getMetadata().getLabels());
      labels.put(KubernetesRouter.TRAFFIC_LABEL, "podinfo");
      d.getSpec().getTemplate().getMetadata().setLabels(labels);
      d.getSpec().setReplicas(PODS);
    });
    Fixtures.rolledOut(client, "podinfo");
    client.resource(Fixtures.read(HorizontalPodAutoscaler.class, HPA)).create();
    Fixtures.storeCanary(client, Fixtures.CANARY_YAML
        .replace("spec:\n", "spec:\n  provider: " + provider + "\n  autoscalerRef:\n"
            + "    apiVersion: autoscaling/v2\n    kind: HorizontalPodAutoscaler\n    name: podinfo\n")
        .replace("maxWeight: 20", "maxWeight: " + maxWeight)
        .replace("stepWeight: 10", "stepWeight: " + stepWeight));
    MetricProvider prometheus = new MetricProvider() {
      @Override
      public MetricResult query(MetricQuery query) {
        return MetricResult.value(failing.get() ? 52.0 : 99.9);
      }

      @Override
      public boolean isOnline() {
        return true;
      }
    };
    AnalysisEngine engine = AnalysisEngine.builder()
        .router(router)
        .statusStore(CanaryResources.create(client))
        .workload(DeploymentWorkload.create(client))
        .eventSink(KubernetesEventSink.create(client))
        .metrics(new MetricBackend(prometheus, (name, kind) -> Optional.of("sum(up)"), null))
        .clock((InstantSource) now::get)
        .build();
    controller = CanaryController.builder(client, engine).namespace(NAMESPACE).build();
    tick();
    rolledOut("podinfo-primary");
    assertThat(tick().status().phase()).isEqualTo(CanaryPhase.INITIALIZED);
    Fixtures.edit(client, "podinfo", d -> d.getSpec().getTemplate().getSpec().getContainers().get(0)
        .setImage("ghcr.io/stefanprodan/podinfo:6.0.1"));
  }

  @Test
  void aRollbackRaisesThePrimaryFloorWaitsForItThenRoutesAndRestoresTheFloor() {
    InMemoryRouter mesh = new InMemoryRouter();
    start(mesh, "traefik", 50, 10);
    CanaryStatus status = progressTo(30);
    assertThat(replicas("podinfo-primary")).as("the HPA scaled the primary to its 70%").isEqualTo(3);
    assertThat(replicas("podinfo")).isEqualTo(2);

    failing.set(true);
    status = playAndTick().status();
    assertThat(status.failedChecks()).isEqualTo(1);
    status = playAndTick().status(); // the second failed check: threshold 2, rollback decided

    assertThat(status.phase()).isEqualTo(CanaryPhase.FAILED);
    assertThat(status.canaryWeight()).as("the traffic stays until the primary carries it").isEqualTo(30);
    assertThat(mesh.getRoutes(Fixtures.canary())).isEqualTo(TrafficSplit.canary(30));
    CapacityWait wait = storedStatus().capacityWait();
    assertThat(wait.move()).isEqualTo(CapacityWait.Move.ROLLBACK);
    assertThat(wait.message()).isEqualTo("waiting for podinfo-primary.test to carry the traffic: 3/5 replicas ready");
    HorizontalPodAutoscaler hpa = primaryHpa();
    assertThat(hpa.getSpec().getMinReplicas()).as("3 primary + 2 canary pods serve the traffic").isEqualTo(5);
    assertThat(hpa.getMetadata().getAnnotations())
        .containsEntry(Autoscalers.ORIGINAL_MIN_ANNOTATION, "2")
        .containsEntry(Autoscalers.CAPACITY_FLOOR_ANNOTATION, "5");
    assertThat(replicas("podinfo-primary")).as("scaled up at once").isEqualTo(5);
    assertThat(available("podinfo-primary")).isEqualTo(3);
    assertThat(replicas("podinfo")).as("the canary still serves its share").isEqualTo(2);

    status = playAndTick().status(); // the new primary pods are not available yet
    assertThat(status.capacityWait()).isNotNull();
    assertThat(mesh.getRoutes(Fixtures.canary())).isEqualTo(TrafficSplit.canary(30));
    assertThat(replicas("podinfo")).isEqualTo(2);
    assertThat(primaryHpa().getSpec().getMinReplicas()).as("the HPA stays at the floor").isEqualTo(5);

    rolledOut("podinfo-primary");
    status = playAndTick().status();

    assertThat(status.phase()).isEqualTo(CanaryPhase.FAILED);
    assertThat(status.capacityWait()).isNull();
    assertThat(storedStatus().capacityWait()).isNull();
    assertThat(mesh.history.get(mesh.history.size() - 1)).isEqualTo(TrafficSplit.ALL_PRIMARY);
    assertThat(replicas("podinfo")).isZero();
    hpa = primaryHpa();
    assertThat(hpa.getSpec().getMinReplicas()).as("the floor is restored").isEqualTo(2);
    assertThat(hpa.getMetadata().getAnnotations()).doesNotContainKeys(
        Autoscalers.ORIGINAL_MIN_ANNOTATION, Autoscalers.CAPACITY_FLOOR_ANNOTATION);
    assertThat(events()).containsSubsequence(
        "Rolling back podinfo.test failed checks threshold reached 2",
        "Rollback of podinfo.test waiting for podinfo-primary.test to carry the traffic: 3/5 replicas ready",
        "podinfo-primary.test carries the traffic: 5/5 replicas ready",
        "Canary failed! Scaling down podinfo.test");
    assertThat(storedStatus().effectiveSplit()).as("exact weights: nothing to report").isNull();
  }

  @Test
  void aPromotionRaisesThePrimaryBeforeAllTrafficGoesToItAndRestoresTheFloorAfterwards() {
    InMemoryRouter mesh = new InMemoryRouter();
    start(mesh, "traefik", 50, 25);
    CanaryStatus status = progressTo(50);
    status = playAndTick().status(); // at maxWeight: promote
    assertThat(status.phase()).isEqualTo(CanaryPhase.PROMOTING);
    assertThat(replicas("podinfo-primary")).isEqualTo(2);
    rolledOut("podinfo-primary"); // the primary rolled out the promoted template

    status = playAndTick().status();

    assertThat(status.phase()).isEqualTo(CanaryPhase.PROMOTING);
    assertThat(status.capacityWait().move()).isEqualTo(CapacityWait.Move.PROMOTION);
    assertThat(status.capacityWait().message())
        .isEqualTo("waiting for podinfo-primary.test to carry the traffic: 2/4 replicas ready");
    assertThat(mesh.getRoutes(Fixtures.canary())).isEqualTo(TrafficSplit.canary(50));
    assertThat(primaryHpa().getSpec().getMinReplicas()).isEqualTo(4);
    assertThat(replicas("podinfo-primary")).isEqualTo(4);

    rolledOut("podinfo-primary");
    status = playAndTick().status();
    assertThat(status.phase()).isEqualTo(CanaryPhase.FINALISING);
    assertThat(mesh.getRoutes(Fixtures.canary())).isEqualTo(TrafficSplit.ALL_PRIMARY);
    assertThat(primaryHpa().getSpec().getMinReplicas()).as("kept until the run has ended").isEqualTo(4);

    status = playAndTick().status();
    assertThat(status.phase()).isEqualTo(CanaryPhase.SUCCEEDED);
    assertThat(replicas("podinfo")).isZero();
    assertThat(primaryHpa().getSpec().getMinReplicas()).isEqualTo(2);
    assertThat(primaryHpa().getMetadata().getAnnotations()).doesNotContainKeys(
        Autoscalers.ORIGINAL_MIN_ANNOTATION, Autoscalers.CAPACITY_FLOOR_ANNOTATION);
    assertThat(events()).containsSubsequence(
        "Copying podinfo.test template spec to podinfo-primary.test",
        "Promotion of podinfo.test waiting for podinfo-primary.test to carry the traffic: 2/4 replicas ready",
        "podinfo-primary.test carries the traffic: 4/4 replicas ready",
        "Routing all traffic to primary",
        "Promotion completed! Scaling down podinfo.test");
  }

  @Test
  void theReplicaRatioRollbackAt50RescalesThePrimaryBeforeTheCanaryGoesToZero() {
    start(KubernetesRouter.create(client), "kubernetes", 50, 50);
    assertThat(tick().status().phase()).isEqualTo(CanaryPhase.PROGRESSING);
    rolledOut("podinfo");
    CanaryStatus status = tick().status();
    assertThat(status.canaryWeight()).isEqualTo(50);
    assertThat(replicas("podinfo")).isEqualTo(4);
    assertThat(storedStatus().effectiveSplit()).isEqualTo("4 primary / 4 canary pods");

    // Each pod now gets an eighth of the traffic: the primary's HPA scales it down to 2, and the
    // router resizes the canary to keep 50%.
    Fixtures.edit(client, "podinfo-primary", d -> d.getSpec().setReplicas(2));
    rolledOut("podinfo-primary");
    tick();
    rolledOut("podinfo");
    assertThat(replicas("podinfo")).isEqualTo(2);
    assertThat(storedStatus().effectiveSplit()).isEqualTo("2 primary / 2 canary pods");

    failing.set(true);
    tick();
    tick(); // threshold 2: the rollback is decided
    status = storedStatus();
    assertThat(status.phase()).isEqualTo(CanaryPhase.FAILED);
    assertThat(status.capacityWait().message())
        .isEqualTo("waiting for podinfo-primary.test to carry the traffic: 2/4 replicas ready");
    assertThat(replicas("podinfo-primary")).isEqualTo(4);
    assertThat(primaryHpa().getSpec().getMinReplicas()).isEqualTo(4);
    assertThat(apexSelector()).as("both still serve").isEqualTo(Map.of(KubernetesRouter.TRAFFIC_LABEL, "podinfo"));
    assertThat(replicas("podinfo")).isEqualTo(2);

    tick(); // the primary's new pods are not available yet
    assertThat(apexSelector()).isEqualTo(Map.of(KubernetesRouter.TRAFFIC_LABEL, "podinfo"));
    assertThat(replicas("podinfo")).as("not resized to the growing primary, not scaled down").isEqualTo(2);
    assertThat(available("podinfo-primary")).isEqualTo(2);

    rolledOut("podinfo-primary");
    assertThat(available("podinfo-primary")).isEqualTo(4);
    status = tick().status();

    assertThat(status.capacityWait()).isNull();
    assertThat(apexSelector()).isEqualTo(Map.of("app", "podinfo-primary"));
    assertThat(replicas("podinfo")).isZero();
    assertThat(replicas("podinfo-primary")).isEqualTo(4);
    assertThat(primaryHpa().getSpec().getMinReplicas()).isEqualTo(2);
    assertThat(storedStatus().effectiveSplit()).isEqualTo("4 primary / 0 canary pods");
    assertThat(events()).containsSubsequence(
        "Rollback of podinfo.test waiting for podinfo-primary.test to carry the traffic: 2/4 replicas ready",
        "podinfo-primary.test carries the traffic: 4/4 replicas ready",
        "Canary failed! Scaling down podinfo.test");
  }

  /** Advances the run to {@code weight}, playing the HPAs and the Deployment controller. */
  private CanaryStatus progressTo(int weight) {
    CanaryStatus status = null;
    for (int i = 0; i < 12; i++) {
      status = playAndTick().status();
      if (status.phase() == CanaryPhase.PROGRESSING && status.canaryWeight() == weight) {
        playHpas();
        return status;
      }
    }
    throw new AssertionError("never reached weight " + weight + ": " + status);
  }

  /**
   * Plays the HPA controller of both sides (each runs the pods of its share of {@link #PODS}, the
   * primary never under its HPA's floor, the canary only while it runs) and makes scale-downs and
   * the canary's pods available; new primary pods wait for {@link #rolledOut}.
   */
  private void playHpas() {
    TrafficSplit split = router.getRoutes(Fixtures.canary());
    HorizontalPodAutoscaler hpa = primaryHpa();
    int floor = hpa == null || hpa.getSpec().getMinReplicas() == null ? 1 : hpa.getSpec().getMinReplicas();
    int primary = Math.max(floor, (int) Math.ceil(PODS * split.primaryWeight() / 100.0));
    if (replicas("podinfo-primary") != primary) {
      boolean down = primary < replicas("podinfo-primary");
      Fixtures.edit(client, "podinfo-primary", d -> d.getSpec().setReplicas(primary));
      if (down) {
        rolledOut("podinfo-primary");
      }
    }
    if (replicas("podinfo") > 0) {
      int canary = Math.max(1, (int) Math.ceil(PODS * split.canaryWeight() / 100.0));
      Fixtures.edit(client, "podinfo", d -> d.getSpec().setReplicas(canary));
    }
    rolledOut("podinfo");
  }

  private TickReport playAndTick() {
    playHpas();
    return tick();
  }

  private TickReport tick() {
    TickReport report = controller.reconcile(NAMESPACE, "podinfo").orElseThrow();
    now.set(now.get().plus(Duration.ofMinutes(1)));
    return report;
  }

  private void rolledOut(String name) {
    Fixtures.rolledOut(client, name);
  }

  private int replicas(String name) {
    return Fixtures.get(client, name).getSpec().getReplicas();
  }

  private int available(String name) {
    Deployment d = Fixtures.get(client, name);
    return d.getStatus() == null || d.getStatus().getAvailableReplicas() == null ? 0
        : d.getStatus().getAvailableReplicas();
  }

  private HorizontalPodAutoscaler primaryHpa() {
    return client.resources(HorizontalPodAutoscaler.class).inNamespace(NAMESPACE).withName("podinfo-primary").get();
  }

  private Map<String, String> apexSelector() {
    return client.services().inNamespace(NAMESPACE).withName("podinfo").get().getSpec().getSelector();
  }

  /** The status as stored on the Canary, read back whole through the manifest reader. */
  private CanaryStatus storedStatus() {
    var stored = client.genericKubernetesResources(FlaggerKinds.CANARY).inNamespace(NAMESPACE)
        .withName("podinfo").get();
    return io.canaryanalysis.manifest.CanaryManifests.readCanary(
        client.getKubernetesSerialization().asYaml(stored)).status();
  }

  private List<String> events() {
    return client.v1().events().inNamespace(NAMESPACE).list().getItems().stream()
        .sorted(java.util.Comparator.comparing(e -> e.getMetadata().getCreationTimestamp() == null ? ""
            : e.getMetadata().getCreationTimestamp()))
        .map(Event::getMessage).collect(Collectors.toList());
  }
}
