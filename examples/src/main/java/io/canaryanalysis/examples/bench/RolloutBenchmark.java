package io.canaryanalysis.examples.bench;

import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.simulation.Simulation;
import io.canaryanalysis.simulation.SimulationResult;
import java.time.Duration;
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
 * Whole simulated rollouts per second through {@link Simulation#run}: a 5%-to-50% canary that is
 * promoted (15 ticks), and one that rolls back after its success rate drops at minute 4 (7 ticks).
 * This is the rate a Monte Carlo tuning loop gets per core.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RolloutBenchmark {
  private static final Duration LIMIT = Duration.ofMinutes(30);
  private static final Duration DROP_AT = Duration.ofMinutes(4);

  private Simulation promotion;
  private Simulation rollback;

  @Setup
  public void setUp() {
    promotion = Simulation.of(BenchCanaries.podinfo())
        .metric(MetricCheck.REQUEST_SUCCESS_RATE, (t, weight) -> 99.9)
        .metric(MetricCheck.REQUEST_DURATION, (t, weight) -> 120)
        .newRevisionAt(Duration.ZERO);
    rollback = Simulation.of(BenchCanaries.podinfo())
        .metric(MetricCheck.REQUEST_SUCCESS_RATE, (t, weight) -> t.compareTo(DROP_AT) < 0 ? 99.9 : 53.42)
        .metric(MetricCheck.REQUEST_DURATION, (t, weight) -> 120)
        .newRevisionAt(Duration.ZERO);
    expect(promotion.run(LIMIT), CanaryPhase.SUCCEEDED);
    expect(rollback.run(LIMIT), CanaryPhase.FAILED);
  }

  private static void expect(SimulationResult result, CanaryPhase phase) {
    if (result.outcome().phase() != phase || !result.outcome().settled()) {
      throw new IllegalStateException("expected " + phase + " but the simulation ended " + result.outcome());
    }
  }

  @Benchmark
  public SimulationResult promotion() {
    return promotion.run(LIMIT);
  }

  @Benchmark
  public SimulationResult rollback() {
    return rollback.run(LIMIT);
  }
}
