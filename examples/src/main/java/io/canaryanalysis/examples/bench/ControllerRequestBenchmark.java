package io.canaryanalysis.examples.bench;

import io.canaryanalysis.api.MetricBackend;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.core.AnalysisEngine;
import io.canaryanalysis.core.TickReport;
import io.canaryanalysis.kubernetes.CanaryController;
import io.canaryanalysis.kubernetes.CanaryResources;
import io.canaryanalysis.kubernetes.DeploymentWorkload;
import io.canaryanalysis.kubernetes.KubernetesEventSink;
import io.canaryanalysis.kubernetes.KubernetesInformers;
import io.canaryanalysis.kubernetes.KubernetesRouter;
import io.canaryanalysis.api.TrafficRouter;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.canaryanalysis.providers.istio.IstioRouter;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * API requests per tick of the real {@link CanaryController}, {@link DeploymentWorkload} and
 * {@link IstioRouter} against fabric8's mock API server in CRUD mode, counted by verb and kind
 * on the controller's client, over a whole lifecycle of N canaries (initialization, idle ticks,
 * a new image analysed in 10% steps to 50%, promotion, idle ticks), with plain GETs ({@code live})
 * and with informer caches ({@code informers}) side by side. Time is virtual (one round of ticks
 * is one 10 s interval); the harness plays the Deployment controller on a client of its own,
 * which is not counted. The variant {@code hpa} gives every target a HorizontalPodAutoscaler
 * ({@code autoscalerRef}), {@code kubernetes} routes with the replica-ratio {@link KubernetesRouter}
 * instead of Istio. Usage:
 * {@code ControllerRequestBenchmark [canaries] [live|informers|both] [istio|hpa|kubernetes]}.
 */
public final class ControllerRequestBenchmark {
  static final String NAMESPACE = "bench";

  /** Held strongly: a java.util.logging level is lost when its logger is collected. */
  static final java.util.logging.Logger QUIET_MOCK_SERVER =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  private ControllerRequestBenchmark() {}

  public static void main(String[] args) throws Exception {
    QUIET_MOCK_SERVER.setLevel(java.util.logging.Level.WARNING);
    int canaries = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    String modes = args.length > 1 ? args[1] : "both";
    String variant = args.length > 2 ? args[2] : "istio";
    if (!List.of("istio", "hpa", "kubernetes").contains(variant)) {
      throw new IllegalArgumentException("variant must be istio, hpa or kubernetes, got " + variant);
    }
    List<Result> results = new ArrayList<>();
    if (!"informers".equals(modes)) {
      results.add(run(canaries, false, variant));
    }
    if (!"live".equals(modes)) {
      results.add(run(canaries, true, variant));
    }
    print(canaries, variant, results);
  }

  /** Requests per tick by phase bucket, and by verb and kind. */
  record Result(String mode, Map<String, double[]> perPhase, Map<String, Map<String, Double>> byKind,
      double lifecycle, long startup) {}

  static Result run(int n, boolean informers) throws Exception {
    return run(n, informers, "istio");
  }

