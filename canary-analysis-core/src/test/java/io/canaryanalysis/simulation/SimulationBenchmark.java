package io.canaryanalysis.simulation;

import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.status.CanaryPhase;
import java.time.Duration;

/**
 * A benchmark main (not a test): full 5/50 rollouts per second through the real engine.
 * Run with the test classpath: {@code java -cp ... io.canaryanalysis.simulation.SimulationBenchmark}.
 */
public final class SimulationBenchmark {
  private SimulationBenchmark() {}

  public static void main(String[] args) {
    Canary canary = Podinfo.canary(Podinfo.analysis().build());
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    long promoted = 0;
    long start = System.nanoTime();
    for (int i = 0; i < rounds; i++) {
      double failAbove = 20 + (i % 40);
      SimulationResult r = Simulation.of(canary)
          .metric("request-success-rate", (t, weight) -> weight > failAbove ? 98.0 : 99.9)
          .newRevisionAt(Duration.ZERO)
          .run(Duration.ofHours(1));
      if (r.outcome().phase() == CanaryPhase.SUCCEEDED) {
        promoted++;
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("%d rollouts in %.2fs: %.0f rollouts/s (%d promoted)%n", rounds, seconds,
        rounds / seconds, promoted);
  }
}
