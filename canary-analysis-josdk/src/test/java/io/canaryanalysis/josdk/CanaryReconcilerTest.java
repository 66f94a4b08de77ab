package io.canaryanalysis.josdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canaryanalysis.api.MetricBackend;
import io.canaryanalysis.api.MetricProvider;
import io.canaryanalysis.api.MetricQuery;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.core.AnalysisEngine;
import io.canaryanalysis.kubernetes.CanaryResources;
import io.canaryanalysis.kubernetes.DeploymentWorkload;
import io.canaryanalysis.kubernetes.KubernetesEventSink;
import io.canaryanalysis.providers.traefik.TraefikRouter;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.javaoperatorsdk.operator.Operator;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real JOSDK {@link Operator} on fabric8's CRUD mock API server (informers and watches) running
 * {@link CanaryReconciler} with the real engine, {@link DeploymentWorkload}, {@link TraefikRouter}
 * and {@link CanaryResources} as the status store. The test plays the Deployment controller
 * (rollouts complete a few milliseconds after a change) and runs the engine on a clock 50 times
 * faster than the wall clock, so Flagger's 10 s interval is 200 ms; the reconciler's
 * {@code maxDelay} keeps JOSDK's reschedules on that pace.
 */
@EnableKubernetesMockClient(crud = true)
class CanaryReconcilerTest {
  private static final String NAMESPACE = "test";
  private static final int SPEED = 50;
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String NEW_IMAGE = "ghcr.io/stefanprodan/podinfo:6.0.1";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ResourceDefinitionContext TRAEFIK_SERVICE = new ResourceDefinitionContext.Builder()
      .withGroup("traefik.io").withVersion("v1alpha1").withKind("TraefikService")
      .withPlural("traefikservices").withNamespaced(true).build();

  /**
   * Flagger's Traefik tutorial canary (docs/gitbook/tutorials/traefik-progressive-delivery.md),
   * without its HPA and load-test webhooks and with a longer progress deadline for the fast clock.
   */
  static final String CANARY_YAML = """
      apiVersion: flagger.app/v1beta1
      kind: Canary
      metadata:
        name: podinfo
        namespace: test
      spec:
        provider: traefik
        targetRef:
          apiVersion: apps/v1
          kind: Deployment
          name: podinfo
        progressDeadlineSeconds: 3600
        service:
          port: 80
          targetPort: 9898
        analysis:
          interval: 10s
          threshold: 10
          maxWeight: 50
          stepWeight: 5
          metrics:
            - name: request-success-rate
              interval: 1m
              thresholdRange:
                min: 99
            - name: request-duration
              interval: 1m
              thresholdRange:
                max: 500
      """;

  static final String REVERTING_CANARY_YAML =
      CANARY_YAML.replace("  service:\n", "  revertOnDeletion: true\n  service:\n");

  KubernetesMockServer server;
  KubernetesClient client;

  private final ScheduledExecutorService deploymentController = Executors.newSingleThreadScheduledExecutor();
  private final AtomicBoolean rollingOut = new AtomicBoolean(true);
  private Operator operator;

