package io.canaryanalysis.core;

import io.canaryanalysis.api.status.JudgeStep;
import java.util.List;

/**
 * The two-arm count e-process of Lindon &amp; Malek (reference argo-rollouts-kayenta.md §D.2) with
 * a traffic share that changes between steps. Given that an error happens while the canary has
 * share ρ, it is the canary's with probability θ(δ) = ρe^δ / (ρe^δ + 1 − ρ), δ the log ratio of the
 * canary's error rate to the primary's. The likelihood ratio of δ against δ = 0 over the steps s is
 *
 * <pre>ℓ(δ) = Σ_s [ c_s·δ − (c_s + b_s)·log(1 + ρ_s(e^δ − 1)) ]</pre>
 *
 * (c canary errors, b primary errors). Mixed over a fixed prior on δ it is a test martingale under
 * δ = 0 and a supermartingale under δ &lt; 0, so by Ville's inequality the one-sided test "canary
 * worse" that rejects once the mixture reaches 1/α has level α however often it is looked at. The
 * prior is uniform on a grid of log ratios from {@code log(minRatio)} to {@code log(100)}.
 *
 * <p>The confidence sequence for δ is the set of nulls δ₀ whose e-value Σ_k π_k e^{ℓ(δ_k) − ℓ(δ₀)}
 * stays below 1/α under a prior symmetric about 0: {δ₀ : ℓ(δ₀) ≥ log Σ_k π_k e^{ℓ(δ_k)} + log α}, an
 * interval because ℓ is concave. Pure functions; no state.
 */
final class CountEProcess {
  /** The largest log rate ratio on the prior grids and in the searches (a factor of 100). */
  static final double MAX_LOG_RATIO = Math.log(100);
  static final double GRID_STEP = 0.1;
  private static final double SEARCH_BOUND = 12;
  private static final double[] SYMMETRIC_GRID = grid(-MAX_LOG_RATIO, MAX_LOG_RATIO);

  private CountEProcess() {}

  /** ℓ(δ): the log likelihood ratio of log rate ratio δ against 0. Steps at weight 0 or 100 carry no information. */
  static double logLikelihood(List<JudgeStep> steps, double delta) {
    double em1 = Math.expm1(delta);
    double l = 0;
    for (JudgeStep s : steps) {
      if (!informative(s)) {
        continue;
      }
      double rho = s.weight() / 100.0;
      l += s.canaryErrors() * delta - (s.canaryErrors() + s.primaryErrors()) * Math.log1p(rho * em1);
    }
    return l;
  }

  /** ℓ'(δ), decreasing in δ. */
  private static double slope(List<JudgeStep> steps, double delta) {
    double e = Math.exp(delta);
    double d = 0;
    for (JudgeStep s : steps) {
      if (!informative(s)) {
        continue;
      }
      double rho = s.weight() / 100.0;
      d += s.canaryErrors() - (s.canaryErrors() + s.primaryErrors()) * rho * e / (1 + rho * (e - 1));
    }
    return d;
  }

  private static boolean informative(JudgeStep s) {
    return s.weight() > 0 && s.weight() < 100;
  }

  /** The one-sided e-value with the prior uniform on {@code grid}. */
  static double eValue(List<JudgeStep> steps, double[] grid) {
    return Math.exp(logMean(steps, grid));
  }

  /** The one-sided e-value with the prior from {@code log(minRatio)} to {@code log(100)}. */
  static double eValue(List<JudgeStep> steps, double minRatio) {
    return eValue(steps, oneSidedGrid(minRatio));
  }

  static double[] oneSidedGrid(double minRatio) {
    double from = Math.log(Math.max(1.0000001, Math.min(minRatio, 99)));
    return grid(from, MAX_LOG_RATIO);
  }

  private static double[] grid(double from, double to) {
    int n = (int) Math.floor((to - from) / GRID_STEP + 1e-9) + 1;
    double[] g = new double[n];
    for (int i = 0; i < n; i++) {
      g[i] = from + i * GRID_STEP;
    }
    return g;
  }

  /** log of the mean of e^{ℓ(δ_k)} over the grid, computed without overflow. */
  private static double logMean(List<JudgeStep> steps, double[] grid) {
    double[] l = new double[grid.length];
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < grid.length; i++) {
      l[i] = logLikelihood(steps, grid[i]);
      max = Math.max(max, l[i]);
    }
    double sum = 0;
    for (double v : l) {
      sum += Math.exp(v - max);
    }
    return max + Math.log(sum / grid.length);
  }

  /**
   * The maximum-likelihood log rate ratio, or NaN when it is unbounded (no canary errors: −∞; no
   * primary errors: +∞; no errors at all: undefined).
   */
  static double estimate(List<JudgeStep> steps) {
    long c = 0;
    long b = 0;
    for (JudgeStep s : steps) {
      if (informative(s)) {
        c += s.canaryErrors();
        b += s.primaryErrors();
      }
    }
    if (c == 0 || b == 0) {
      return Double.NaN;
    }
    double lo = -SEARCH_BOUND;
    double hi = SEARCH_BOUND;
    for (int i = 0; i < 50; i++) {
      double mid = (lo + hi) / 2;
      if (slope(steps, mid) > 0) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return (lo + hi) / 2;
  }

  /**
   * The confidence sequence for the log rate ratio at level {@code alpha} (this look only; the
   * caller intersects over time): {lower, upper}, either end infinite when unbounded.
   */
  static double[] confidenceInterval(List<JudgeStep> steps, double alpha) {
    double level = logMean(steps, SYMMETRIC_GRID) + Math.log(alpha);
    double centre = estimate(steps);
    if (Double.isNaN(centre)) {
      // ℓ is monotone (or flat): start from the end where it is largest.
      double left = logLikelihood(steps, -SEARCH_BOUND);
      double right = logLikelihood(steps, SEARCH_BOUND);
      centre = left >= right ? -SEARCH_BOUND : SEARCH_BOUND;
    }
    double lower = logLikelihood(steps, -SEARCH_BOUND) >= level ? Double.NEGATIVE_INFINITY
        : crossing(steps, level, -SEARCH_BOUND, centre);
    double upper = logLikelihood(steps, SEARCH_BOUND) >= level ? Double.POSITIVE_INFINITY
        : crossing(steps, level, centre, SEARCH_BOUND);
    return new double[] {lower, upper};
  }

  /** The δ in [a, b] where ℓ crosses {@code level}, ℓ(a) and ℓ(b) on opposite sides of it. */
  private static double crossing(List<JudgeStep> steps, double level, double a, double b) {
    boolean aAbove = logLikelihood(steps, a) >= level;
    for (int i = 0; i < 50; i++) {
      double mid = (a + b) / 2;
      if ((logLikelihood(steps, mid) >= level) == aAbove) {
        a = mid;
      } else {
        b = mid;
      }
    }
    return (a + b) / 2;
  }
}
