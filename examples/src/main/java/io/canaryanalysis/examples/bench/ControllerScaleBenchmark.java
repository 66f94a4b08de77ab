package io.canaryanalysis.examples.bench;

import io.canaryanalysis.api.MetricBackend;
import io.canaryanalysis.api.MetricProvider;
import io.canaryanalysis.api.MetricQuery;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.Workload;
import io.canaryanalysis.api.WorkloadSnapshot;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.core.AnalysisEngine;
import io.canaryanalysis.kubernetes.CanaryController;
import io.canaryanalysis.kubernetes.CanaryResources;
import io.canaryanalysis.kubernetes.DeploymentWorkload;
import io.canaryanalysis.kubernetes.KubernetesEventSink;
import io.canaryanalysis.kubernetes.KubernetesInformers;
import io.canaryanalysis.providers.istio.IstioRouter;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * The started {@link CanaryController} in real time on informer caches (real
 * {@link DeploymentWorkload}, {@link IstioRouter}, status store and event sink; a fake metric
 * provider) with N canaries at a 10 s interval against fabric8's mock API server in CRUD mode in
 * the same JVM: once every canary is initialized, for a measuring window, the tick lateness p50 and
 * p99 against schedule (the controller's queue lag), CPU per tick (the whole process, mock server
 * included), heap per canary after a full GC, and the API requests per tick by verb and kind.
 * Usage: {@code ControllerScaleBenchmark [canaries] [seconds] [workers]}.
 */
public final class ControllerScaleBenchmark {
  /** Held strongly: a java.util.logging level is lost when its logger is collected. */
  static final java.util.logging.Logger QUIET_MOCK_SERVER =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  private ControllerScaleBenchmark() {}

  public static void main(String[] args) throws Exception {
    QUIET_MOCK_SERVER.setLevel(java.util.logging.Level.WARNING);
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
    int workers = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(),
        new HashMap<>(), new KubernetesCrudDispatcher(List.of()), false);
    server.init();
    RequestCounter counter = new RequestCounter();
    try (KubernetesClient harness = server.createClient();
        KubernetesClient client = server.createClient(b -> b.withHttpClientBuilderConsumer(
            h -> h.addOrReplaceInterceptor("count", counter)))) {
      ControllerRequestBenchmark.expectCrds(server);
      System.gc();
      long heapBefore = memory.getHeapMemoryUsage().getUsed();
      for (int i = 0; i < n; i++) {
        ControllerRequestBenchmark.create(harness, i);
      }
      KubernetesInformers informers = KubernetesInformers.builder(client)
          .namespace(ControllerRequestBenchmark.NAMESPACE).start();
      IstioRouter router = IstioRouter.builder(client).informers(ControllerRequestBenchmark.NAMESPACE).build();
      LongAdder ticks = new LongAdder();
      DeploymentWorkload deployments = DeploymentWorkload.builder(client).informers(informers).build();
      Workload counting = new Workload() {
        @Override
        public void initialize(Canary canary) {
          ticks.increment();
          deployments.initialize(canary);
        }

        @Override
        public WorkloadSnapshot observe(Canary canary) {
          return deployments.observe(canary);
        }

        @Override
        public void scaleUp(Canary canary) {
          deployments.scaleUp(canary);
        }

        @Override
        public void scaleToZero(Canary canary) {
          deployments.scaleToZero(canary);
        }

        @Override
        public void promote(Canary canary) {
          deployments.promote(canary);
        }

        @Override
        public void revert(Canary canary) {
          deployments.revert(canary);
        }
      };
      MetricProvider fake = new MetricProvider() {
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
          .workload(counting)
          .statusStore(CanaryResources.create(client, informers))
          .eventSink(KubernetesEventSink.builder(client).informers(informers).build())
          .metrics(new MetricBackend(fake, (name, kind) -> Optional.of(BenchCanaries.ISTIO_SUCCESS_RATE), null))
          .build();
      CanaryController controller = CanaryController.builder(client, engine)
          .namespace(ControllerRequestBenchmark.NAMESPACE).informers(informers).workers(workers)
          .build();
      long start = System.nanoTime();
      controller.start();
      // Play the Deployment controller until every canary is initialized.
      while (true) {
        ControllerRequestBenchmark.rolledOut(harness);
        long initialized = client.genericKubernetesResources("flagger.app/v1beta1", "Canary")
            .inNamespace(ControllerRequestBenchmark.NAMESPACE).list().getItems().stream()
            .filter(ControllerScaleBenchmark::initialized).count();
        if (initialized == n) {
          break;
        }
        if (System.nanoTime() - start > Duration.ofMinutes(10).toNanos()) {
          System.out.printf("only %d of %d canaries initialized after 10 minutes%n", initialized, n);
          break;
        }
        Thread.sleep(2000);
      }
      System.out.printf("%d canaries initialized in %.0f s (%d workers)%n", n,
          (System.nanoTime() - start) / 1e9, workers);
      Thread.sleep(12_000);
      counter.drain();
      ticks.reset();
      var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      long cpu0 = os.getProcessCpuTime();
      long t0 = System.nanoTime();
      Thread.sleep(seconds * 1000L);
      long cpu = os.getProcessCpuTime() - cpu0;
      double wall = (System.nanoTime() - t0) / 1e9;
      long done = ticks.sum();
      Map<String, Long> requests = counter.drain();
      Duration p50 = controller.queueLag(0.5);
      Duration p99 = controller.queueLag(0.99);
      System.gc();
      long heapAfter = memory.getHeapMemoryUsage().getUsed();
      long total = requests.values().stream().mapToLong(Long::longValue).sum();
      System.out.printf("window %.0f s: %d ticks (%.0f/s, schedule %.0f/s)%n", wall, done, done / wall, n / 10.0);
      System.out.printf("tick lateness p50 %d ms, p99 %d ms%n", p50.toMillis(), p99.toMillis());
      System.out.printf("CPU per tick %.0f us (whole process incl. mock server), %.0f%% of one core%n",
          done == 0 ? 0 : cpu / 1e3 / done, 100.0 * cpu / 1e9 / wall);
      System.out.printf("heap %.1f KB per canary (mock server's copies of the objects included)%n",
          (heapAfter - heapBefore) / 1024.0 / n);
      System.out.printf("API requests per tick: %.3f %s%n", done == 0 ? 0 : (double) total / done, requests);
      controller.close();
      router.close();
      informers.close();
    } finally {
      server.destroy();
    }
  }

  @SuppressWarnings("unchecked")
  private static boolean initialized(GenericKubernetesResource canary) {
    Object status = canary.getAdditionalProperties().get("status");
    return status instanceof Map<?, ?> map && "Initialized".equals(((Map<String, Object>) map).get("phase"));
  }
}
