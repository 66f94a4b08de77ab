package io.canaryanalysis.kubernetes;

import static io.canaryanalysis.kubernetes.Fixtures.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.canaryanalysis.api.Readiness;
import io.canaryanalysis.api.Workload;
import io.canaryanalysis.api.WorkloadSnapshot;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.core.AnalysisEngine;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three controller replicas sharing 30 canaries over 12 shard Leases on the mock API server:
 * the shards split 4/4/4, each canary is ticked by its shard's holder only, and when a replica
 * stops without releasing (as if it died) the other two take its shards over after the lease
 * duration and tick its canaries; a replica that closes releases its shards at once.
 */
@EnableKubernetesMockClient(crud = true)
class LeaseShardsTest {
  private static final int CANARIES = 30;
  private static final int SHARDS = 12;

  KubernetesMockServer server;
  KubernetesClient client;

  private final List<CanaryController> controllers = new ArrayList<>();
  /** Canary key to the identities that ticked it. */
  private final Map<String, Set<String>> tickedBy = new ConcurrentHashMap<>();

  @AfterEach
  void closeAll() {
    controllers.forEach(CanaryController::close);
    // Closed before the extension stops the mock server: its shutdown waits at most 10 s for open watches.
    client.close();
  }

  @Test
  void threeReplicasSplitTheShardsAndTakeOverFromOneThatStops() {
    Fixtures.expectCanaryCrd(server);
    for (int i = 0; i < CANARIES; i++) {
      Fixtures.storeCanary(client, Fixtures.CANARY_YAML.replace("name: podinfo\n  namespace",
          "name: app-" + i + "\n  namespace"));
    }
    for (String id : List.of("replica-a", "replica-b", "replica-c")) {
      controllers.add(replica(id));
    }
    controllers.forEach(CanaryController::start);

    await(() -> controllers.stream().allMatch(c -> c.ownedShards().size() == SHARDS / 3)
        && disjointAndComplete(controllers), Duration.ofSeconds(30), "the shards split 4/4/4");
    tickedBy.clear();
    kickAll();
    await(() -> tickedBy.size() == CANARIES, Duration.ofSeconds(20), "every canary ticked");
    assertThat(tickedBy.values()).as("each canary ticked by one replica")
        .allSatisfy(ids -> assertThat(ids).hasSize(1));
    Map<String, Integer> split = new ConcurrentHashMap<>();
    tickedBy.values().forEach(ids -> split.merge(ids.iterator().next(), 1, Integer::sum));
    assertThat(split).containsOnlyKeys("replica-a", "replica-b", "replica-c");

    CanaryController stopped = controllers.remove(0);
    Set<Integer> orphaned = stopped.ownedShards();
    stopped.halt();
    long start = System.nanoTime();
    await(() -> controllers.stream().mapToInt(c -> c.ownedShards().size()).sum() == SHARDS
        && disjointAndComplete(controllers), Duration.ofSeconds(30), "the others took the shards over");
    Duration takeover = Duration.ofNanos(System.nanoTime() - start);
    assertThat(takeover).as("not before the lease expired").isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    assertThat(orphaned).hasSize(4);
    assertThat(controllers).allSatisfy(c -> assertThat(c.ownedShards()).hasSize(SHARDS / 2));

    tickedBy.clear();
    kickAll();
    await(() -> tickedBy.size() == CANARIES, Duration.ofSeconds(20), "every canary ticked again");
    assertThat(tickedBy.values()).allSatisfy(ids -> assertThat(ids).hasSize(1)
        .doesNotContain("replica-a"));

    CanaryController closed = controllers.remove(0);
    closed.close();
    long released = System.nanoTime();
    await(() -> controllers.get(0).ownedShards().size() == SHARDS, Duration.ofSeconds(30),
        "the last replica holds every shard");
    assertThat(Duration.ofNanos(System.nanoTime() - released))
        .as("a closed replica releases its shards; no lease duration to wait")
        .isLessThan(Duration.ofSeconds(3));
    assertThat(client.resources(Lease.class).inNamespace(NAMESPACE).withLabel(LeaseShards.SET_LABEL, "canaries")
        .list().getItems()).hasSize(SHARDS + 3);
  }

  @Test
  void shardsAndLeaderElectionAreAlternatives() {
    assertThatThrownBy(() -> CanaryController.builder(client, engine("x"))
        .leaderElection(NAMESPACE, "lease", "x").shards(NAMESPACE, "canaries", 4, "x").build())
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> CanaryController.builder(client, engine("x")).shards(NAMESPACE, "c", 0, "x"))
        .hasMessageContaining("shards must be between 1 and 1024");
  }

  @Test
  void theShardOfACanaryIsStableAndSpread() {
    LeaseShards shards = new LeaseShards(client, NAMESPACE, "c", 16, "x", Duration.ofSeconds(15),
        Duration.ofSeconds(10));
    int[] counts = new int[16];
    for (int i = 0; i < 1600; i++) {
      int shard = shards.shardOf("prod/app-" + i);
      assertThat(shards.shardOf("prod/app-" + i)).isEqualTo(shard);
      counts[shard]++;
    }
    for (int count : counts) {
      assertThat(count).as("about 100 canaries per shard").isBetween(60, 140);
    }
  }

  private void kickAll() {
    for (CanaryController c : controllers) {
      for (int i = 0; i < CANARIES; i++) {
        c.kick(NAMESPACE, "app-" + i);
      }
    }
  }

  private static boolean disjointAndComplete(List<CanaryController> replicas) {
    Set<Integer> all = new HashSet<>();
    int total = 0;
    for (CanaryController c : replicas) {
      Set<Integer> owned = c.ownedShards();
      total += owned.size();
      all.addAll(owned);
    }
    return all.size() == total && all.size() == SHARDS;
  }

  private CanaryController replica(String identity) {
    return CanaryController.builder(client, engine(identity))
        .shards(NAMESPACE, "canaries", SHARDS, identity)
        .leaderElectionTimings(Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofMillis(300))
        .eventTicksPerSecond(1000)
        .resyncInterval(Duration.ofMinutes(10))
        .workers(2)
        .build();
  }

  /** One clock for all replicas, as in a cluster. */
  private final AtomicLong reads = new AtomicLong();

  private AnalysisEngine engine(String identity) {
    Instant start = Instant.parse("2026-01-01T00:00:00Z");
    Workload recording = new Workload() {
      @Override
      public void initialize(Canary canary) {
        tickedBy.computeIfAbsent(canary.namespace() + "/" + canary.name(),
            k -> ConcurrentHashMap.newKeySet()).add(identity);
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
    };
    return AnalysisEngine.builder()
        .router(new InMemoryRouter())
        .statusStore(CanaryResources.create(client))
        .workload(recording)
        // Every tick is due: each clock read is two minutes later.
        .clock((InstantSource) () -> start.plus(Duration.ofMinutes(2L * reads.incrementAndGet())))
        .build();
  }

  private static void await(BooleanSupplier condition, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
