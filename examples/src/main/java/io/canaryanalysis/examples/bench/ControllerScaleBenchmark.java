package io.canaryanalysis.examples.bench;

import io.canaryanalysis.api.MetricBackend;
import io.canaryanalysis.api.AnalysisObserver;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.core.AnalysisEngine;
import io.canaryanalysis.kubernetes.CanaryController;
import io.canaryanalysis.kubernetes.CanaryResources;
import io.canaryanalysis.kubernetes.DeploymentWorkload;
import io.canaryanalysis.kubernetes.KubernetesEventSink;
import io.canaryanalysis.kubernetes.KubernetesInformers;
import io.canaryanalysis.providers.istio.IstioRouter;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * The started {@link CanaryController} in real time on informer caches (real
 * {@link DeploymentWorkload}, {@link IstioRouter}, status store and event sink; a fake metric
 * provider) with N canaries at a 10 s interval against fabric8's mock API server in CRUD mode,
 * which runs in a JVM of its own ({@link ScaleApiServer}), so the controller's heap and CPU are
 * its own. The controller initializes every canary (primary, ConfigMap copy, Services, Istio
 * objects); then two measuring windows: every canary idle, and a share of them analysing a new
 * image (10% steps to 50%, promotion). For each: tick lateness p50 and p99 against schedule (the
 * controller's queue lag), CPU per tick of the controller and of the API server, heap per canary
 * after a full GC, and the API requests per tick by verb and kind.
 * Usage: {@code ControllerScaleBenchmark [canaries] [seconds] [workers] [analysing share]
 * [server heap]}.
 */
public final class ControllerScaleBenchmark {
  private ControllerScaleBenchmark() {}

  /** What one measuring window saw. */
  record Window(String name, long ticks, double wall, long cpuNanos, long workerCpuNanos,
      long serverCpuNanos, Duration p50, Duration p99, Map<String, Long> requests) {

    private double perTick(long nanos) {
      return ticks == 0 ? 0 : nanos / 1e3 / ticks;
    }

    long requestCount() {
      return requests.values().stream().mapToLong(Long::longValue).sum();
    }

    void print(int n) {
      System.out.printf("%s window %.0f s: %d ticks (%.0f/s, schedule %.0f/s)%n", name, wall, ticks,
          ticks / wall, n / 10.0);
      System.out.printf("  tick lateness p50 %d ms, p99 %d ms (worst 1 s sample)%n", p50.toMillis(),
          p99.toMillis());
      System.out.printf("  CPU per tick: the controller's workers %.0f us; the controller JVM %.0f us "
          + "(%.0f%% of one core: workers, informers, event lane, JIT, GC); the API server JVM %.0f us%n",
          perTick(workerCpuNanos), perTick(cpuNanos), 100.0 * cpuNanos / 1e9 / wall, perTick(serverCpuNanos));
      System.out.printf("  API requests per tick: %.3f %s%n",
          ticks == 0 ? 0 : (double) requestCount() / ticks, requests);
    }
  }

  public static void main(String[] args) throws Exception {
    // One line per router write of 10,000 canaries would be the benchmark's own load.
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
    int workers = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    double analysing = args.length > 3 ? Double.parseDouble(args[3]) : 0.1;
    String serverHeap = args.length > 4 ? args[4] : "6g";
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + serverHeap, "-cp", System.getProperty("java.class.path"),
        ScaleApiServer.class.getName(), Integer.toString(n))
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try {
      BufferedReader serverOut = new BufferedReader(
          new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
      String ready = serverOut.readLine();
      if (ready == null || !ready.startsWith("READY ")) {
        throw new IllegalStateException("the API server did not start: " + ready);
      }
      Config config = new ConfigBuilder(Config.empty())
          .withMasterUrl("http://127.0.0.1:" + ready.substring(6).trim())
          .withNamespace(ControllerRequestBenchmark.NAMESPACE).withHttp2Disable(true)
          .withRequestTimeout(60_000).build();
      run(n, seconds, workers, analysing, config, memory, server.toHandle());
    } finally {
      server.getOutputStream().close();
      if (!server.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    }
  }

  private static void run(int n, int seconds, int workers, double analysing, Config config,
      MemoryMXBean memory, ProcessHandle server) throws Exception {
    RequestCounter counter = new RequestCounter();
    try (KubernetesClient harness = new KubernetesClientBuilder().withConfig(config).build();
        KubernetesClient client = new KubernetesClientBuilder().withConfig(config)
            .withHttpClientBuilderConsumer(h -> h.addOrReplaceInterceptor("count", counter)).build()) {
      System.gc();
      long heapBefore = memory.getHeapMemoryUsage().getUsed();
      long start = System.nanoTime();
      KubernetesInformers informers = KubernetesInformers.builder(client)
          .namespace(ControllerRequestBenchmark.NAMESPACE).start();
      IstioRouter router = IstioRouter.builder(client).informers(ControllerRequestBenchmark.NAMESPACE).build();
      LongAdder ticks = new LongAdder();
      KubernetesEventSink events = KubernetesEventSink.builder(client).informers(informers)
          .async(1_000, 100_000).build();
      AnalysisEngine engine = AnalysisEngine.builder()
          .router(router)
          .workload(DeploymentWorkload.builder(client).informers(informers).build())
          .observer(new AnalysisObserver() {
            @Override
            public void ticked(Canary canary, CanaryStatus status, Duration took) {
              ticks.increment();
            }
          })
          .statusStore(CanaryResources.create(client, informers))
          .eventSink(events)
          .metrics(new MetricBackend(BenchCanaries.healthyMetrics(), (name, kind) -> Optional.of(BenchCanaries.ISTIO_SUCCESS_RATE), null))
          .build();
      CanaryController controller = CanaryController.builder(client, engine)
          .namespace(ControllerRequestBenchmark.NAMESPACE).informers(informers).workers(workers)
          .eventTicksPerSecond(500)
          .build();
      controller.start();
      int initialized = 0;
      while (initialized < n) {
        Thread.sleep(5000);
        initialized = (int) harness.genericKubernetesResources("flagger.app/v1beta1", "Canary")
            .inNamespace(ControllerRequestBenchmark.NAMESPACE).list().getItems().stream()
            .filter(canary -> phase(canary).equals("Initialized")).count();
        if (System.nanoTime() - start > Duration.ofMinutes(20).toNanos()) {
          System.out.printf("only %d of %d canaries initialized after 20 minutes%n", initialized, n);
          break;
        }
      }
      double initSeconds = (System.nanoTime() - start) / 1e9;
      Map<String, Long> initRequests = counter.drain();
      System.out.printf("%d canaries initialized in %.0f s (%d workers, informers started included): "
          + "%d requests%n", n, initSeconds, workers,
          initRequests.values().stream().mapToLong(Long::longValue).sum());
      // The queue lag covers the last 4,096 ticks: wait until they are all steady ones.
      ticks.reset();
      Thread.sleep(12_000);
      while (ticks.sum() < 4_096) {
        Thread.sleep(1000);
      }
      counter.drain();
      List<Window> windows = new ArrayList<>();
      windows.add(measure("idle", seconds, controller, ticks, counter, server));
      System.gc();
      long heapAfter = memory.getHeapMemoryUsage().getUsed();
      int changed = (int) Math.round(n * analysing);
      if (changed > 0) {
        for (int i = 0; i < changed; i++) {
          ControllerRequestBenchmark.newImage(harness, i);
        }
        windows.add(measure(String.format("%d analysing (%.0f%%)", changed, 100 * analysing), seconds,
            controller, ticks, counter, server));
      }
      System.out.printf("%n%d canaries, %d workers, the API server in its own JVM%n", n, workers);
      System.out.printf("heap %.1f KB per canary in the controller JVM (informer caches, engine, "
          + "after a full GC; max heap %d MB)%n", (heapAfter - heapBefore) / 1024.0 / n,
          memory.getHeapMemoryUsage().getMax() >> 20);
      for (Window w : windows) {
        w.print(n);
      }
      System.out.printf("events dropped %d%n", events.droppedEvents());
      controller.close();
      events.close();
      router.close();
      informers.close();
    }
  }

  private static Window measure(String name, int seconds, CanaryController controller,
      LongAdder ticks, RequestCounter counter, ProcessHandle server) throws InterruptedException {
    counter.drain();
    ticks.reset();
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpu0 = os.getProcessCpuTime();
    long server0 = serverCpu(server);
    long workers0 = workerCpu();
    long t0 = System.nanoTime();
    long worstP99 = 0;
    List<Long> p50s = new ArrayList<>();
    for (int s = 0; s < seconds; s++) {
      Thread.sleep(1000);
      worstP99 = Math.max(worstP99, controller.queueLag(0.99).toNanos());
      p50s.add(controller.queueLag(0.5).toNanos());
    }
    long cpu = os.getProcessCpuTime() - cpu0;
    long serverCpu = serverCpu(server) - server0;
    long workerCpu = workerCpu() - workers0;
    double wall = (System.nanoTime() - t0) / 1e9;
    p50s.sort(null);
    return new Window(name, ticks.sum(), wall, cpu, workerCpu, serverCpu,
        Duration.ofNanos(p50s.get(p50s.size() / 2)), Duration.ofNanos(worstP99), counter.drain());
  }

  /** CPU time of the controller's tick workers ({@code canary-analysis-N} threads) so far. */
  private static long workerCpu() {
    java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null && info.getThreadName().matches("canary-analysis-\\d+")) {
        sum += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
      }
    }
    return sum;
  }

  private static long serverCpu(ProcessHandle server) {
    return server.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
  }

  @SuppressWarnings("unchecked")
  private static String phase(GenericKubernetesResource canary) {
    Object status = canary == null ? null : canary.getAdditionalProperties().get("status");
    Object phase = status instanceof Map<?, ?> map ? ((Map<String, Object>) map).get("phase") : null;
    return phase == null ? "" : phase.toString();
  }
}
