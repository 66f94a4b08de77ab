package io.canaryanalysis.simulation;

/**
 * Scripted traffic at one moment: Poisson arrivals at {@code requestsPerSecond}, split at random by
 * the canary's current weight, each request failing with its side's error rate.
 *
 * @param requestsPerSecond all requests to the service, canary and primary together
 * @param primaryErrorRate the probability that a request served by the primary fails (0..1)
 * @param canaryErrorRate the probability that a request served by the canary fails (0..1)
 */
public record Traffic(double requestsPerSecond, double primaryErrorRate, double canaryErrorRate) {
  public Traffic {
    if (!(requestsPerSecond >= 0) || Double.isInfinite(requestsPerSecond)) {
      throw new IllegalArgumentException("requestsPerSecond must be a finite number >= 0, got " + requestsPerSecond);
    }
    rate("primaryErrorRate", primaryErrorRate);
    rate("canaryErrorRate", canaryErrorRate);
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
