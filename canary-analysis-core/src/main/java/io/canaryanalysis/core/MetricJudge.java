package io.canaryanalysis.core;

import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.MetricKind;
import io.canaryanalysis.api.spec.ThresholdRange;
import io.canaryanalysis.api.status.CheckKind;

/**
 * Judges one metric outcome against its check, producing Flagger's Halt texts (flagger.md §2.8,
 * §2.13, §4.1, §4.2).
 */
final class MetricJudge {
  private MetricJudge() {}

  /** The judgement of one metric check. */
  sealed interface Verdict permits Pass, Fail, Hold {}

  /** The check passed. */
  record Pass() implements Verdict {}

  /** The check failed and counts towards the threshold. */
  record Fail(CheckKind kind, String check, Double value, String bound, String message)
      implements Verdict {}

  /** No data under {@code onNoData: hold}: the tick halts without counting a failure. */
  record Hold(String message) implements Verdict {}

  private static final Pass PASS = new Pass();

  /**
   * @param canaryKey {@code name.namespace} of the canary
   * @param targetKey {@code target.namespace}
   * @param routerKind the router kind, named in the builtin no-data text
   */
  static Verdict judge(MetricCheck check, MetricOutcome outcome, String canaryKey,
      String targetKey, String routerKind) {
    if (outcome instanceof MetricOutcome.SetupError) {
      return new Fail(CheckKind.METRIC_ERROR, check.name(), null, null,
          ((MetricOutcome.SetupError) outcome).message());
    }
    MetricResult result = ((MetricOutcome.Measured) outcome).result();
    if (result instanceof MetricResult.Failed) {
      return new Fail(CheckKind.METRIC_ERROR, check.name(), null, null,
          queryFailedText(check, ((MetricResult.Failed) result).message()));
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
        return PASS;
      }
      long series = (long) value;
      return new Fail(CheckKind.METRIC, check.name(), value, "== 0 series",
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
    return PASS;
  }

  private static Verdict noData(MetricCheck check, String detail, String targetKey, String routerKind) {
    String text = noDataText(check, detail, targetKey, routerKind);
    switch (check.onNoData()) {
      case PASS:
        return PASS;
      case HOLD:
        return new Hold(text);
      default:
        return new Fail(CheckKind.METRIC_NO_DATA, check.name(), null, null, text);
    }
  }

  private static Fail violation(MetricCheck check, double value, double bound, String op,
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
    return new Fail(CheckKind.METRIC, check.name(), value, op + " " + limit, message);
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
