package io.canaryanalysis.metrics.prometheus;

import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.MetricBackend;
import io.canaryanalysis.api.Readiness;
import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.Workload;
import io.canaryanalysis.api.WorkloadSnapshot;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.core.AnalysisEngine;
import io.canaryanalysis.core.TickReport;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code spec.metricsServer} with the real engine and two real Prometheus servers on loopback: the
 * engine's default server says the canary is bad, the canary's own server says it is good, and
 * each canary is judged by the server it names, as Flagger does.
 */
class PerCanaryMetricsServerTest {
  private static final Instant T0 = Instant.ofEpochSecond(1_700_000_000L);

  @RegisterExtension
  static final PrometheusServerExtension ENGINE_DEFAULT = new PrometheusServerExtension(() -> score(12.5));
  @RegisterExtension
  static final PrometheusServerExtension CANARY_OWN = new PrometheusServerExtension(() -> score(99.25));

  /** {@code canary_score{namespace="test"}} at {@code value}, every 15 s for an hour from T0. */
  private static String score(double value) {
    StringBuilder out = new StringBuilder("# TYPE canary_score gauge\n");
    for (int i = 0; i <= 240; i++) {
      out.append("canary_score{namespace=\"test\"} ").append(value).append(' ')
          .append(T0.getEpochSecond() + 15L * i).append('\n');
    }
    return out.append("# EOF\n").toString();
  }

  private static Canary canary(String metricsServer) {
    MetricCheck score = MetricCheck.builder("score")
        .query("max(canary_score{namespace=\"{{ namespace }}\"})")
        .thresholdRange(50.0, null)
        .build();
    CanarySpec spec = CanarySpec.builder()
        .deployment("podinfo")
        .service(CanaryService.ofPort(9898))
        .metricsServer(metricsServer)
        .analysis(Analysis.builder().interval(Duration.ofMinutes(1)).threshold(2).stepWeight(10)
            .maxWeight(20).metrics(List.of(score)).build())
        .build();
    return new Canary("podinfo", "test", null, Map.of(), Map.of(), spec);
  }

  /** Runs ticks a minute apart until the run settles and returns every event message. */
  private static List<String> run(Canary canary) {
    AtomicReference<Instant> now = new AtomicReference<>(T0.plus(Duration.ofMinutes(5)));
    AtomicReference<String> revision = new AtomicReference<>("r1");
    AtomicReference<TrafficSplit> routes = new AtomicReference<>(TrafficSplit.ALL_PRIMARY);
    AnalysisEngine engine = AnalysisEngine.builder()
        .router(new MemoryRouter(routes))
        .workload(new ReadyWorkload(revision))
        .statusStore((c, next) -> Optional.of("1"))
        .metrics(PrometheusMetrics.backend(ENGINE_DEFAULT.baseUrl(), (namespace, name) -> Optional.empty()))
        .clock((InstantSource) now::get)
        .build();
    List<String> events = new ArrayList<>();
    CanaryStatus status = CanaryStatus.initial();
    for (int i = 0; i < 12; i++) {
      if (status.phase() == CanaryPhase.INITIALIZED) {
        revision.set("r2");
      }
      TickReport report = engine.reconcile(canary, status);
      status = report.status();
      report.events().stream().map(CanaryEvent::message).forEach(events::add);
      now.set(now.get().plus(Duration.ofMinutes(1)));
      if (status.phase() == CanaryPhase.SUCCEEDED || status.phase() == CanaryPhase.FAILED) {
        break;
      }
    }
    return events;
  }

  @Test
  void aCanaryWithItsOwnMetricsServerIsJudgedByIt() {
    List<String> events = run(canary(CANARY_OWN.baseUrl()));

    assertThat(events).contains("Advance podinfo.test canary weight 10",
        "Advance podinfo.test canary weight 20");
    assertThat(events).noneMatch(e -> e.startsWith("Halt"));
    assertThat(events).anyMatch(e -> e.startsWith("Promotion completed!"));
  }

  @Test
  void aCanaryWithoutOneIsJudgedByTheEnginesServer() {
    List<String> events = run(canary(null));

    assertThat(events).contains("Halt podinfo.test advancement score 12.50 < 50");
    assertThat(events).anyMatch(e -> e.startsWith("Rolling back podinfo.test failed checks threshold reached"));
  }

  @Test
  void anUnreachableMetricsServerNeverPromotes() {
    List<String> events = run(canary("http://127.0.0.1:1"));

    assertThat(events).contains("Error checking metric providers: the metrics server for score is not answering");
    assertThat(events).anyMatch(e -> e.startsWith("Prometheus query failed for score: Prometheus at http://127.0.0.1:1:"));
    assertThat(events).as("the engine's healthy default server is not used instead")
        .noneMatch(e -> e.startsWith("Advance podinfo.test canary weight 20"));
    assertThat(events).noneMatch(e -> e.startsWith("Promotion completed!"));
    assertThat(events).contains("Rolling back podinfo.test failed checks threshold reached 2");
  }

  /** Keeps the split it was given. */
  private record MemoryRouter(AtomicReference<TrafficSplit> routes) implements TrafficRouter {
    @Override
    public String kind() {
      return "istio";
    }

    @Override
    public RouterCapabilities capabilities() {
      return RouterCapabilities.WEIGHTS_ONLY;
    }

    @Override
    public void reconcile(Canary canary) {}

    @Override
    public void setRoutes(Canary canary, TrafficSplit split) {
      routes.set(split);
    }

    @Override
    public TrafficSplit getRoutes(Canary canary) {
      return routes.get();
    }

    @Override
    public void finalizeRoutes(Canary canary) {
      routes.set(TrafficSplit.ALL_PRIMARY);
    }
  }

  /** Both workloads always ready; the revision is the test's. */
  private record ReadyWorkload(AtomicReference<String> revision) implements Workload {
    @Override
    public void initialize(Canary canary) {}

    @Override
    public WorkloadSnapshot observe(Canary canary) {
      return new WorkloadSnapshot(revision.get(), Map.of(), Readiness.READY, Readiness.READY);
    }

    @Override
    public void scaleUp(Canary canary) {}

    @Override
    public void scaleToZero(Canary canary) {}

    @Override
    public void promote(Canary canary) {}
  }
}
