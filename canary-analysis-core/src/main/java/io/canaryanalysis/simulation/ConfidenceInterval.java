package io.canaryanalysis.simulation;

/**
 * A confidence interval for a proportion, so a Monte Carlo rate is never read as more precise than
 * its number of runs allows.
 *
 * @param lower the lower bound, in [0, 1]
 * @param upper the upper bound, in [lower, 1]
 */
public record ConfidenceInterval(double lower, double upper) {
  /** The standard normal quantile for a two-sided 95% interval. */
  public static final double Z_95 = 1.959963984540054;

  public ConfidenceInterval {
    if (!(lower >= 0 && lower <= upper && upper <= 1)) {
      throw new IllegalArgumentException("need 0 <= lower <= upper <= 1, got [" + lower + ", " + upper + "]");
    }
  }

  /** The 95% Wilson score interval for {@code successes} out of {@code trials}. */
  public static ConfidenceInterval wilson95(int successes, int trials) {
    return wilson(successes, trials, Z_95);
  }

  /**
   * The Wilson score interval for {@code successes} out of {@code trials} at normal quantile
   * {@code z}. Unlike the normal approximation it stays inside [0, 1] and is not empty at 0 or all
   * successes, which is exactly where canary tuning lives (a false-rollback rate near 0).
   */
  public static ConfidenceInterval wilson(int successes, int trials, double z) {
    if (trials <= 0) {
      throw new IllegalArgumentException("trials must be positive, got " + trials);
    }
    if (successes < 0 || successes > trials) {
      throw new IllegalArgumentException("successes must be between 0 and " + trials + ", got " + successes);
    }
    if (!(z > 0) || Double.isInfinite(z)) {
      throw new IllegalArgumentException("z must be a positive number, got " + z);
    }
    double n = trials;
    double p = successes / n;
    double z2 = z * z;
    double denominator = 1 + z2 / n;
    double center = (p + z2 / (2 * n)) / denominator;
    double half = z / denominator * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n));
    double lower = successes == 0 ? 0 : Math.max(0, center - half);
    double upper = successes == trials ? 1 : Math.min(1, center + half);
    return new ConfidenceInterval(lower, upper);
  }

  /** True when {@code value} lies inside the interval, bounds included. */
  public boolean contains(double value) {
    return value >= lower && value <= upper;
  }
}
