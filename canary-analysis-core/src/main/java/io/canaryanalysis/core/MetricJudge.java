package io.canaryanalysis.core;

import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.MetricKind;
import io.canaryanalysis.api.spec.ThresholdRange;
import io.canaryanalysis.api.spec.JudgeSpec;
import io.canaryanalysis.api.status.CheckKind;
import io.canaryanalysis.api.status.CheckStatus;
import io.canaryanalysis.api.status.JudgeStatus;
import io.canaryanalysis.api.status.LatencyEvidence;
import java.util.List;
import java.util.Map;
import io.canaryanalysis.api.status.OutcomeClass;

/**
 * Judges one metric outcome against its check, producing Flagger's Halt texts (flagger.md §2.8,
 * §2.13, §4.1, §4.2).
 */
final class MetricJudge {
  private MetricJudge() {}

  /** What a verdict does to the tick. */
  enum Effect {
    /** The check lets the tick go on (a pass, or a judge that has not decided yet). */
    ADVANCE,
    /** The tick halts without counting a failed check (no data under hold, a provider error within budget). */
    HOLD,
    /** A failed check: counts towards the threshold (Flagger). */
    FAIL_CHECK,
    /** Roll back in this tick: the judge showed a regression, or the provider-error budget is used up. */
    ROLL_BACK
  }

  /**
   * The judgement of one metric check.
   *
   * @param outcome the measurement's class, kept in the status history
   * @param kind the failure kind for FAIL_CHECK and ROLL_BACK, else null
   * @param value the observed value (the e-value for a judge), or null
   * @param bound the bound as text, or null
   * @param message the event text for HOLD, FAIL_CHECK and ROLL_BACK; an informational text or null for ADVANCE
   * @param judge the judge's new state, or null for a threshold check
   */
  record Verdict(Effect effect, OutcomeClass outcome, CheckKind kind, Double value, String bound,
      String message, JudgeStatus judge) {
    boolean advances() {
      return effect == Effect.ADVANCE;
    }
  }

  private static Verdict pass(Double value, String bound) {
    return new Verdict(Effect.ADVANCE, OutcomeClass.PASS, null, value, bound, null, null);
  }

  private static Verdict fail(CheckKind kind, String check, Double value, String bound, String message) {
    return new Verdict(Effect.FAIL_CHECK, OutcomeClass.FAIL, kind, value, bound, message, null);
  }