  static Result run(int n, boolean informers, String variant) throws Exception {
    KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(),
        new HashMap<>(), new KubernetesCrudDispatcher(List.of()), false);
    server.init();
    RequestCounter counter = new RequestCounter();
    try (KubernetesClient harness = server.createClient();
        KubernetesClient client = server.createClient(b -> b.withHttpClientBuilderConsumer(
            h -> h.addOrReplaceInterceptor("count", counter)))) {
      expectCrds(server);
      for (int i = 0; i < n; i++) {
        create(harness, i, variant);
      }
      AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
      KubernetesInformers caches = informers
          ? KubernetesInformers.builder(client).namespace(NAMESPACE).start() : null;
      TrafficRouter router;
      if (variant.equals("kubernetes")) {
        KubernetesRouter.Builder kube = KubernetesRouter.builder(client);
        if (informers) {
          kube.informers(caches);
        }
        router = kube.build();
      } else {
        IstioRouter.Builder routerBuilder = IstioRouter.builder(client);
        if (informers) {
          routerBuilder.informers(NAMESPACE);
        }
        router = routerBuilder.build();
      }
      DeploymentWorkload.Builder workload = DeploymentWorkload.builder(client);
      KubernetesEventSink.Builder events = KubernetesEventSink.builder(client);
      CanaryResources store = informers ? CanaryResources.create(client, caches) : CanaryResources.create(client);
      if (informers) {
        workload.informers(caches);
        events.informers(caches);
      }
      AnalysisEngine engine = AnalysisEngine.builder()
          .router(router)
          .workload(workload.build())
          .statusStore(store)
          .eventSink(events.build())
          .metrics(new MetricBackend(BenchCanaries.healthyMetrics(), (name, kind) -> Optional.of(BenchCanaries.ISTIO_SUCCESS_RATE), null))
          .clock((InstantSource) now::get)
          .build();
      CanaryController.Builder controllerBuilder = CanaryController.builder(client, engine).namespace(NAMESPACE);
      if (informers) {
        controllerBuilder.informers(caches);
      }
      CanaryController controller = controllerBuilder.build();
      long startup = counter.drain().values().stream().mapToLong(Long::longValue).sum();

      Map<String, long[]> phaseTotals = new LinkedHashMap<>();
      Map<String, Map<String, Long>> kindTotals = new LinkedHashMap<>();
      long allRequests = 0;
      long allTicks = 0;
      CanaryPhase phase = CanaryPhase.INITIALIZING;
      boolean newImage = false;
      int idleAfterInit = 0;
      int idleAfterPromotion = 0;
      for (int round = 0; round < 200; round++) {
        String bucket = bucket(phase);
        CanaryPhase after = null;
        for (int i = 0; i < n; i++) {
          Optional<TickReport> report = controller.reconcile(NAMESPACE, name(i));
          if (i == 0) {
            after = report.map(r -> r.status().phase()).orElse(null);
          }
        }
        Map<String, Long> counts = counter.drain();
        long total = counts.values().stream().mapToLong(Long::longValue).sum();
        phaseTotals.computeIfAbsent(bucket, k -> new long[2]);
        phaseTotals.get(bucket)[0] += total;
        phaseTotals.get(bucket)[1] += n;
        Map<String, Long> kinds = kindTotals.computeIfAbsent(bucket, k -> new TreeMap<>());
        counts.forEach((k, v) -> kinds.merge(k, v, Long::sum));
        allRequests += total;
        allTicks += n;
        phase = after;
        rolledOut(harness);
        if (informers) {
          settle();
        }
        now.set(now.get().plus(Duration.ofSeconds(10)));
        if (!newImage && (phase == CanaryPhase.INITIALIZED || phase == CanaryPhase.SUCCEEDED)
            && ++idleAfterInit > 3) {
          newImage = true;
          for (int i = 0; i < n; i++) {
            newImage(harness, i);
          }
          if (informers) {
            settle();
          }
        } else if (newImage && phase == CanaryPhase.SUCCEEDED && ++idleAfterPromotion > 3) {
          break;
        }
      }
      Map<String, double[]> perPhase = new LinkedHashMap<>();
      Map<String, Map<String, Double>> byKind = new LinkedHashMap<>();
      phaseTotals.forEach((bucket, t) -> {
        perPhase.put(bucket, new double[] {(double) t[0] / t[1], t[1] / (double) n});
        Map<String, Double> kinds = new TreeMap<>();
        kindTotals.get(bucket).forEach((k, v) -> kinds.put(k, (double) v / t[1]));
        byKind.put(bucket, kinds);
      });
      controller.close();
      if (router instanceof AutoCloseable closeable) {
        closeable.close();
      }
      if (caches != null) {
        caches.close();
      }
      return new Result(informers ? "informers" : "live", perPhase, byKind,
          (double) allRequests / allTicks, startup);
    } finally {
      server.destroy();
    }
  }

  private static String bucket(CanaryPhase phase) {
    if (phase == null) {
      return "gone";
    }
    switch (phase) {
      case INITIALIZING:
      case INITIALIZED:
      case SUCCEEDED:
      case PROGRESSING:
      case PROMOTING:
      case FINALISING:
        return phase.name().toLowerCase();
      default:
        return "other";
    }
  }

  /** Lets the informers see the harness' writes (virtual time stands still meanwhile). */
  private static void settle() throws InterruptedException {
    Thread.sleep(300);
  }

  static String name(int i) {
    return "app-" + i;
  }

  static void expectCrds(KubernetesMockServer server) {
    server.expectCustomResource(new CustomResourceDefinitionContext.Builder()
        .withGroup("flagger.app").withVersion("v1beta1").withKind("Canary").withPlural("canaries")
        .withScope("Namespaced").withName("canaries.flagger.app").withStatusSubresource(true).build());
    for (String kind : List.of("VirtualService", "DestinationRule")) {
      String plural = kind.toLowerCase() + "s";
      server.expectCustomResource(new CustomResourceDefinitionContext.Builder()
          .withGroup("networking.istio.io").withVersion("v1beta1").withKind(kind).withPlural(plural)
          .withScope("Namespaced").withName(plural + ".networking.istio.io").build());
    }
  }

  static void create(KubernetesClient client, int i) {
    create(client, i, "istio");
  }

  static void create(KubernetesClient client, int i, String variant) {
    String name = name(i);
    if (variant.equals("hpa")) {
      client.resource(new HorizontalPodAutoscalerBuilder().withNewMetadata().withName(name)
          .withNamespace(NAMESPACE).endMetadata().withNewSpec().withNewScaleTargetRef()
          .withApiVersion("apps/v1").withKind("Deployment").withName(name).endScaleTargetRef()
          .withMinReplicas(2).withMaxReplicas(4).addNewMetric().withType("Resource").withNewResource()
          .withName("cpu").withNewTarget().withType("Utilization").withAverageUtilization(80).endTarget()
          .endResource().endMetric().endSpec().build()).create();
    }
    String autoscaler = variant.equals("hpa") ? """
          autoscalerRef:
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            name: %s
        """.formatted(name) : "";
    client.resource(new ConfigMapBuilder().withNewMetadata().withName(name + "-env")
        .withNamespace(NAMESPACE).endMetadata().withData(Map.of("color", "blue")).build()).create();
    client.resource(new DeploymentBuilder()
        .withNewMetadata().withName(name).withNamespace(NAMESPACE).endMetadata()
        .withNewSpec().withReplicas(2)
        .withNewSelector().withMatchLabels(Map.of("app", name)).endSelector()
        .withNewTemplate().withNewMetadata().withLabels(variant.equals("kubernetes")
            ? Map.of("app", name, KubernetesRouter.TRAFFIC_LABEL, name) : Map.of("app", name)).endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("ghcr.io/stefanprodan/podinfo:6.0.0")
        .addNewPort().withName("http").withContainerPort(9898).endPort()
        .addNewEnv().withName("COLOR").withNewValueFrom().withNewConfigMapKeyRef()
        .withName(name + "-env").withKey("color").endConfigMapKeyRef().endValueFrom().endEnv()
        .endContainer().endSpec().endTemplate().endSpec().build()).create();
    GenericKubernetesResource canary = client.getKubernetesSerialization().unmarshal("""
        apiVersion: flagger.app/v1beta1
        kind: Canary
        metadata:
          name: %s
          namespace: %s
        spec:
          provider: %s
          targetRef:
            apiVersion: apps/v1
            kind: Deployment
            name: %s
        %s  service:
            port: 9898
          analysis:
            interval: 10s
            threshold: 2
            maxWeight: 50
            stepWeight: 10
            metrics:
              - name: request-success-rate
                interval: 1m
                thresholdRange:
                  min: 99
        """.formatted(name, NAMESPACE, variant.equals("kubernetes") ? "kubernetes" : "istio", name, autoscaler),
        GenericKubernetesResource.class);
    client.genericKubernetesResources("flagger.app/v1beta1", "Canary").inNamespace(NAMESPACE)
        .resource(canary).create();
  }

  /** Plays the Deployment controller: every Deployment whose rollout is not reported complete is. */
  static void rolledOut(KubernetesClient client) {
    for (Deployment d : client.apps().deployments().inNamespace(NAMESPACE).list().getItems()) {
      rollOut(client, d);
    }
  }

  /** Marks one Deployment rolled out (all replicas updated and ready) unless it already is. */
  static void rollOut(KubernetesClient client, Deployment d) {
    int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    var status = d.getStatus();
    if (status != null && d.getMetadata().getGeneration().equals(status.getObservedGeneration())
        && Integer.valueOf(replicas).equals(status.getReadyReplicas())) {
      return;
    }
    d.setStatus(new DeploymentStatusBuilder()
        .withObservedGeneration(d.getMetadata().getGeneration())
        .withReplicas(replicas).withUpdatedReplicas(replicas)
        .withAvailableReplicas(replicas).withReadyReplicas(replicas).build());
    try {
      client.resource(d).updateStatus();
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      // changed meanwhile: the informer delivers the newer version and it is rolled out then
    }
  }

  static void newImage(KubernetesClient client, int i) {
    client.apps().deployments().inNamespace(NAMESPACE).withName(name(i)).edit(d -> {
      d.getSpec().getTemplate().getSpec().getContainers().get(0)
          .setImage("ghcr.io/stefanprodan/podinfo:6.0.1");
      return d;
    });
  }

  private static void print(int n, String variant, List<Result> results) {
    System.out.printf("API requests per canary tick, %d canaries, %s, mock API server (CRUD)%n%n", n,
        switch (variant) {
          case "hpa" -> "Istio router, targets with an HPA";
          case "kubernetes" -> "kubernetes (replica-ratio) router";
          default -> "Istio router";
        });
    StringBuilder header = new StringBuilder(String.format("%-16s", "phase (ticks)"));
    for (Result r : results) {
      header.append(String.format(" %12s", r.mode()));
    }
    System.out.println(header);
    for (String bucket : results.get(0).perPhase().keySet()) {
      StringBuilder line = new StringBuilder(String.format("%-16s", bucket + " ("
          + (int) results.get(0).perPhase().get(bucket)[1] + ")"));
      for (Result r : results) {
        double[] v = r.perPhase().get(bucket);
        line.append(String.format(" %12s", v == null ? "-" : String.format("%.2f", v[0])));
      }
      System.out.println(line);
    }
    StringBuilder life = new StringBuilder(String.format("%-16s", "lifecycle"));
    for (Result r : results) {
      life.append(String.format(" %12.2f", r.lifecycle()));
    }
    System.out.println(life);
    StringBuilder start = new StringBuilder(String.format("%-16s", "startup (total)"));
    for (Result r : results) {
      start.append(String.format(" %12d", r.startup()));
    }
    System.out.println(start);
    for (Result r : results) {
      System.out.printf("%n%s: requests per tick by verb and kind%n", r.mode());
      r.byKind().forEach((bucket, kinds) -> {
        StringBuilder line = new StringBuilder("  " + bucket + ":");
        kinds.forEach((k, v) -> line.append(String.format(" [%s %.2f]", k, v)));
        System.out.println(line);
      });
    }
  }
}
