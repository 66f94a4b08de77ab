package io.canaryanalysis.simulation;

import java.util.random.RandomGenerator;

/**
 * Poisson variates: inversion for small means, Hörmann's transformed rejection (PTRS, 1993, as in
 * NumPy) from a mean of 10, so a count over a minute at 1,000 requests per second costs a handful
 * of draws.
 */
final class Poisson {
  private Poisson() {}

  static long sample(RandomGenerator random, double mean) {
    if (!(mean > 0)) {
      return 0;
    }
    return mean < 10 ? inversion(random, mean) : ptrs(random, mean);
  }

  private static long inversion(RandomGenerator random, double mean) {
    double limit = Math.exp(-mean);
    double product = random.nextDouble();
    long k = 0;
    while (product > limit) {
      product *= random.nextDouble();
      k++;
    }
    return k;
  }

  private static long ptrs(RandomGenerator random, double lam) {
    double slam = Math.sqrt(lam);
    double loglam = Math.log(lam);
    double b = 0.931 + 2.53 * slam;
    double a = -0.059 + 0.02483 * b;
    double invalpha = 1.1239 + 1.1328 / (b - 3.4);
    double vr = 0.9277 - 3.6224 / (b - 2);
    while (true) {
      double u = random.nextDouble() - 0.5;
      double v = random.nextDouble();
      double us = 0.5 - Math.abs(u);
      long k = (long) Math.floor((2 * a / us + b) * u + lam + 0.43);
      if (us >= 0.07 && v <= vr) {
        return k;
      }
      if (k < 0 || (us < 0.013 && v > us)) {
        continue;
      }
      if (Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b)
          <= -lam + k * loglam - logFactorial(k)) {
        return k;
      }
    }
  }

  /** log(k!) by Stirling's series (exact enough beyond the first terms; exact table below 10). */
  static double logFactorial(long k) {
    if (k < 10) {
      double f = 0;
      for (int i = 2; i <= k; i++) {
        f += Math.log(i);
      }
      return f;
    }
    double x = k + 1.0;
    return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x * x * x);
  }
}