  /**
   * @param previous what the status keeps about this check in this run, or null
   * @param errorLimit the check's provider-error budget, or null for Flagger's behaviour
   * @param weight the canary's weight while the measured interval ran (the persisted intent)
   * @param canaryKey {@code name.namespace} of the canary
   * @param targetKey {@code target.namespace}
   * @param routerKind the router kind, named in the builtin no-data text
   */
  static Verdict judge(MetricCheck check, MetricOutcome outcome, CheckStatus previous,
      Integer errorLimit, int weight, String canaryKey, String targetKey, String routerKind) {
    if (outcome instanceof MetricOutcome.SetupError) {
      return new Verdict(Effect.FAIL_CHECK, OutcomeClass.PROVIDER_ERROR, CheckKind.METRIC_ERROR, null,
          null, ((MetricOutcome.SetupError) outcome).message(), null);
    }
    if (outcome instanceof MetricOutcome.Counts) {
      return judgeCounts(check, (MetricOutcome.Counts) outcome, previous, weight, canaryKey);
    }
    if (outcome instanceof MetricOutcome.Histograms) {
      MetricOutcome.Histograms h = (MetricOutcome.Histograms) outcome;
      String problem = latencyProblem(h, previous);
      if (problem != null) {
        return judge(check, new MetricOutcome.Measured(MetricResult.failed(problem)), previous,
            errorLimit, weight, canaryKey, targetKey, routerKind);
      }
      return judgeLatency(check, h, previous, weight, canaryKey);
    }
    MetricResult result = ((MetricOutcome.Measured) outcome).result();
    if (result instanceof MetricResult.Failed) {
      String text = queryFailedText(check, ((MetricResult.Failed) result).message());
      if (errorLimit == null) {
        return new Verdict(Effect.FAIL_CHECK, OutcomeClass.PROVIDER_ERROR, CheckKind.METRIC_ERROR, null,
            null, text, null);
      }
      int errors = (previous == null ? 0 : previous.consecutiveErrors()) + 1;
      if (errors > errorLimit) {
        return new Verdict(Effect.ROLL_BACK, OutcomeClass.PROVIDER_ERROR, CheckKind.METRIC_ERROR_BUDGET,
            (double) errors, "> " + errorLimit, "Rolling back " + canaryKey + " metric " + check.name()
                + " provider errors " + errors + " in a row exceed consecutiveErrorLimit " + errorLimit
                + ": " + text, previous == null ? null : previous.judge());
      }
      return new Verdict(Effect.HOLD, OutcomeClass.PROVIDER_ERROR, CheckKind.METRIC_ERROR,
          (double) errors, "<= " + errorLimit, "Halt " + canaryKey + " advancement metric "
              + check.name() + " provider error " + errors + " of " + errorLimit + " allowed in a row: "
              + text, previous == null ? null : previous.judge());
    }
    if (result instanceof MetricResult.NoData) {
      return noData(check, ((MetricResult.NoData) result).detail(), targetKey, routerKind);
    }
    double value = ((MetricResult.Value) result).value();
    if (Double.isInfinite(value) && check.kind() != MetricKind.ALERT && !check.acceptInfinite()) {
      // ±Inf is not evidence that a bound holds (+Inf would pass any minimum): no data, unless the
      // check opts in with acceptInfinite.
      return noData(check, "query returned " + GoFormat.number(value), targetKey, routerKind);
    }
    if (check.kind() == MetricKind.ALERT) {
      if (value <= 0) {
        return pass(value, "== 0 series");
      }
      long series = (long) value;
      return fail(CheckKind.METRIC, check.name(), value, "== 0 series",
          "Halt " + canaryKey + " advancement " + check.name() + " alert firing: " + series
              + " series matched");
    }
    ThresholdRange range = check.effectiveRange();
    if (range == null) {
      // Flagger: without thresholdRange or threshold, the threshold is 0 read as a maximum.
      range = ThresholdRange.max(0);
    }
    if (range.min() != null && value < range.min()) {
      return violation(check, value, range.min(), "<", canaryKey);
    }
    if (range.max() != null && value > range.max()) {
      return violation(check, value, range.max(), ">", canaryKey);
    }
    return pass(value, rangeText(range));
  }

  private static Verdict noData(MetricCheck check, String detail, String targetKey, String routerKind) {
    String text = noDataText(check, detail, targetKey, routerKind);
    switch (check.onNoData()) {
      case PASS:
        return new Verdict(Effect.ADVANCE, OutcomeClass.NO_DATA, null, null, null, null, null);
      case HOLD:
        return new Verdict(Effect.HOLD, OutcomeClass.NO_DATA, null, null, null, text, null);
      default:
        return new Verdict(Effect.FAIL_CHECK, OutcomeClass.NO_DATA, CheckKind.METRIC_NO_DATA, null,
            null, text, null);
    }
  }

  private static String rangeText(ThresholdRange range) {
    if (range.min() != null && range.max() != null) {
      return ">= " + GoFormat.number(range.min()) + " <= " + GoFormat.number(range.max());
    }
    return range.min() != null ? ">= " + GoFormat.number(range.min()) : "<= " + GoFormat.number(range.max());
  }

