package io.canaryanalysis.examples.bench;

import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.spec.JudgeSpec;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.simulation.ConfidenceInterval;
import io.canaryanalysis.simulation.DurationDistribution;
import io.canaryanalysis.simulation.MonteCarlo;
import io.canaryanalysis.simulation.Simulation;
import io.canaryanalysis.simulation.SimulationResult;
import io.canaryanalysis.simulation.Traffic;
import io.canaryanalysis.simulation.TrafficTrace;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * The evidence for issue 17: Flagger's rule (success rate >= 99, threshold 3) against the
 * canary-vs-primary judge (alpha 0.01) on the same simulated traces: Poisson arrivals at 1, 10, 100
 * and 1,000 requests per second, canary weights 5, 10, 20, 50 (1m interval), the primary failing at
 * a base error rate and the canary at 1x (A/A), 1.5x, 2x, 5x and 20x of it. Every trace is simulated
 * under both rules with the same seed, so both see the same requests in every window they share.
 *
 * <pre>
 * java -cp examples/target/canary-runner.jar io.canaryanalysis.examples.bench.EvidenceBenchmark [traces] [baseErrorRate]
 * </pre>
 *
 * Prints one row per cell: the rollback rate with its 95% Wilson interval and the median and 90th
 * percentile time from the new revision to the rollback, for each rule.
 */
public final class EvidenceBenchmark {
  static final int[] RATES = {1, 10, 100, 1000};
  static final double[] FACTORS = {1, 1.5, 2, 5, 20};
  static final double ALPHA = 0.01;
  private static final Duration LIMIT = Duration.ofHours(4);

  private EvidenceBenchmark() {}

  /** One rule's results in one cell. */
  record Cell(int rollbacks, int promotions, int traces, DurationDistribution timeToRollback) {
    ConfidenceInterval interval() {
      return ConfidenceInterval.wilson95(rollbacks, traces);
    }

    double rate() {
      return (double) rollbacks / traces;
    }
  }

  static Canary canary(MetricCheck check) {
    return Canary.of("podinfo", "test", CanarySpec.builder()
        .deployment("podinfo")
        .service(CanaryService.ofPort(9898))
        .analysis(Analysis.builder()
            .interval(Duration.ofMinutes(1))
            .threshold(3)
            .stepWeights(List.of(5, 10, 20, 50))
            .metrics(List.of(check))
            .build())
        .build());
  }

  static final Canary FLAGGER = canary(MetricCheck.builder(MetricCheck.REQUEST_SUCCESS_RATE)
      .thresholdRange(99.0, null).build());
  static final Canary JUDGE = canary(MetricCheck.builder("errors").judge(JudgeSpec.alpha(ALPHA)).build());

  /** Simulates {@code traces} traces of one cell under one rule; trace i has seed i under both rules. */
  static Cell cell(Canary canary, int rate, double base, double factor, int traces, long seed) {
    return cell(canary, new Traffic(rate, base, Math.min(1, base * factor)), traces, seed);
  }

  /**
   * Simulates {@code traces} traces of {@code traffic} under one rule (trace i has seed i under every
   * rule): rollbacks with their times, promotions, and runs that ended neither way.
   */
  static Cell cell(Canary canary, Traffic traffic, int traces, long seed) {
    List<Optional<Duration>> rollbacks = IntStream.range(0, traces).parallel().mapToObj(i -> {
      long traceSeed = MonteCarlo.random(seed, i).nextLong();
      SimulationResult r = Simulation.of(canary)
          .traffic(TrafficTrace.constant(traffic), traceSeed)
          .newRevisionAt(Duration.ZERO)
          .run(LIMIT);
      if (r.outcome().phase() == CanaryPhase.FAILED) {
        return Optional.of(r.outcome().timeToRollback().orElse(LIMIT));
      }
      return r.outcome().phase() == CanaryPhase.SUCCEEDED ? Optional.<Duration>empty() : null;
    }).toList();
    List<Duration> times = new ArrayList<>();
    int promotions = 0;
    for (Optional<Duration> o : rollbacks) {
      if (o == null) {
        continue;
      }
      if (o.isPresent()) {
        times.add(o.get());
      } else {
        promotions++;
      }
    }
    return new Cell(times.size(), promotions, traces, DurationDistribution.of(times));
  }

  public static void main(String[] args) {
    int traces = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    double base = args.length > 1 ? Double.parseDouble(args[1]) : 0.005;
    long seed = 17;
    System.out.printf(Locale.ROOT, "Evidence: %d traces per cell, primary error rate %.2f%%, weights 5/10/20/50, "
        + "1m interval; (a) Flagger success rate >= 99 threshold 3, (b) judge alpha %.2f%n", traces, base * 100, ALPHA);
    System.out.println("req/s | canary errors | (a) rollback rate [95% Wilson] | (a) time p50/p90 "
        + "| (b) rollback rate [95% Wilson] | (b) time p50/p90");
    System.out.println("---|---|---|---|---|---");
    boolean judgeHolds = true;
    long started = System.nanoTime();
    long flaggerNanos = 0;
    long judgeNanos = 0;
    for (int rate : RATES) {
      for (double factor : FACTORS) {
        long t0 = System.nanoTime();
        Cell a = cell(FLAGGER, rate, base, factor, traces, seed + rate);
        long t1 = System.nanoTime();
        Cell b = cell(JUDGE, rate, base, factor, traces, seed + rate);
        long t2 = System.nanoTime();
        flaggerNanos += t1 - t0;
        judgeNanos += t2 - t1;
        if (factor == 1 && b.rate() > ALPHA) {
          judgeHolds = false;
        }
        System.out.printf(Locale.ROOT, "%d | %s | %s | %s | %s | %s%n", rate,
            factor == 1 ? "1x (A/A)" : format(factor) + "x", rate(a), times(a), rate(b), times(b));
      }
    }
    System.out.printf(Locale.ROOT, "judge false-rollback rate <= %.2f in every A/A cell: %s%n", ALPHA,
        judgeHolds ? "yes" : "NO");
    System.out.printf(Locale.ROOT, "simulated %d rollouts in %.1f s (Flagger rule %.1f s, judge %.1f s)%n",
        traces * RATES.length * FACTORS.length * 2, (System.nanoTime() - started) / 1e9, flaggerNanos / 1e9,
        judgeNanos / 1e9);
  }

  private static String rate(Cell c) {
    ConfidenceInterval ci = c.interval();
    String text = String.format(Locale.ROOT, "%.1f%% [%.1f, %.1f]", 100 * c.rate(), 100 * ci.lower(), 100 * ci.upper());
    int unsettled = c.traces() - c.rollbacks() - c.promotions();
    return unsettled > 0 ? text + " (" + unsettled + " unsettled)" : text;
  }

  private static String times(Cell c) {
    if (c.timeToRollback().isEmpty()) {
      return "-";
    }
    return minutes(c.timeToRollback().percentile(50).orElseThrow()) + " / "
        + minutes(c.timeToRollback().percentile(90).orElseThrow());
  }

  private static String minutes(Duration d) {
    return format(d.toSeconds() / 60.0) + "m";
  }

  private static String format(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
  }
}
