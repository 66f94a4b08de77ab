package io.canaryanalysis.simulation;

/**
 * Scripted traffic at one moment: Poisson arrivals at {@code requestsPerSecond}, split at random by
 * the canary's current weight, each request failing with its side's error rate.
 *
 * @param requestsPerSecond all requests to the service, canary and primary together
 * @param primaryErrorRate the probability that a request served by the primary fails (0..1)
 * @param canaryErrorRate the probability that a request served by the canary fails (0..1)
 * @param primaryLatency the primary's latency distribution, or null when latency is not scripted
 * @param canaryLatency the canary's, or null for the primary's
 */
public record Traffic(double requestsPerSecond, double primaryErrorRate, double canaryErrorRate,
    LatencyDistribution primaryLatency, LatencyDistribution canaryLatency) {
  public Traffic {
    canaryLatency = canaryLatency == null ? primaryLatency : canaryLatency;
    if (!(requestsPerSecond >= 0) || Double.isInfinite(requestsPerSecond)) {
      throw new IllegalArgumentException("requestsPerSecond must be a finite number >= 0, got " + requestsPerSecond);
    }
    rate("primaryErrorRate", primaryErrorRate);
    rate("canaryErrorRate", canaryErrorRate);
  }

  /** Traffic without scripted latency (the shape before latency judges). */
  public Traffic(double requestsPerSecond, double primaryErrorRate, double canaryErrorRate) {
    this(requestsPerSecond, primaryErrorRate, canaryErrorRate, null, null);
  }

  /** This traffic with the given latency per side. */
  public Traffic withLatency(LatencyDistribution primary, LatencyDistribution canary) {
    return new Traffic(requestsPerSecond, primaryErrorRate, canaryErrorRate, primary, canary);
  }

  private static void rate(String name, double value) {
    if (!(value >= 0 && value <= 1)) {
      throw new IllegalArgumentException(name + " must be between 0 and 1, got " + value);
    }
  }

  /** Both sides fail at {@code errorRate} (an A/A run). */
  public static Traffic same(double requestsPerSecond, double errorRate) {
    return new Traffic(requestsPerSecond, errorRate, errorRate);
  }
}