  /**
   * The canary-vs-primary judge. No canary traffic in the interval is no data and holds the tick
   * (no evidence either way); a regression shown at level alpha rolls back in this tick.
   */
  private static Verdict judgeCounts(MetricCheck check, MetricOutcome.Counts counts,
      CheckStatus previous, int weight, String canaryKey) {
    JudgeSpec spec = check.judge();
    JudgeStatus before = previous == null || previous.judge() == null ? JudgeStatus.initial() : previous.judge();
    String bound = "e >= " + GoFormat.number(1 / spec.effectiveAlpha());
    if (counts.canaryRequests() == 0 && counts.canaryErrors() == 0) {
      return new Verdict(Effect.HOLD, OutcomeClass.NO_DATA, null, before.eValue(), bound, "Halt "
          + canaryKey + " advancement judge " + check.name() + " saw no canary requests", before);
    }
    CountJudge.Look look = CountJudge.look(before, spec, weight, counts.canaryErrors(),
        counts.primaryErrors(), counts.canaryRequests(), counts.primaryRequests());
    JudgeStatus after = look.status();
    String evidence = "e-value " + GoFormat.twoDecimals(after.eValue()) + ", error rate ratio "
        + ratio(after.rateRatio()) + " [" + ratio(after.ratioLower() == null ? 0.0 : after.ratioLower())
        + ", " + ratio(after.ratioUpper()) + "]";
    switch (look.outcome()) {
      case FAIL:
        return new Verdict(Effect.ROLL_BACK, OutcomeClass.FAIL, CheckKind.JUDGE, after.eValue(), bound,
            "Rolling back " + canaryKey + " judge " + check.name()
                + " canary error rate higher than primary's: " + evidence, after);
      case PASS:
        return new Verdict(Effect.ADVANCE, OutcomeClass.PASS, null, after.eValue(), bound,
            "Judge " + check.name() + " canary not worse than " + GoFormat.number(spec.effectiveMinRatio())
                + "x primary: " + evidence, after);
      default:
        return new Verdict(Effect.ADVANCE, OutcomeClass.INCONCLUSIVE, null, after.eValue(), bound,
            null, after);
    }
  }

  /** Why the histograms cannot be compared with the run's bounds, or null when they can. */
  private static String latencyProblem(MetricOutcome.Histograms h, CheckStatus previous) {
    LatencyEvidence before = previous == null || previous.judge() == null ? null : previous.judge().latency();
    List<Double> bounds = before == null || before.bounds().isEmpty()
        ? LatencyJudge.bounds(h.canary(), h.primary()) : before.bounds();
    if (bounds.size() > LatencyJudge.MAX_BOUNDS) {
      return "histogram has " + bounds.size() + " bucket bounds, more than the " + LatencyJudge.MAX_BOUNDS
          + " a latency judge compares";
    }
    if (!h.canary().isEmpty() && bounds.isEmpty()) {
      return "histogram series have no finite le bound both sides share (is the query summed by (le)?)";
    }
    for (Map<Double, Double> side : List.of(h.canary(), h.primary())) {
      if (!side.isEmpty() && LatencyJudge.side(side, bounds) == null) {
        return "histogram buckets changed during the run: expected le bounds " + bounds + ", got "
            + side.keySet();
      }
    }
    return null;
  }

