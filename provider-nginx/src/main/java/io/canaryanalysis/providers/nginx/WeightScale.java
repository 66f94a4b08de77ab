package io.canaryanalysis.providers.nginx;

/**
 * Converts between the engine's percent and ingress-nginx's {@code canary-weight}, an integer
 * 0..{@code canary-weight-total}. With a total of at least 100 the conversion is exact in both
 * directions for every weight this router writes: {@code toPercent(toWeight(p)) == p}.
 */
final class WeightScale {
  /** ingress-nginx's total when {@code canary-weight-total} is absent. */
  static final int DEFAULT_TOTAL = 100;

  private WeightScale() {}

  /** The weight for {@code percent} of {@code total}, rounded half up. */
  static long toWeight(int percent, long total) {
    return (percent * total + 50) / 100;
  }

  /** The percent of {@code total} that {@code weight} stands for, rounded half up. */
  static int toPercent(long weight, long total) {
    return (int) ((weight * 100 + total / 2) / total);
  }
}
