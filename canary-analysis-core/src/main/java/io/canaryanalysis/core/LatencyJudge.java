package io.canaryanalysis.core;

import io.canaryanalysis.api.spec.JudgeSpec;
import io.canaryanalysis.api.status.JudgeStatus;
import io.canaryanalysis.api.status.JudgeStep;
import io.canaryanalysis.api.status.LatencyEvidence;
import io.canaryanalysis.api.status.LatencyStep;
import io.canaryanalysis.api.status.OutcomeClass;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One look of the latency judge (reference argo-rollouts-kayenta.md §D.3, histogram buckets). For
 * every bucket bound b, a request slower than b is an event; given one while the canary has share
 * ρ, it is the canary's with probability ρ when both sides have the same latency distribution, and
 * with a higher one when the canary is slower at b. So each bound has the two-arm count e-process
 * of {@link CountEProcess} on its "slower than b" counts, a test martingale (a supermartingale when
 * the canary is not slower there), and their mean over the bounds, fixed at the first look, is
 * one too (the mean of test martingales on one filtration). The judge fails when the mean reaches
 * 1/α: by Ville's inequality a canary that is nowhere slower than the primary is rolled back with
 * probability at most α over the run. It passes when, at every bound the primary exceeds at least
 * 1% of the time (so up to its 99th percentile), the ratio's confidence sequence at level α/m (m
 * bounds, simultaneous) lies below {@code minRatio}. Pure functions; no state.
 */
final class LatencyJudge {
  /** The largest number of bucket bounds compared; more is refused as a query problem. */
  static final int MAX_BOUNDS = 64;
  /** Bounds the primary exceeds at least this often are the ones a pass speaks for. */
  static final double PASS_TAIL = 0.01;

  private LatencyJudge() {}

  /** One side's interval: its requests and, per bound, the requests slower than it. */
  record Side(long requests, long[] slower) {}

  /**
   * The finite bounds a first look compares: those of the canary's histogram that the primary's
   * has too (all of the canary's when the primary's is empty), ascending, at most
   * {@link #MAX_BOUNDS}.
   */
  static List<Double> bounds(Map<Double, Double> canary, Map<Double, Double> primary) {
    List<Double> bounds = new ArrayList<>();
    for (Double le : canary.keySet()) {
      if (Double.isFinite(le) && (primary.isEmpty() || primary.containsKey(le))) {
        bounds.add(le);
      }
    }
    bounds.sort(null);
    return bounds;
  }

  /**
   * One side's interval on {@code bounds} from its cumulative histogram, or null when a bound is
   * missing from a non-empty histogram (the instrumentation's buckets changed). Counts are rounded
   * and made monotone, since {@code increase()} extrapolates each bucket on its own.
   */
  static Side side(Map<Double, Double> cumulative, List<Double> bounds) {
    long[] slower = new long[bounds.size()];
    if (cumulative.isEmpty()) {
      return new Side(0, slower);
    }
    double total = 0;
    for (double v : cumulative.values()) {
      total = Math.max(total, v);
    }
    long requests = Math.round(cumulative.getOrDefault(Double.POSITIVE_INFINITY, total));
    requests = Math.max(requests, Math.round(total));
    long running = 0;
    for (int i = 0; i < bounds.size(); i++) {
      Double at = cumulative.get(bounds.get(i));
      if (at == null) {
        return null;
      }
      running = Math.min(requests, Math.max(running, Math.round(at)));
      slower[i] = requests - running;
    }
    return new Side(requests, slower);
  }

  /** The class of this look and the judge's new state. */
  record Look(OutcomeClass outcome, JudgeStatus status) {}

  static Look look(LatencyEvidence previous, JudgeSpec spec, int weight, List<Double> bounds,
      Side canary, Side primary) {
    List<LatencyStep> steps = new ArrayList<>(previous == null ? List.of() : previous.steps());
    if (weight > 0 && weight < 100) {
      LatencyStep last = steps.isEmpty() ? null : steps.get(steps.size() - 1);
      if (last != null && last.weight() == weight) {
        steps.set(steps.size() - 1, new LatencyStep(weight, last.canaryRequests() + canary.requests(),
            last.primaryRequests() + primary.requests(), plus(last.canarySlower(), canary.slower()),
            plus(last.primarySlower(), primary.slower())));
      } else {
        steps.add(new LatencyStep(weight, canary.requests(), primary.requests(), list(canary.slower()),
            list(primary.slower())));
      }
    }
    return classify(spec, bounds, steps);
  }