  /**
   * The latency judge: no canary requests in the interval is no data and holds the tick; a canary
   * shown slower at level alpha rolls back in this tick.
   */
  private static Verdict judgeLatency(MetricCheck check, MetricOutcome.Histograms h,
      CheckStatus previous, int weight, String canaryKey) {
    JudgeSpec spec = check.judge();
    JudgeStatus before = previous == null ? null : previous.judge();
    LatencyEvidence evidence = before == null ? null : before.latency();
    List<Double> bounds = evidence == null || evidence.bounds().isEmpty()
        ? LatencyJudge.bounds(h.canary(), h.primary()) : evidence.bounds();
    String bound = "e >= " + GoFormat.number(1 / spec.effectiveAlpha());
    LatencyJudge.Side canary = LatencyJudge.side(h.canary(), bounds);
    if (canary.requests() == 0) {
      JudgeStatus kept = before != null ? before : new JudgeStatus(List.of(), 1.0, null, null, null, null);
      return new Verdict(Effect.HOLD, OutcomeClass.NO_DATA, null, kept.eValue(), bound, "Halt "
          + canaryKey + " advancement judge " + check.name() + " saw no canary requests", before);
    }
    LatencyJudge.Look look = LatencyJudge.look(evidence == null || evidence.bounds().isEmpty() ? null : evidence,
        spec, weight, bounds, canary, LatencyJudge.side(h.primary(), bounds));
    JudgeStatus after = look.status();
    LatencyEvidence l = after.latency();
    String text = "e-value " + GoFormat.twoDecimals(after.eValue()) + ", requests slower than le="
        + (l.bound() == null ? "?" : GoFormat.number(l.bound())) + " canary " + ratio(after.rateRatio())
        + "x primary [" + ratio(after.ratioLower() == null ? 0.0 : after.ratioLower()) + ", "
        + ratio(after.ratioUpper()) + "], p99 canary " + latency(l.canaryP99()) + " primary "
        + latency(l.primaryP99());
    switch (look.outcome()) {
      case FAIL:
        return new Verdict(Effect.ROLL_BACK, OutcomeClass.FAIL, CheckKind.JUDGE, after.eValue(), bound,
            "Rolling back " + canaryKey + " judge " + check.name()
                + " canary latency higher than primary's: " + text, after);
      case PASS:
        return new Verdict(Effect.ADVANCE, OutcomeClass.PASS, null, after.eValue(), bound,
            "Judge " + check.name() + " canary latency not worse than "
                + GoFormat.number(spec.effectiveMinRatio()) + "x primary's up to its p99: " + text, after);
      default:
        return new Verdict(Effect.ADVANCE, OutcomeClass.INCONCLUSIVE, null, after.eValue(), bound,
            null, after);
    }
  }

  private static String latency(Double value) {
    return value == null ? "?" : GoFormat.number(Math.round(value * 1000) / 1000.0);
  }

  private static String ratio(Double value) {
    if (value == null) {
      return "?";
    }
    return Double.isInfinite(value) ? "inf" : GoFormat.twoDecimals(value);
  }

  private static Verdict violation(MetricCheck check, double value, double bound, String op,
      String canaryKey) {
    String observed;
    String limit;
    String message;
    if (check.isBuiltin() && MetricCheck.REQUEST_SUCCESS_RATE.equals(check.name())) {
      observed = GoFormat.twoDecimals(value) + "%";
      limit = GoFormat.number(bound);
      message = "Halt " + canaryKey + " advancement success rate " + observed + " " + op + " "
          + limit + "%";
    } else if (check.isBuiltin() && MetricCheck.REQUEST_DURATION.equals(check.name())) {
      observed = GoFormat.durationFromMillis(value);
      limit = GoFormat.durationFromMillis(bound);
      message = "Halt " + canaryKey + " advancement request duration " + observed + " " + op + " "
          + limit;
    } else {
      limit = GoFormat.number(bound);
      message = "Halt " + canaryKey + " advancement " + check.name() + " "
          + GoFormat.twoDecimals(value) + " " + op + " " + limit;
    }
    return fail(CheckKind.METRIC, check.name(), value, op + " " + limit, message);
  }

  private static String queryFailedText(MetricCheck check, String error) {
    if (check.templateRef() != null) {
      return "Metric query failed for " + check.name() + ": " + error;
    }
    if (check.query() != null) {
      return "Prometheus query failed for " + check.name() + ": " + error;
    }
    return "Prometheus query failed: " + error;
  }

  private static String noDataText(MetricCheck check, String detail, String targetKey,
      String routerKind) {
    if (check.templateRef() != null) {
      return "Halt advancement no values found for custom metric: " + check.name() + ": " + detail;
    }
    if (check.query() != null) {
      return "Halt advancement no values found for metric: " + check.name();
    }
    String text = "Halt advancement no values found for " + routerKind + " metric " + check.name()
        + " probably " + targetKey + " is not receiving traffic";
    return MetricCheck.REQUEST_DURATION.equals(check.name()) ? text : text + ": " + detail;
  }
}