  @BeforeEach
  void setUp() {
    server.expectCustomResource(new CustomResourceDefinitionContext.Builder()
        .withGroup("flagger.app").withVersion("v1beta1").withKind("Canary").withPlural("canaries")
        .withScope("Namespaced").withName("canaries.flagger.app").withStatusSubresource(true).build());
    client.resource(deployment()).create();
    deploymentController.scheduleWithFixedDelay(this::completeRollouts, 0, 10, TimeUnit.MILLISECONDS);

    Instant start = Instant.parse("2026-05-01T10:00:00Z");
    long origin = System.nanoTime();
    InstantSource fastClock = () -> start.plusNanos((System.nanoTime() - origin) * SPEED);
    MetricProvider prometheus = new MetricProvider() {
      @Override
      public MetricResult query(MetricQuery query) {
        return MetricResult.value(query.query().startsWith("success") ? 99.5 : 120);
      }

      @Override
      public boolean isOnline() {
        return true;
      }
    };
    AnalysisEngine engine = AnalysisEngine.builder()
        .router(TraefikRouter.create(client))
        .workload(DeploymentWorkload.create(client))
        .statusStore(CanaryResources.create(client))
        .eventSink(KubernetesEventSink.create(client))
        .metrics(new MetricBackend(prometheus, (name, kind) -> Optional.of(
            name.equals("request-success-rate") ? "success{{ namespace }}" : "duration{{ namespace }}"), null))
        .clock(fastClock)
        .build();
    CanaryReconciler reconciler = CanaryReconciler.builder(client, engine)
        .maxDelay(Duration.ofMillis(1000L * 10 / SPEED))
        .build();
    operator = new Operator(o -> o.withKubernetesClient(client).withCloseClientOnStop(false)
        .withReconciliationTerminationTimeout(Duration.ofSeconds(5)));
    operator.register(reconciler, c -> c.settingNamespace(NAMESPACE));
    operator.start();
  }

  @AfterEach
  void tearDown() {
    operator.stop();
    deploymentController.shutdownNow();
    // Closed before the extension stops the mock server: its shutdown waits at most 10 s for open watches.
    client.close();
  }

  @Test
  void initializesThenRunsANewRevisionToSucceeded() {
    storeCanary(CANARY_YAML);

    awaitInitialized();
    assertThat(deploymentNamed("podinfo-primary")).isNotNull();
    assertThat(selector("podinfo")).isEqualTo(Map.of("app", "podinfo-primary"));
    assertThat(traefikWeights()).as("all traffic on the primary").isEqualTo(Map.of("podinfo-primary", 100));
    assertThat(canary().getMetadata().getFinalizers()).as("no revertOnDeletion, no finalizer")
        .isNullOrEmpty();

    editDeployment("podinfo", d -> d.getSpec().getTemplate().getSpec().getContainers().get(0)
        .setImage(NEW_IMAGE));

    // The status is the intent: Succeeded is stored first, then the target is scaled down.
    // (The events of that tick are written after its actions: wait for the last one too.)
    await("Succeeded with the target scaled down", () -> "Succeeded".equals(phase())
        && Integer.valueOf(0).equals(deploymentNamed("podinfo").getSpec().getReplicas())
        && eventMessages().contains("Promotion completed! Scaling down podinfo.test"));
    assertThat(deploymentNamed("podinfo-primary").getSpec().getTemplate().getSpec().getContainers()
        .get(0).getImage()).isEqualTo(NEW_IMAGE);
    assertThat(traefikWeights()).as("all traffic on the primary").isEqualTo(Map.of("podinfo-primary", 100));
    JsonNode status = status();
    assertThat(status.path("canaryWeight").asInt()).isZero();
    assertThat(status.path("failedChecks").asInt()).isZero();
    assertThat(status.path("lastPromotedSpec").asText()).isNotEmpty();
    // The steps 5% .. 50% are one Event (the sink's default step series), its last text at the end.
    assertThat(eventMessages()).containsSubsequence(
        "Initialization done! podinfo.test",
        "New revision detected! Scaling up podinfo.test",
        "Advance podinfo.test canary weight 50",
        "Copying podinfo.test template spec to podinfo-primary.test",
        "Promotion completed! Scaling down podinfo.test");
  }

