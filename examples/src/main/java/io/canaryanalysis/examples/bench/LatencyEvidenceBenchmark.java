package io.canaryanalysis.examples.bench;

import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.spec.JudgeSpec;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.simulation.ConfidenceInterval;
import io.canaryanalysis.simulation.LatencyDistribution;
import io.canaryanalysis.simulation.Traffic;
import java.time.Duration;
import java.util.Locale;

/**
 * The latency evidence for issue 17: Flagger's latency rule ({@code request-duration}, the canary's
 * P99 from its histogram, at most a bound, threshold 3) against the latency judge (alpha 0.01) on
 * the same simulated traces: Poisson arrivals at 1, 10, 100 and 1,000 requests per second, canary
 * weights 5, 10, 20, 50 (1m interval), log-normal latency with the primary's median at 50 ms and
 * its P99 at 200 ms, the canary's P99 at 1x (A/A), 1.5x, 2x and 5x of it (same median: a tail
 * regression), histograms on Istio's default buckets. Flagger's rule runs twice, with the 500 ms of
 * Flagger's documentation and with a bound tuned to 300 ms. Last, A/A cells on a slower day (both
 * sides' P99 at 400 ms). Every trace is simulated under every rule with the same seed, so all see
 * the same requests in every window they share.
 *
 * <pre>
 * java -cp examples/target/canary-runner.jar io.canaryanalysis.examples.bench.LatencyEvidenceBenchmark [traces]
 * </pre>
 */
public final class LatencyEvidenceBenchmark {
  static final int[] RATES = {1, 10, 100, 1000};
  static final double[] FACTORS = {1, 1.5, 2, 5};
  static final double ALPHA = 0.01;
  static final LatencyDistribution PRIMARY = new LatencyDistribution(50, 200);
  /** Both sides slower than on a normal day (more load): median 70 ms, P99 400 ms. */
  static final LatencyDistribution SLOW_DAY = new LatencyDistribution(70, 400);
  private static final Duration LIMIT = Duration.ofHours(4);

  private LatencyEvidenceBenchmark() {}

  static Canary flagger(double maxMillis) {
    return EvidenceBenchmark.canary(MetricCheck.builder(MetricCheck.REQUEST_DURATION)
        .thresholdRange(null, maxMillis).build());
  }

  static final Canary JUDGE = EvidenceBenchmark.canary(MetricCheck.builder("latency")
      .judge(JudgeSpec.latency(ALPHA)).build());

  /** Simulates {@code traces} traces of one cell under one rule; trace i has the same seed under every rule. */
  static EvidenceBenchmark.Cell cell(Canary canary, int rate, double factor, int traces, long seed) {
    return cell(canary, rate, PRIMARY, factor, traces, seed);
  }

  static EvidenceBenchmark.Cell cell(Canary canary, int rate, LatencyDistribution primary, double factor,
      int traces, long seed) {
    Traffic traffic = Traffic.same(rate, 0).withLatency(primary, primary.withP99Times(factor));
    return EvidenceBenchmark.cell(canary, traffic, traces, seed);
  }

  public static void main(String[] args) {
    int traces = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    long seed = 17;
    Canary[] rules = {flagger(500), flagger(300), JUDGE};
    System.out.printf(Locale.ROOT, "Latency evidence: %d traces per cell, primary median 50 ms / P99 200 ms, "
        + "canary P99 x factor, weights 5/10/20/50, 1m interval; (a) Flagger request-duration <= 500 ms "
        + "threshold 3, (a') the same at 300 ms, (b) latency judge alpha %.2f%n", traces, ALPHA);
    System.out.println("req/s | canary P99 | (a) rollbacks [95% Wilson] | (a) p50/p90 | (a') rollbacks "
        + "[95% Wilson] | (a') p50/p90 | (b) rollbacks [95% Wilson] | (b) p50/p90");
    System.out.println("---|---|---|---|---|---|---|---");
    boolean judgeHolds = true;
    long started = System.nanoTime();
    long[] nanos = new long[rules.length];
    for (int rate : RATES) {
      for (double factor : FACTORS) {
        StringBuilder row = new StringBuilder().append(rate).append(" | ")
            .append(factor == 1 ? "1x (A/A)" : format(factor) + "x");
        for (int k = 0; k < rules.length; k++) {
          long t0 = System.nanoTime();
          EvidenceBenchmark.Cell c = cell(rules[k], rate, factor, traces, seed + rate);
          nanos[k] += System.nanoTime() - t0;
          if (k == rules.length - 1 && factor == 1 && c.rate() > ALPHA) {
            judgeHolds = false;
          }
          row.append(" | ").append(rate(c)).append(" | ").append(times(c));
        }
        System.out.println(row);
      }
    }
    // A slower day for both sides (the primary's P99 at 400 ms, the canary no worse): a bound tuned
    // to a normal day rolls healthy releases back; the judge compares the two sides.
    for (int rate : RATES) {
      StringBuilder row = new StringBuilder().append(rate).append(" | 1x (A/A), both P99 400 ms");
      for (int k = 0; k < rules.length; k++) {
        long t0 = System.nanoTime();
        EvidenceBenchmark.Cell c = cell(rules[k], rate, SLOW_DAY, 1, traces, seed + rate);
        nanos[k] += System.nanoTime() - t0;
        if (k == rules.length - 1 && c.rate() > ALPHA) {
          judgeHolds = false;
        }
        row.append(" | ").append(rate(c)).append(" | ").append(times(c));
      }
      System.out.println(row);
    }
    System.out.printf(Locale.ROOT, "latency judge false-rollback rate <= %.2f in every A/A cell: %s%n", ALPHA,
        judgeHolds ? "yes" : "NO");
    System.out.printf(Locale.ROOT, "simulated %d rollouts in %.1f s ((a) %.1f s, (a') %.1f s, judge %.1f s)%n",
        traces * RATES.length * (FACTORS.length + 1) * rules.length, (System.nanoTime() - started) / 1e9,
        nanos[0] / 1e9, nanos[1] / 1e9, nanos[2] / 1e9);
  }

  private static String rate(EvidenceBenchmark.Cell c) {
    ConfidenceInterval ci = c.interval();
    String text = String.format(Locale.ROOT, "%.1f%% [%.1f, %.1f]", 100 * c.rate(), 100 * ci.lower(),
        100 * ci.upper());
    int unsettled = c.traces() - c.rollbacks() - c.promotions();
    return unsettled > 0 ? text + " (" + unsettled + " unsettled)" : text;
  }

  private static String times(EvidenceBenchmark.Cell c) {
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
