package io.canaryanalysis.simulation;

import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.spec.JudgeSpec;
import java.time.Duration;

/**
 * The counts of scripted traffic over the window before a tick. Every window draws from its own
 * random stream, keyed by the run's seed and the window's end, so two configurations simulated
 * with the same seed see the same requests in every window they share at the same weight (common
 * random numbers for side-by-side comparisons).
 */
final class TrafficCounts {
  private final TrafficTrace trace;
  private final long seed;
  private final Duration window;
  private long cachedEnd = Long.MIN_VALUE;
  private int cachedWeight = -1;
  private long[] cached;

  TrafficCounts(TrafficTrace trace, long seed, Duration window) {
    this.trace = trace;
    this.seed = seed;
    this.window = window;
  }

  /** The builtin series this traffic answers: the judge's counts and the canary's success rate. */
  static boolean answers(String series) {
    return series.equals(JudgeSpec.CANARY_ERRORS) || series.equals(JudgeSpec.CANARY_REQUESTS)
        || series.equals(JudgeSpec.PRIMARY_ERRORS) || series.equals(JudgeSpec.PRIMARY_REQUESTS)
        || series.equals(io.canaryanalysis.api.spec.MetricCheck.REQUEST_SUCCESS_RATE);
  }

  MetricResult result(String series, Duration elapsed, int canaryWeight) {
    long[] c = counts(elapsed, canaryWeight);
    switch (series) {
      case JudgeSpec.CANARY_ERRORS:
        return MetricResult.value(c[0]);
      case JudgeSpec.CANARY_REQUESTS:
        return MetricResult.value(c[0] + c[1]);
      case JudgeSpec.PRIMARY_ERRORS:
        return MetricResult.value(c[2]);
      case JudgeSpec.PRIMARY_REQUESTS:
        return MetricResult.value(c[2] + c[3]);
      default:
        long requests = c[0] + c[1];
        return requests == 0 ? MetricResult.noData("no canary requests in the window")
            : MetricResult.value(100.0 * c[1] / requests);
    }
  }

  /** {canary errors, canary successes, primary errors, primary successes} in the window ending now. */
  long[] counts(Duration elapsed, int canaryWeight) {
    long end = elapsed.toMillis();
    if (end == cachedEnd && canaryWeight == cachedWeight) {
      return cached;
    }
    Traffic traffic = trace.at(elapsed);
    double seconds = window.toMillis() / 1000.0;
    double w = Math.max(0, Math.min(100, canaryWeight)) / 100.0;
    double canary = traffic.requestsPerSecond() * seconds * w;
    double primary = traffic.requestsPerSecond() * seconds * (1 - w);
    var random = MonteCarlo.random(seed, (int) Math.floorMod(end / 1000, Integer.MAX_VALUE));
    cached = new long[] {
        Poisson.sample(random, canary * traffic.canaryErrorRate()),
        Poisson.sample(random, canary * (1 - traffic.canaryErrorRate())),
        Poisson.sample(random, primary * traffic.primaryErrorRate()),
        Poisson.sample(random, primary * (1 - traffic.primaryErrorRate()))};
    cachedEnd = end;
    cachedWeight = canaryWeight;
    return cached;
  }
}