  @Test
  void deletingACanaryWithRevertOnDeletionRevertsThenLetsTheFinalizerGo() {
    storeCanary(REVERTING_CANARY_YAML);
    awaitInitialized();
    assertThat(canary().getMetadata().getFinalizers()).containsExactly(CanaryReconciler.FINALIZER);

    rollingOut.set(false);
    client.resources(CanaryResource.class).inNamespace(NAMESPACE).withName("podinfo").delete();

    await("Terminating with the target scaled up", () -> "Terminating".equals(phase())
        && Integer.valueOf(2).equals(deploymentNamed("podinfo").getSpec().getReplicas()));
    sleepTicks(3);
    assertThat(canary()).as("held by the finalizer until the target is ready").isNotNull();
    assertThat(canary().getMetadata().getFinalizers()).containsExactly(CanaryReconciler.FINALIZER);
    assertThat(selector("podinfo")).as("not handed over before the target is ready")
        .isEqualTo(Map.of("app", "podinfo-primary"));

    rollingOut.set(true);
    await("the canary to be gone", () -> canary() == null);
    assertThat(selector("podinfo")).as("the apex Service selects the target again")
        .isEqualTo(Map.of("app", "podinfo"));
    assertThat(traefikWeights()).as("all traffic on the primary").isEqualTo(Map.of("podinfo-primary", 100));
    assertThat(deploymentNamed("podinfo").getSpec().getReplicas()).isEqualTo(2);
  }

  @Test
  void turningRevertOnDeletionOffRemovesTheFinalizer() {
    storeCanary(REVERTING_CANARY_YAML);
    await("the finalizer", () -> canary() != null && canary().hasFinalizer(CanaryReconciler.FINALIZER));

    CanaryResource stored = canary();
    stored.getSpec().fields().put("revertOnDeletion", false);
    client.resource(stored).update();

    await("the finalizer to go", () -> !canary().hasFinalizer(CanaryReconciler.FINALIZER));
    await("Initialized", () -> "Initialized".equals(phase()));
  }

  @Test
  void deletingACanaryWithoutRevertOnDeletionLeavesTheWorkloadAlone() {
    storeCanary(CANARY_YAML);
    awaitInitialized();

    client.resources(CanaryResource.class).inNamespace(NAMESPACE).withName("podinfo").delete();

    await("the canary to be gone", () -> canary() == null);
    sleepTicks(2);
    assertThat(deploymentNamed("podinfo").getSpec().getReplicas()).as("not reverted").isZero();
    assertThat(selector("podinfo")).isEqualTo(Map.of("app", "podinfo-primary"));
  }

  @Test
  void anInvalidManifestGetsAWarningEventAndIsRetriedUntilItIsFixed() {
    storeCanary(CANARY_YAML.replace("maxWeight: 50", "maxWeight: fifty")
        .replace("interval: 10s", "interval: ten"));

    await("a Warning event", () -> events().stream().anyMatch(e -> "Warning".equals(e.getType())
        && e.getMessage().startsWith("Invalid canary podinfo.test: ")));
    Event warning = events().stream().filter(e -> "Warning".equals(e.getType())).findFirst().orElseThrow();
    assertThat(warning.getMessage()).contains("spec.analysis.maxWeight", "spec.analysis.interval");
    assertThat(warning.getInvolvedObject().getName()).isEqualTo("podinfo");
    // Nothing decided for an invalid manifest: only the spec incident is recorded in its status.
    await("the spec incident in the status", () -> "spec".equals(status().path("incidents").path(0)
        .path("kind").asText()));
    assertThat(phase()).isIn(null, "Initializing");
    assertThat(deploymentNamed("podinfo-primary")).isNull();

    client.genericKubernetesResources("flagger.app/v1beta1", "Canary").inNamespace(NAMESPACE)
        .withName("podinfo").edit(stored -> {
          @SuppressWarnings("unchecked")
          Map<String, Object> analysis = (Map<String, Object>) ((Map<String, Object>) stored
              .getAdditionalProperties().get("spec")).get("analysis");
          analysis.put("maxWeight", 50);
          analysis.put("interval", "10s");
          return stored;
        });

    await("Initialized after the fix", () -> "Initialized".equals(phase()));
  }

  // --- the cluster as the test sees it --------------------------------------------------------

  private void storeCanary(String yaml) {
    client.resource(client.getKubernetesSerialization().unmarshal(yaml, CanaryResource.class))
        .inNamespace(NAMESPACE).create();
  }