  static Look classify(JudgeSpec spec, List<Double> bounds, List<LatencyStep> steps) {
    double alpha = spec.effectiveAlpha();
    double minRatio = spec.effectiveMinRatio();
    int m = Math.max(1, bounds.size());
    double[] grid = CountEProcess.oneSidedGrid(minRatio);
    double sum = 0;
    int worst = -1;
    double worstE = Double.NEGATIVE_INFINITY;
    long canaryTotal = 0;
    long primaryTotal = 0;
    for (LatencyStep s : steps) {
      canaryTotal += s.canaryRequests();
      primaryTotal += s.primaryRequests();
    }
    boolean pass = canaryTotal > 0;
    boolean anyTail = false;
    for (int j = 0; j < bounds.size(); j++) {
      if (noneSlower(steps, j)) {
        // No request slower than this bound yet: its e-process is still exactly 1.
        sum += 1;
        if (1 > worstE) {
          worstE = 1;
          worst = j;
        }
        continue;
      }
      List<JudgeStep> at = atBound(steps, j);
      double e = CountEProcess.eValue(at, grid);
      sum += e;
      long primarySlower = 0;
      for (JudgeStep s : at) {
        primarySlower += s.primaryErrors();
      }
      if (e > worstE) {
        worstE = e;
        worst = j;
      }
      if (pass && primaryTotal > 0 && primarySlower >= PASS_TAIL * primaryTotal) {
        anyTail = true;
        double upper = CountEProcess.confidenceInterval(at, alpha / m)[1];
        if (!(upper < Math.log(minRatio))) {
          pass = false;
        }
      }
    }
    double eValue = bounds.isEmpty() ? 1.0 : sum / bounds.size();
    Double rateRatio = null;
    Double lower = null;
    Double upper = null;
    Double shown = null;
    if (worst >= 0 && canaryTotal > 0) {
      List<JudgeStep> at = atBound(steps, worst);
      double estimate = CountEProcess.estimate(at);
      double[] cs = CountEProcess.confidenceInterval(at, alpha / m);
      rateRatio = Double.isNaN(estimate) ? null : Math.exp(estimate);
      lower = Double.isInfinite(cs[0]) ? null : Math.exp(cs[0]);
      upper = Double.isInfinite(cs[1]) ? null : Math.exp(cs[1]);
      shown = bounds.get(worst);
    }
    LatencyEvidence evidence = new LatencyEvidence(bounds, steps, shown,
        quantile(0.99, bounds, steps, true), quantile(0.99, bounds, steps, false));
    JudgeStatus status = new JudgeStatus(List.of(), eValue, rateRatio, lower, upper, evidence);
    OutcomeClass outcome;
    if (eValue >= 1 / alpha) {
      outcome = OutcomeClass.FAIL;
    } else if (pass && anyTail) {
      outcome = OutcomeClass.PASS;
    } else {
      outcome = OutcomeClass.INCONCLUSIVE;
    }
    return new Look(outcome, status);
  }

  private static boolean noneSlower(List<LatencyStep> steps, int j) {
    for (LatencyStep s : steps) {
      if (s.weight() > 0 && s.weight() < 100 && (s.canarySlower().get(j) > 0 || s.primarySlower().get(j) > 0)) {
        return false;
      }
    }
    return true;
  }

  /** The "slower than bound j" counts per step, as the count e-process reads them. */
  private static List<JudgeStep> atBound(List<LatencyStep> steps, int j) {
    List<JudgeStep> at = new ArrayList<>(steps.size());
    for (LatencyStep s : steps) {
      at.add(new JudgeStep(s.weight(), s.canarySlower().get(j), s.primarySlower().get(j),
          s.canaryRequests(), s.primaryRequests()));
    }
    return at;
  }

  /**
   * The q-quantile of one side over the run, as Prometheus' {@code histogram_quantile}: linear
   * within the bucket holding the rank, from 0 for the first bucket; the largest finite bound when
   * the rank falls in the +Inf bucket. Null without requests.
   */
  static Double quantile(double q, List<Double> bounds, List<LatencyStep> steps, boolean canary) {
    long total = 0;
    long[] slower = new long[bounds.size()];
    for (LatencyStep s : steps) {
      total += canary ? s.canaryRequests() : s.primaryRequests();
      List<Long> sl = canary ? s.canarySlower() : s.primarySlower();
      for (int j = 0; j < slower.length; j++) {
        slower[j] += sl.get(j);
      }
    }
    if (total == 0 || bounds.isEmpty()) {
      return null;
    }
    double rank = q * total;
    double previousBound = 0;
    double previousCount = 0;
    for (int j = 0; j < bounds.size(); j++) {
      double cumulative = total - slower[j];
      if (cumulative >= rank) {
        double lowerBound = j == 0 && bounds.get(0) <= 0 ? bounds.get(0) : previousBound;
        double inBucket = cumulative - previousCount;
        return inBucket <= 0 ? bounds.get(j)
            : lowerBound + (bounds.get(j) - lowerBound) * (rank - previousCount) / inBucket;
      }
      previousBound = bounds.get(j);
      previousCount = cumulative;
    }
    return bounds.get(bounds.size() - 1);
  }

  private static List<Long> plus(List<Long> a, long[] b) {
    List<Long> out = new ArrayList<>(a.size());
    for (int i = 0; i < a.size(); i++) {
      out.add(a.get(i) + b[i]);
    }
    return out;
  }

  private static List<Long> list(long[] values) {
    List<Long> out = new ArrayList<>(values.length);
    for (long v : values) {
      out.add(v);
    }
    return out;
  }
}
