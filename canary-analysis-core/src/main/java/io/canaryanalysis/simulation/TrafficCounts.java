package io.canaryanalysis.simulation;

import io.canaryanalysis.api.HistogramResult;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.spec.JudgeSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
  private static final long LATENCY_STREAM = 0x9E3779B97F4A7C15L;
  private long histogramEnd = Long.MIN_VALUE;
  private int histogramWeight = -1;
  private double[][] histogramCache;

  TrafficCounts(TrafficTrace trace, long seed, Duration window) {
    this.trace = trace;
    this.seed = seed;
    this.window = window;
  }

  /**
   * The builtin series this traffic answers: the judge's counts, the canary's success rate and, with
   * scripted latency, the canary's P99 ({@code request-duration}, milliseconds).
   */
  static boolean answers(String series) {
    return series.equals(JudgeSpec.CANARY_ERRORS) || series.equals(JudgeSpec.CANARY_REQUESTS)
        || series.equals(JudgeSpec.PRIMARY_ERRORS) || series.equals(JudgeSpec.PRIMARY_REQUESTS)
        || series.equals(io.canaryanalysis.api.spec.MetricCheck.REQUEST_SUCCESS_RATE)
        || series.equals(io.canaryanalysis.api.spec.MetricCheck.REQUEST_DURATION);
  }

  /** The builtin histograms this traffic answers (a latency judge's). */
  static boolean answersHistogram(String series) {
    return series.equals(JudgeSpec.CANARY_BUCKETS) || series.equals(JudgeSpec.PRIMARY_BUCKETS);
  }

  /**
   * One side's latency histogram over the window: Poisson counts per bucket (requests split by the
   * weight, then by the side's latency distribution), cumulative as Prometheus reports them, drawn
   * from a stream of their own (so error counts and histograms are independent draws whose totals
   * agree in expectation).
   */
  HistogramResult histogram(String series, Duration elapsed, int canaryWeight) {
    Traffic traffic = trace.at(elapsed);
    if (traffic.primaryLatency() == null) {
      return new HistogramResult.NoData("no latency scripted for the traffic");
    }
    double[][] h = histograms(elapsed, canaryWeight);
    double[] side = series.equals(JudgeSpec.CANARY_BUCKETS) ? h[0] : h[1];
    if (side[side.length - 1] == 0) {
      return new HistogramResult.NoData("no requests in the window");
    }
    Map<Double, Double> cumulative = new TreeMap<>();
    for (int i = 0; i < LatencyDistribution.BUCKETS.size(); i++) {
      cumulative.put(LatencyDistribution.BUCKETS.get(i), side[i]);
    }
    cumulative.put(Double.POSITIVE_INFINITY, side[side.length - 1]);
    return new HistogramResult.Buckets(cumulative);
  }

  /** The canary's P99 in the window as {@code histogram_quantile(0.99, ...)} computes it. */
  private MetricResult canaryP99(Duration elapsed, int canaryWeight) {
    if (trace.at(elapsed).primaryLatency() == null) {
      return MetricResult.noData("no latency scripted for the traffic");
    }
    double[] canary = histograms(elapsed, canaryWeight)[0];
    double total = canary[canary.length - 1];
    if (total == 0) {
      return MetricResult.noData("no canary requests in the window");
    }
    double rank = 0.99 * total;
    double previousBound = 0;
    double previousCount = 0;
    for (int i = 0; i < LatencyDistribution.BUCKETS.size(); i++) {
      double bound = LatencyDistribution.BUCKETS.get(i);
      if (canary[i] >= rank) {
        return MetricResult.value(previousBound + (bound - previousBound) * (rank - previousCount)
            / (canary[i] - previousCount));
      }
      previousBound = bound;
      previousCount = canary[i];
    }
    return MetricResult.value(previousBound);
  }

  /** {canary cumulative counts per bucket then total, primary's}, cached per window and weight. */
  private double[][] histograms(Duration elapsed, int canaryWeight) {
    long end = elapsed.toMillis();
    if (end == histogramEnd && canaryWeight == histogramWeight) {
      return histogramCache;
    }
    Traffic traffic = trace.at(elapsed);
    double seconds = window.toMillis() / 1000.0;
    double w = Math.max(0, Math.min(100, canaryWeight)) / 100.0;
    var random = MonteCarlo.random(seed ^ LATENCY_STREAM, (int) Math.floorMod(end / 1000, Integer.MAX_VALUE));
    histogramCache = new double[][] {
        draw(random, traffic.requestsPerSecond() * seconds * w, traffic.canaryLatency()),
        draw(random, traffic.requestsPerSecond() * seconds * (1 - w), traffic.primaryLatency())};
    histogramEnd = end;
    histogramWeight = canaryWeight;
    return histogramCache;
  }

  private static double[] draw(java.util.random.RandomGenerator random, double requests,
      LatencyDistribution latency) {
    List<Double> bounds = LatencyDistribution.BUCKETS;
    double[] out = new double[bounds.size() + 1];
    double previous = 0;
    long running = 0;
    for (int i = 0; i <= bounds.size(); i++) {
      double cdf = i < bounds.size() ? latency.cdf(bounds.get(i)) : 1;
      running += Poisson.sample(random, requests * Math.max(0, cdf - previous));
      previous = cdf;
      out[i] = running;
    }
    return out;
  }

  MetricResult result(String series, Duration elapsed, int canaryWeight) {
    if (series.equals(io.canaryanalysis.api.spec.MetricCheck.REQUEST_DURATION)) {
      return canaryP99(elapsed, canaryWeight);
    }
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
