package io.canaryanalysis.examples.bench;

import io.canaryanalysis.api.Readiness;
import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.Workload;
import io.canaryanalysis.api.WorkloadSnapshot;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.core.AnalysisEngine;
import io.canaryanalysis.kubernetes.CanaryController;
import io.canaryanalysis.kubernetes.CanaryResources;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Three {@link CanaryController} replicas sharing N canaries (default 3,000) over Lease shards
 * on fabric8's mock API server: how the canaries split, and how long after one replica dies
 * (its client closed: no release, renewals fail) until every one of its canaries has been ticked
 * by a survivor. Router and workload are in-memory fakes; Canary reads and status writes are real.
 * Usage: {@code ShardTakeoverBenchmark [canaries] [shards]}.
 */
public final class ShardTakeoverBenchmark {
  /** Held strongly: a java.util.logging level is lost when its logger is collected. */
  static final java.util.logging.Logger QUIET_MOCK_SERVER =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  private ShardTakeoverBenchmark() {}

  public static void main(String[] args) throws Exception {
    QUIET_MOCK_SERVER.setLevel(java.util.logging.Level.WARNING);
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
    int shardCount = args.length > 1 ? Integer.parseInt(args[1]) : 24;
    KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(),
        new HashMap<>(), new KubernetesCrudDispatcher(List.of()), false);
    server.init();
    ControllerRequestBenchmark.expectCrds(server);
    Map<String, String> lastTickedBy = new ConcurrentHashMap<>();
    Map<String, Long> lastTickAt = new ConcurrentHashMap<>();
    try (KubernetesClient harness = server.createClient()) {
      for (int i = 0; i < n; i++) {
        GenericKubernetesResource canary = harness.getKubernetesSerialization().unmarshal("""
            apiVersion: flagger.app/v1beta1
            kind: Canary
            metadata: {name: app-%d, namespace: bench}
            spec:
              targetRef: {apiVersion: apps/v1, kind: Deployment, name: app-%d}
              service: {port: 9898}
              analysis: {interval: 10s, threshold: 2, maxWeight: 50, stepWeight: 10}
            """.formatted(i, i), GenericKubernetesResource.class);
        harness.genericKubernetesResources("flagger.app/v1beta1", "Canary").inNamespace("bench")
            .resource(canary).create();
      }
      List<KubernetesClient> clients = new ArrayList<>();
      List<CanaryController> replicas = new ArrayList<>();
      Duration leaseDuration = Duration.ofSeconds(15);
      for (String id : List.of("replica-a", "replica-b", "replica-c")) {
        KubernetesClient client = server.createClient(b -> b.editOrNewConfig()
            .withRequestRetryBackoffLimit(0).endConfig());
        clients.add(client);
        AnalysisEngine engine = AnalysisEngine.builder()
            .router(new Router())
            .workload(new Recording(id, lastTickedBy, lastTickAt))
            .statusStore(CanaryResources.create(client))
            .build();
        replicas.add(CanaryController.builder(client, engine).namespace("bench")
            .shards("bench", "canaries", shardCount, id)
            .leaderElectionTimings(leaseDuration, Duration.ofSeconds(10), Duration.ofSeconds(2))
            .resyncInterval(Duration.ofSeconds(30)).workers(2).build());
      }
      long t0 = System.nanoTime();
      replicas.forEach(CanaryController::start);
      while (replicas.stream().mapToInt(r -> r.ownedShards().size()).sum() < shardCount
          || replicas.stream().anyMatch(r -> r.ownedShards().size() > (shardCount + 2) / 3)) {
        Thread.sleep(100);
      }
      System.out.printf("%d canaries, %d shards, 3 replicas: shards settled in %.1f s%n", n, shardCount,
          (System.nanoTime() - t0) / 1e9);
      // Ticks from before the shards settled (one replica briefly held them all) are not counted.
      Thread.sleep(12_000);
      lastTickedBy.clear();
      lastTickAt.clear();
      Thread.sleep(15_000);
      Map<String, Integer> split = new HashMap<>();
      lastTickedBy.values().forEach(id -> split.merge(id, 1, Integer::sum));
      System.out.printf("canaries ticked in one 15 s window, by replica: %s (%d of %d)%n",
          new java.util.TreeMap<>(split), lastTickedBy.size(), n);
      for (int i = 0; i < replicas.size(); i++) {
        System.out.printf("  %s holds shards %s%n", List.of("replica-a", "replica-b", "replica-c").get(i),
            new java.util.TreeSet<>(replicas.get(i).ownedShards()));
      }

      List<String> orphans = new ArrayList<>();
      lastTickedBy.forEach((key, id) -> {
        if ("replica-a".equals(id)) {
          orphans.add(key);
        }
      });
      long stop = System.nanoTime();
      clients.get(0).close();
      replicas.get(0).close();
      while (true) {
        boolean all = true;
        for (String key : orphans) {
          Long at = lastTickAt.get(key);
          if (at == null || at < stop || "replica-a".equals(lastTickedBy.get(key))) {
            all = false;
            break;
          }
        }
        if (all) {
          break;
        }
        if (System.nanoTime() - stop > Duration.ofMinutes(3).toNanos()) {
          System.out.println("takeover did not complete within 3 minutes");
          break;
        }
        Thread.sleep(100);
      }
      System.out.printf("replica-a died (client closed, leases not released): its %d canaries were"
          + " all ticked by the others %.1f s later (lease duration %d s)%n", orphans.size(),
          (System.nanoTime() - stop) / 1e9, leaseDuration.toSeconds());
      for (int i = 1; i < replicas.size(); i++) {
        replicas.get(i).close();
        clients.get(i).close();
      }
    } finally {
      server.destroy();
    }
  }

  /** Records which replica ticked a canary, and when; reports a steady, ready workload. */
  private record Recording(String id, Map<String, String> by, Map<String, Long> at) implements Workload {
    @Override
    public void initialize(Canary canary) {
      String key = canary.namespace() + "/" + canary.name();
      by.put(key, id);
      at.put(key, System.nanoTime());
    }

    @Override
    public WorkloadSnapshot observe(Canary canary) {
      return new WorkloadSnapshot("rev-1", Map.of(), Readiness.READY, Readiness.READY, 0, null);
    }

    @Override
    public void scaleUp(Canary canary) {}

    @Override
    public void scaleToZero(Canary canary) {}

    @Override
    public void promote(Canary canary) {}
  }

  private static final class Router implements TrafficRouter {
    private final Map<String, TrafficSplit> splits = new ConcurrentHashMap<>();

    @Override
    public String kind() {
      return "istio";
    }

    @Override
    public RouterCapabilities capabilities() {
      return RouterCapabilities.WEIGHTS_ONLY;
    }

    @Override
    public void reconcile(Canary canary) {
      splits.putIfAbsent(canary.key(), TrafficSplit.ALL_PRIMARY);
    }

    @Override
    public void setRoutes(Canary canary, TrafficSplit split) {
      splits.put(canary.key(), split);
    }

    @Override
    public TrafficSplit getRoutes(Canary canary) {
      return splits.getOrDefault(canary.key(), TrafficSplit.ALL_PRIMARY);
    }

    @Override
    public void finalizeRoutes(Canary canary) {
      splits.put(canary.key(), TrafficSplit.ALL_PRIMARY);
    }
  }
}
