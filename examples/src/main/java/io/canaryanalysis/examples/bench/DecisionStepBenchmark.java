package io.canaryanalysis.examples.bench;

import io.canaryanalysis.api.EventSink;
import io.canaryanalysis.api.MetricBackend;
import io.canaryanalysis.api.MetricProvider;
import io.canaryanalysis.api.MetricQuery;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.Readiness;
import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.WebhookResult;
import io.canaryanalysis.api.Workload;
import io.canaryanalysis.api.WorkloadSnapshot;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.core.AnalysisEngine;
import io.canaryanalysis.core.TickReport;
import io.canaryanalysis.simulation.Simulation;
import io.canaryanalysis.simulation.TickRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One analysed tick of {@link AnalysisEngine#reconcile} for a canary at 20% mid-analysis: read the
 * routes, run the rollout hook, query and judge two metrics (rendering Flagger's Istio PromQL),
 * advance to 25%, emit the event. Every SPI is an in-memory fake, so this measures the engine and
 * the state machine alone. Run with {@code -prof gc} for allocation per tick.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DecisionStepBenchmark {
  private AnalysisEngine engine;
  private Canary canary;
  private CanaryStatus midAnalysis;

  @Setup
  public void setUp() {
    canary = BenchCanaries.podinfo();
    midAnalysis = midAnalysis(canary);
    engine = engine(midAnalysis, AnalysisEngine.DEFAULT_MEMO_SIZE);
    TickReport check = engine.reconcile(canary, midAnalysis);
    if (!check.analysed() || check.status().canaryWeight() != 25
        || check.status().phase() != CanaryPhase.PROGRESSING || check.events().size() != 1) {
      throw new IllegalStateException("the benchmark tick does not advance 20% -> 25%: " + check);
    }
  }

  /** The persisted status of a real run at 20%, taken from a simulation of the same canary. */
  static CanaryStatus midAnalysis(Canary canary) {
    TickRecord atTwenty = Simulation.of(canary)
        .metric(MetricCheck.REQUEST_SUCCESS_RATE, (t, w) -> 99.9)
        .metric(MetricCheck.REQUEST_DURATION, (t, w) -> 120)
        .newRevisionAt(Duration.ZERO)
        .run(Duration.ofMinutes(30))
        .timeline().stream()
        .filter(tick -> tick.canaryWeight() == 20)
        .findFirst().orElseThrow();
    return atTwenty.status();
  }

  /** An engine on in-memory SPIs whose clock stands one interval after {@code midAnalysis}. */
  static AnalysisEngine engine(CanaryStatus midAnalysis, int memoSize) {
    Instant now = midAnalysis.lastAnalysisTime().plus(Duration.ofMinutes(1));
    return AnalysisEngine.builder()
        .router(new FixedRouter(new TrafficSplit(80, 20, false)))
        .workload(new ReadyWorkload(midAnalysis.lastAppliedSpec()))
        .statusStore((c, next) -> Optional.of("2"))
        .webhookCaller((hook, payload) -> WebhookResult.status(200))
        .eventSink(EventSink.discarding())
        .metrics(new MetricBackend(new ConstantMetricProvider(99.9), (name, kind) -> Optional.of(
            MetricCheck.REQUEST_SUCCESS_RATE.equals(name) ? BenchCanaries.ISTIO_SUCCESS_RATE : BenchCanaries.ISTIO_DURATION),
            null))
        .clock(() -> now)
        .memoSize(memoSize)
        .build();
  }

  @Benchmark
  public TickReport reconcile() {
    return engine.reconcile(canary, midAnalysis);
  }

  /** Always reports the same split, so every tick sees the same state. */
  static final class FixedRouter implements TrafficRouter {
    private final TrafficSplit split;

    FixedRouter(TrafficSplit split) {
      this.split = split;
    }

    @Override
    public String kind() {
      return "istio";
    }

    @Override
    public RouterCapabilities capabilities() {
      return new RouterCapabilities(true, true, true, true, true);
    }

    @Override
    public void reconcile(Canary canary) {}

    @Override
    public void setRoutes(Canary canary, TrafficSplit next) {}

    @Override
    public TrafficSplit getRoutes(Canary canary) {
      return split;
    }

    @Override
    public void finalizeRoutes(Canary canary) {}
  }

  /** Target and primary both ready at one revision. */
  static final class ReadyWorkload implements Workload {
    private final WorkloadSnapshot snapshot;

    ReadyWorkload(String revision) {
      this.snapshot = new WorkloadSnapshot(revision, Map.of(), Readiness.READY, Readiness.READY);
    }

    @Override
    public void initialize(Canary canary) {}

    @Override
    public WorkloadSnapshot observe(Canary canary) {
      return snapshot;
    }

    @Override
    public void scaleUp(Canary canary) {}

    @Override
    public void scaleToZero(Canary canary) {}

    @Override
    public void promote(Canary canary) {}
  }

  /** Answers every query with one value (passes both >= 99 and <= 500). */
  static final class ConstantMetricProvider implements MetricProvider {
    private final MetricResult result;

    ConstantMetricProvider(double value) {
      this.result = MetricResult.value(value);
    }

    @Override
    public MetricResult query(MetricQuery query) {
      return result;
    }

    @Override
    public boolean isOnline() {
      return true;
    }
  }
}