  private CanaryResource canary() {
    return client.resources(CanaryResource.class).inNamespace(NAMESPACE).withName("podinfo").get();
  }

  private JsonNode status() {
    CanaryResource canary = canary();
    return canary == null || canary.getStatus() == null ? JSON.nullNode()
        : JSON.valueToTree(canary.getStatus().fields());
  }

  private String phase() {
    JsonNode phase = status().path("phase");
    return phase.isMissingNode() || phase.isNull() ? null : phase.asText();
  }

  private Deployment deploymentNamed(String name) {
    return client.apps().deployments().inNamespace(NAMESPACE).withName(name).get();
  }

  private Map<String, String> selector(String service) {
    return client.services().inNamespace(NAMESPACE).withName(service).get().getSpec().getSelector();
  }

  private Map<String, Integer> traefikWeights() {
    GenericKubernetesResource object = client.genericKubernetesResources(TRAEFIK_SERVICE)
        .inNamespace(NAMESPACE).withName("podinfo").get();
    JsonNode services = JSON.valueToTree(object.getAdditionalProperties().get("spec"))
        .path("weighted").path("services");
    Map<String, Integer> weights = new java.util.TreeMap<>();
    services.forEach(s -> weights.put(s.path("name").asText(), s.path("weight").asInt()));
    return weights;
  }

  private List<Event> events() {
    return client.v1().events().inNamespace(NAMESPACE).list().getItems();
  }

  private List<String> eventMessages() {
    return events().stream()
        .sorted(java.util.Comparator.comparing(e -> Integer.parseInt(e.getMetadata().getResourceVersion())))
        .map(Event::getMessage).collect(Collectors.toList());
  }

  private void editDeployment(String name, java.util.function.Consumer<Deployment> change) {
    for (int attempt = 0; ; attempt++) {
      Deployment d = deploymentNamed(name);
      change.accept(d);
      try {
        client.resource(d).update();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt > 20) {
          throw e;
        }
      }
    }
  }

  /** Plays the Deployment controller: every rollout completes (unless paused by the test). */
  private void completeRollouts() {
    if (!rollingOut.get()) {
      return;
    }
    try {
      for (Deployment d : client.apps().deployments().inNamespace(NAMESPACE).list().getItems()) {
        int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        DeploymentStatus done = new DeploymentStatusBuilder()
            .withObservedGeneration(d.getMetadata().getGeneration())
            .withReplicas(replicas).withUpdatedReplicas(replicas)
            .withAvailableReplicas(replicas).withReadyReplicas(replicas).build();
        if (!done.equals(d.getStatus())) {
          d.setStatus(done);
          client.resource(d).update();
        }
      }
    } catch (KubernetesClientException e) {
      // a write raced with the engine's: the next pass sees the new object
    }
  }

  /** The status is the intent: Initialized is stored first, then the target is scaled to zero. */
  private void awaitInitialized() {
    await("Initialized with the target scaled to zero", () -> "Initialized".equals(phase())
        && Integer.valueOf(0).equals(deploymentNamed("podinfo").getSpec().getReplicas()));
  }

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      sleep(10);
    }
  }

  /** Waits for a few analysis intervals of the fast clock. */
  private static void sleepTicks(int ticks) {
    sleep(ticks * 10_000L / SPEED);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static Deployment deployment() {
    return new io.fabric8.kubernetes.client.utils.KubernetesSerialization().unmarshal("""
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "podinfo", "namespace": "test", "labels": {"app": "podinfo"}},
         "spec": {
           "replicas": 2,
           "progressDeadlineSeconds": 3600,
           "selector": {"matchLabels": {"app": "podinfo"}},
           "template": {
             "metadata": {"labels": {"app": "podinfo"}},
             "spec": {"containers": [{"name": "podinfod", "image": "ghcr.io/stefanprodan/podinfo:6.0.0",
               "ports": [{"name": "http", "containerPort": 9898}]}]}}}}
        """, Deployment.class);
  }
}
