package io.canaryanalysis.simulation;

import java.util.List;

/**
 * Scripted request latency of one side: log-normal, given by its median and its 99th percentile in
 * milliseconds. Simulated histograms use Istio's default buckets ({@link #BUCKETS}).
 *
 * @param medianMillis the median latency, greater than 0
 * @param p99Millis the 99th percentile, at least the median
 */
public record LatencyDistribution(double medianMillis, double p99Millis) {
  /** Istio's default {@code istio_request_duration_milliseconds} bucket bounds, in milliseconds. */
  public static final List<Double> BUCKETS = List.of(0.5, 1.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0,
      500.0, 1000.0, 2500.0, 5000.0, 10000.0, 30000.0, 60000.0, 300000.0, 600000.0, 1800000.0, 3600000.0);
  private static final double Z_99 = 2.3263478740408408;

  public LatencyDistribution {
    if (!(medianMillis > 0) || Double.isInfinite(medianMillis)) {
      throw new IllegalArgumentException("medianMillis must be a finite number > 0, got " + medianMillis);
    }
    if (!(p99Millis >= medianMillis) || Double.isInfinite(p99Millis)) {
      throw new IllegalArgumentException("p99Millis must be a finite number >= medianMillis (" + medianMillis
          + "), got " + p99Millis);
    }
  }

  /** The same median with the 99th percentile {@code factor} times this one's (a tail regression). */
  public LatencyDistribution withP99Times(double factor) {
    return new LatencyDistribution(medianMillis, Math.max(medianMillis, p99Millis * factor));
  }

  /** The probability that a request takes at most {@code millis}. */
  public double cdf(double millis) {
    if (millis <= 0) {
      return 0;
    }
    double sigma = Math.log(p99Millis / medianMillis) / Z_99;
    double z = Math.log(millis / medianMillis);
    if (sigma == 0) {
      return z >= 0 ? 1 : 0;
    }
    return normalCdf(z / sigma);
  }

  /** Φ(x) by the complementary error function (Numerical Recipes' erfc, relative error below 1.2e-7). */
  static double normalCdf(double x) {
    double z = Math.abs(x) / Math.sqrt(2);
    double t = 1 / (1 + 0.5 * z);
    double erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
        + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
        + t * (-0.82215223 + t * 0.17087277)))))))));
    return x >= 0 ? 1 - erfc / 2 : erfc / 2;
  }
}
