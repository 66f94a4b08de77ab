package io.canaryanalysis.kubernetes;

import static io.canaryanalysis.kubernetes.Fixtures.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.TrafficSplit;
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
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link CanaryController.Builder#leaderElection}: fabric8's LeaderElector with a LeaseLock on the
 * mock API server. Each controller's passes are counted by the router its engine calls.
 */
@EnableKubernetesMockClient(crud = true)
class CanaryControllerLeaderElectionTest {
  private static final String LEASE = "canary-analysis";
  private static final long WAIT_SECONDS = 30;

  KubernetesMockServer server;
  KubernetesClient client;

  private static final Instant START = Instant.parse("2024-05-01T10:00:00Z");
  private final AtomicLong clockReads = new AtomicLong();
  private final List<CanaryController> controllers = new ArrayList<>();

  @BeforeEach
  void setUp() {
    Fixtures.expectCanaryCrd(server);
    Fixtures.createAll(client);
    Fixtures.rolledOut(client, "podinfo");
    Fixtures.storeCanary(client, Fixtures.CANARY_YAML);
  }

  @AfterEach
  void tearDown() {
    controllers.forEach(CanaryController::close);
    // Closed before the extension stops the mock server: its shutdown waits at most 10 s for open watches.
    client.close();
  }

  @Test
  void onlyTheLeaseHolderTicksAndTheOtherTakesOverWhenItIsReleased() throws Exception {
    CountingRouter routerA = new CountingRouter();
    CountingRouter routerB = new CountingRouter();
    CanaryController a = controller(routerA, "replica-a");
    CanaryController b = controller(routerB, "replica-b");
    CountDownLatch bSawA = new CountDownLatch(1);
    b.leadershipListener = change -> {
      if (change.equals("leader=replica-a")) {
        bSawA.countDown();
      }
    };

    a.start();
    assertThat(routerA.ticks.tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS)).as("the leader ticks").isTrue();
    b.start();
    assertThat(bSawA.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("b observed a's lease").isTrue();

    assertThat(holder()).isEqualTo("replica-a");
    assertThat(a.isLeading()).isTrue();
    assertThat(b.isLeading()).isFalse();
    assertThat(b.scheduledCount()).isZero();
    assertThat(routerB.reconciles).as("the follower never ticked").hasValue(0);

    a.close();
    assertThat(routerB.ticks.tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS))
        .as("the released lease is taken over and the new leader ticks").isTrue();
    assertThat(holder()).isEqualTo("replica-b");
    assertThat(a.isLeading()).isFalse();
    assertThat(a.scheduledCount()).isZero();
  }

  @Test
  void losingTheLeaseStopsSchedulingAndTheReplicaStandsAgain() throws Exception {
    CountingRouter router = new CountingRouter();
    CanaryController a = controller(router, "replica-a");
    Semaphore leading = new Semaphore(0);
    CountDownLatch stopped = new CountDownLatch(1);
    a.leadershipListener = change -> {
      if (change.equals("leading")) {
        leading.release();
      } else if (change.equals("stopped")) {
        stopped.countDown();
      }
    };
    a.start();
    assertThat(leading.tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    assertThat(router.ticks.tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    assertThat(a.scheduledCount()).as("the canary waits for its next tick").isEqualTo(1);

    takeLease("intruder", 3600);
    assertThat(stopped.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("leadership lost").isTrue();

    assertThat(a.isLeading()).isFalse();
    assertThat(a.scheduledCount()).as("no tick is pending").isZero();

    takeLease("", 1);
    assertThat(leading.tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS)).as("stood again and won").isTrue();
    assertThat(router.ticks.tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS)).as("ticks again").isTrue();
    assertThat(holder()).isEqualTo("replica-a");
  }

  @Test
  void withoutLeaderElectionTheControllerLeadsOnceStarted() {
    CanaryController controller = CanaryController.builder(client, engine(new CountingRouter()))
        .namespace(NAMESPACE).build();
    controllers.add(controller);
    assertThat(controller.isLeading()).isFalse();

    controller.start();

    assertThat(controller.isLeading()).isTrue();
    assertThat(client.resources(Lease.class).inNamespace(NAMESPACE).list().getItems()).isEmpty();
  }

  @Test
  void electionSettingsAreChecked() {
    CanaryController.Builder builder = CanaryController.builder(client, engine(new CountingRouter()));
    assertThatThrownBy(() -> builder.leaderElection(NAMESPACE, " ", "a"))
        .hasMessage("leaseName must not be empty");
    assertThatThrownBy(() -> builder.leaderElectionTimings(Duration.ofSeconds(5),
        Duration.ofSeconds(5), Duration.ofSeconds(1)))
        .hasMessage("leaseDuration (PT5S) must be longer than renewDeadline (PT5S)");
    assertThatThrownBy(() -> builder.leaderElectionTimings(Duration.ofSeconds(15),
        Duration.ofSeconds(2), Duration.ofSeconds(2)))
        .hasMessage("renewDeadline (PT2S) must be longer than 1.2 x retryPeriod (PT2S)");
    assertThatThrownBy(() -> builder.leaderElectionTimings(Duration.ZERO,
        Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessage("leaseDuration must be positive, got PT0S");
  }

  private CanaryController controller(CountingRouter router, String identity) {
    CanaryController controller = CanaryController.builder(client, engine(router))
        .namespace(NAMESPACE)
        .workers(1)
        .leaderElection(NAMESPACE, LEASE, identity)
        .leaderElectionTimings(Duration.ofSeconds(10), Duration.ofSeconds(8), Duration.ofMillis(250))
        .build();
    controllers.add(controller);
    return controller;
  }

  /**
   * Both replicas' engines read one clock that moves two minutes per read, so every pass is past
   * the analysis interval and reaches the router: a pass of a controller is a call of its router.
   */
  private AnalysisEngine engine(TrafficRouter router) {
    return AnalysisEngine.builder()
        .router(router)
        .statusStore(CanaryResources.create(client))
        .workload(DeploymentWorkload.create(client))
        .clock((InstantSource) () -> START.plus(Duration.ofMinutes(2L * clockReads.incrementAndGet())))
        .build();
  }

  private String holder() {
    return client.resources(Lease.class).inNamespace(NAMESPACE).withName(LEASE).get().getSpec()
        .getHolderIdentity();
  }

  /** Plays another replica: writes itself into the Lease, renewed now, for {@code seconds}. */
  /** Rewrites the Lease as another holder would; retried when it races the controller's renewal (409). */
  private void takeLease(String identity, int seconds) {
    for (int attempt = 1; ; attempt++) {
      try {
        client.resources(Lease.class).inNamespace(NAMESPACE).withName(LEASE).edit(lease -> {
          lease.getSpec().setHolderIdentity(identity);
          lease.getSpec().setLeaseDurationSeconds(seconds);
          return lease;
        });
        return;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 20) {
          throw e;
        }
      }
    }
  }

  /** Counts the ticks of one controller: the engine reconciles the router on every tick. */
  private static final class CountingRouter implements TrafficRouter {
    private final InMemoryRouter routes = new InMemoryRouter();
    final AtomicInteger reconciles = new AtomicInteger();
    final Semaphore ticks = new Semaphore(0);

    @Override
    public String kind() {
      return "traefik";
    }

    @Override
    public RouterCapabilities capabilities() {
      return routes.capabilities();
    }

    @Override
    public void reconcile(Canary canary) {
      routes.reconcile(canary);
      reconciles.incrementAndGet();
      ticks.release();
    }

    @Override
    public void setRoutes(Canary canary, TrafficSplit split) {
      routes.setRoutes(canary, split);
    }

    @Override
    public TrafficSplit getRoutes(Canary canary) {
      return routes.getRoutes(canary);
    }

    @Override
    public void finalizeRoutes(Canary canary) {
      routes.finalizeRoutes(canary);
    }
  }
}
