package io.canaryanalysis.kubernetes;

import static io.canaryanalysis.kubernetes.Fixtures.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.MetricBackend;
import io.canaryanalysis.api.MetricProvider;
import io.canaryanalysis.api.MetricQuery;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.Workload;
import io.canaryanalysis.api.WorkloadSnapshot;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.core.AnalysisEngine;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The controller, workload, event sink and status store on informer caches, on the mock API
 * server: the lifecycle ends as with GETs but a steady tick sends nothing and no tick sends a
 * GET; a new revision, a tracked ConfigMap change and a deletion act at once instead of at the
 * next interval; a canary is never ticked twice at once however often it is kicked.
 */
@EnableKubernetesMockClient(crud = true)
class InformerCachesTest {
  private static final String NEW_IMAGE = "ghcr.io/stefanprodan/podinfo:6.0.1";

  KubernetesMockServer server;
  KubernetesClient client;

  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T10:00:00Z"));
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private KubernetesClient counted;
  private KubernetesInformers informers;
  private CanaryController controller;
  private InMemoryRouter router;

  @BeforeEach
  void setUp() {
    Fixtures.expectCanaryCrd(server);
    Fixtures.createAll(client);
    Fixtures.rolledOut(client, "podinfo");
    Fixtures.storeCanary(client, Fixtures.CANARY_YAML);
    counted = server.createClient(b -> b.withHttpClientBuilderConsumer(h -> h.addOrReplaceInterceptor(
        "count", new Interceptor() {
          @Override
          public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
            String query = request.uri().getQuery();
            requests.add(request.method() + (query != null && query.contains("watch=true") ? " watch " : " ")
                + request.uri().getPath());
          }
        })));
    informers = KubernetesInformers.builder(counted).namespace(NAMESPACE).start();
  }

  @AfterEach
  void tearDown() {
    if (controller != null) {
      controller.close();
    }
    informers.close();
    counted.close();
  }

  private CanaryController controller(Workload workload, int workers) {
    router = new InMemoryRouter();
    MetricProvider provider = new MetricProvider() {
      @Override
      public MetricResult query(MetricQuery query) {
        return MetricResult.value(99.9);
      }

      @Override
      public boolean isOnline() {
        return true;
      }
    };
    AnalysisEngine engine = AnalysisEngine.builder()
        .router(router)
        .statusStore(CanaryResources.create(counted, informers))
        .workload(workload)
        .eventSink(KubernetesEventSink.builder(counted).informers(informers).build())
        .metrics(new MetricBackend(provider, (name, kind) -> Optional.of("sum(up)"), null))
        .clock((InstantSource) now::get)
        .build();
    controller = CanaryController.builder(counted, engine).namespace(NAMESPACE).informers(informers)
        .workers(workers).resyncInterval(Duration.ofMinutes(10)).build();
    return controller;
  }

  private DeploymentWorkload workload() {
    return DeploymentWorkload.builder(counted).informers(informers).build();
  }

  @Test
  void aWholeLifecycleSendsNoGetAndASteadyTickSendsNothing() {
    controller(workload(), 1);
    assertThat(tick().phase()).isEqualTo(CanaryPhase.INITIALIZING);
    Fixtures.rolledOut(client, "podinfo-primary");
    awaitCached("podinfo-primary");
    assertThat(tick().phase()).isEqualTo(CanaryPhase.INITIALIZED);
    awaitCached("podinfo");

    requests.clear();
    for (int i = 0; i < 3; i++) {
      assertThat(tick().phase()).isEqualTo(CanaryPhase.INITIALIZED);
    }
    assertThat(requests).as("steady ticks read everything from the caches").isEmpty();

    Fixtures.edit(client, "podinfo", d -> d.getSpec().getTemplate().getSpec().getContainers().get(0)
        .setImage(NEW_IMAGE));
    CanaryStatus status = null;
    for (int i = 0; i < 15 && (status == null || status.phase() != CanaryPhase.SUCCEEDED); i++) {
      Fixtures.rolledOut(client, "podinfo");
      Fixtures.rolledOut(client, "podinfo-primary");
      awaitCached("podinfo");
      awaitCached("podinfo-primary");
      status = tick();
    }

    assertThat(status.phase()).isEqualTo(CanaryPhase.SUCCEEDED);
    assertThat(Fixtures.get(client, "podinfo-primary").getSpec().getTemplate().getSpec()
        .getContainers().get(0).getImage()).isEqualTo(NEW_IMAGE);
    assertThat(router.history).contains(io.canaryanalysis.api.TrafficSplit.canary(10));
    assertThat(requests).as("no tick of the lifecycle sent a GET")
        .noneMatch(r -> r.startsWith("GET "));
    assertThat(requests).as("the status was written").anyMatch(r -> r.startsWith("PUT ") && r.endsWith("/status"));
  }

  @Test
  void aNewRevisionIsAnalysedAtOnceNotAtTheNextInterval() {
    CanaryController c = initializedAndStarted();

    Fixtures.edit(client, "podinfo", d -> d.getSpec().getTemplate().getSpec().getContainers().get(0)
        .setImage(NEW_IMAGE));

    await(() -> storedPhase() == CanaryPhase.PROGRESSING, "the new revision started a run");
    assertThat(c.queueLag(0.99)).isLessThan(Duration.ofSeconds(30));
  }

  @Test
  void aTrackedConfigMapChangeIsAnalysedAtOnce() {
    initializedAndStarted();

    ConfigMap env = client.configMaps().inNamespace(NAMESPACE).withName("podinfo-env").get();
    env.setData(Map.of("color", "green"));
    client.resource(env).update();

    await(() -> storedPhase() == CanaryPhase.PROGRESSING, "the config change started a run");
  }

  @Test
  void aDeletedCanaryIsForgottenAtOnce() {
    CanaryController c = initializedAndStarted();
    assertThat(c.scheduledCount()).isEqualTo(1);

    client.genericKubernetesResources(FlaggerKinds.CANARY).inNamespace(NAMESPACE).withName("podinfo").delete();

    await(() -> c.scheduledCount() == 0, "the deleted canary left the schedule");
  }

  @Test
  void aCanaryKickedOverAndOverNeverTicksTwiceAtOnce() throws Exception {
    DeploymentWorkload real = workload();
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    AtomicInteger observed = new AtomicInteger();
    Workload slow = new Workload() {
      @Override
      public void initialize(Canary canary) {
        real.initialize(canary);
      }

      @Override
      public WorkloadSnapshot observe(Canary canary) {
        int n = inside.incrementAndGet();
        most.accumulateAndGet(n, Math::max);
        try {
          Thread.sleep(30);
          // Every tick is due: the clock jumps an interval per observation.
          now.set(now.get().plus(Duration.ofMinutes(2)));
          observed.incrementAndGet();
          return real.observe(canary);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        } finally {
          inside.decrementAndGet();
        }
      }

      @Override
      public void scaleUp(Canary canary) {
        real.scaleUp(canary);
      }

      @Override
      public void scaleToZero(Canary canary) {
        real.scaleToZero(canary);
      }

      @Override
      public void promote(Canary canary) {
        real.promote(canary);
      }
    };
    CanaryController c = controller(slow, 4);
    c.start();
    Thread[] kickers = new Thread[4];
    for (int t = 0; t < kickers.length; t++) {
      kickers[t] = new Thread(() -> {
        for (int i = 0; i < 100; i++) {
          c.kick(NAMESPACE, "podinfo");
          try {
            Thread.sleep(5);
          } catch (InterruptedException e) {
            return;
          }
        }
      });
      kickers[t].start();
    }
    for (Thread kicker : kickers) {
      kicker.join();
    }
    await(() -> observed.get() >= 3, "kicked ticks ran");

    assertThat(most.get()).as("ticks of one canary at once").isEqualTo(1);
    assertThat(observed.get()).as("400 kicks collapse into far fewer ticks").isLessThan(100);
  }

  private CanaryController initializedAndStarted() {
    CanaryController c = controller(workload(), 2);
    tick();
    Fixtures.rolledOut(client, "podinfo-primary");
    awaitCached("podinfo-primary");
    assertThat(tick().phase()).isEqualTo(CanaryPhase.INITIALIZED);
    awaitCached("podinfo");
    c.start();
    // The resync's first tick finds nothing due and schedules the next a whole interval (1m) away.
    await(() -> c.queueLag(0.5).compareTo(Duration.ZERO) > 0 || c.scheduledCount() == 1, "resync ran");
    sleep(500);
    now.set(now.get().plus(Duration.ofMinutes(5)));
    return c;
  }

  private CanaryStatus tick() {
    CanaryStatus status = controller.reconcile(NAMESPACE, "podinfo").orElseThrow().status();
    now.set(now.get().plus(Duration.ofMinutes(1)));
    awaitCanaryCached();
    return status;
  }

  private CanaryPhase storedPhase() {
    return CanaryResources.create(client).read(NAMESPACE, "podinfo").orElseThrow().status().phase();
  }

  @Test
  void alertProvidersAreServedFromTheCache() {
    String provider = "apiVersion: flagger.app/v1beta1\nkind: AlertProvider\nmetadata:\n  name: on-call\n"
        + "  namespace: " + NAMESPACE + "\nspec:\n  type: slack\n  channel: general\n";
    client.genericKubernetesResources(FlaggerKinds.ALERT_PROVIDER).inNamespace(NAMESPACE).resource(
        client.getKubernetesSerialization().unmarshal(provider,
            io.fabric8.kubernetes.api.model.GenericKubernetesResource.class)).create();
    await(() -> informers.alertProviderSpec(NAMESPACE, "on-call").isPresent(), "the cache has the AlertProvider");
    requests.clear();

    assertThat(informers.alertProviderSpec(NAMESPACE, "on-call").orElseThrow())
        .containsEntry("type", "slack").containsEntry("channel", "general");
    assertThat(informers.alertProviderSpec(NAMESPACE, "absent")).isEmpty();
    assertThat(requests).isEmpty();
    assertThat(informers.cachesAlertProviders("elsewhere")).isFalse();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> informers.alertProviderSpec("elsewhere", "on-call"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("elsewhere");
  }

  private void awaitCached(String deployment) {
    await(() -> {
      Deployment stored = Fixtures.get(client, deployment);
      Deployment cached = informers.get(Deployment.class, NAMESPACE, deployment);
      return cached != null && stored.getMetadata().getResourceVersion()
          .equals(cached.getMetadata().getResourceVersion());
    }, "the cache has deployment " + deployment);
  }

  private void awaitCanaryCached() {
    await(() -> {
      var stored = client.genericKubernetesResources(FlaggerKinds.CANARY).inNamespace(NAMESPACE)
          .withName("podinfo").get();
      var cached = informers.canary(NAMESPACE, "podinfo");
      return cached != null && stored.getMetadata().getResourceVersion()
          .equals(cached.getMetadata().getResourceVersion());
    }, "the cache has the canary");
  }

  private static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      sleep(20);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
