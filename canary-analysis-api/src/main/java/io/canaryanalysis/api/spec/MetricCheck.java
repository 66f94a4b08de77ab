package io.canaryanalysis.api.spec;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * One entry of {@code analysis.metrics}: a builtin metric ({@code request-success-rate},
 * {@code request-duration}), an inline query (deprecated in Flagger) or a {@code templateRef}.
 *
 * @param name unique within the analysis; a builtin name selects the builtin query
 * @param interval the query window rendered as {@code {{ interval }}}; null means the default, 1m
 *     (also for template metrics, where Flagger renders an empty string)
 * @param thresholdRange inclusive bounds; null means only the deprecated {@code threshold} applies
 * @param threshold Flagger's deprecated single threshold: a minimum for {@code request-success-rate},
 *     a maximum (milliseconds) for {@code request-duration} and for custom metrics; null if absent
 * @param query an inline PromQL query (deprecated in Flagger), or null
 * @param templateRef a MetricTemplate reference, or null
 * @param templateVariables values for {@code {{ variables.key }}}
 * @param kind extension: {@link MetricKind#ALERT} judges the query as an alert expression
 * @param aggregation extension: how several series become one value
 * @param onNoData extension: what an empty or NaN result means
 * @param acceptInfinite extension: judge +Inf and -Inf against the bounds as values; false (the
 *     default) makes them no data, since an infinite latency or ratio (empty histogram buckets,
 *     division by zero) is not evidence that a bound holds
 * @param consecutiveErrorLimit extension: provider errors in a row this check tolerates before the
 *     canary is rolled back; they never count as failed checks. Null falls back to
 *     {@code analysis.consecutiveErrorLimit}; null there too means Flagger's behaviour (a provider
 *     error is a failed check), except for a judge, whose default is {@value #DEFAULT_ERROR_LIMIT}
 * @param judge extension: compare canary and primary error counts with a sequential test instead
 *     of a threshold; null for a threshold check
 */
public record MetricCheck(
    String name,
    Duration interval,
    ThresholdRange thresholdRange,
    Double threshold,
    String query,
    TemplateRef templateRef,
    Map<String, String> templateVariables,
    MetricKind kind,
    SeriesAggregation aggregation,
    NoDataPolicy onNoData,
    boolean acceptInfinite,
    Integer consecutiveErrorLimit,
    JudgeSpec judge) {

  /** Flagger's builtin success-rate metric, in percent (0–100). */
  public static final String REQUEST_SUCCESS_RATE = "request-success-rate";
  /** Flagger's builtin latency metric, in milliseconds. */
  public static final String REQUEST_DURATION = "request-duration";
  /** The interval used when none is given. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(1);
  /** Argo Rollouts' {@code consecutiveErrorLimit} default: the fifth error in a row rolls back. */
  public static final int DEFAULT_ERROR_LIMIT = 4;

  public MetricCheck {
    Objects.requireNonNull(name, "name");
    query = Specs.blankToNull(query);
    templateVariables = Specs.map(templateVariables);
    kind = kind == null ? MetricKind.VALUE : kind;
    aggregation = aggregation == null ? SeriesAggregation.NONE : aggregation;
    onNoData = onNoData == null ? NoDataPolicy.FAIL : onNoData;
  }

  /** A threshold check without the extensions (the earlier canonical form). */
  public MetricCheck(String name, Duration interval, ThresholdRange thresholdRange, Double threshold,
      String query, TemplateRef templateRef, Map<String, String> templateVariables, MetricKind kind,
      SeriesAggregation aggregation, NoDataPolicy onNoData) {
    this(name, interval, thresholdRange, threshold, query, templateRef, templateVariables, kind,
        aggregation, onNoData, false, null, null);
  }

  /** A check without the issue-17 extensions (provider-error budget, judge). */
  public MetricCheck(String name, Duration interval, ThresholdRange thresholdRange, Double threshold,
      String query, TemplateRef templateRef, Map<String, String> templateVariables, MetricKind kind,
      SeriesAggregation aggregation, NoDataPolicy onNoData, boolean acceptInfinite) {
    this(name, interval, thresholdRange, threshold, query, templateRef, templateVariables, kind,
        aggregation, onNoData, acceptInfinite, null, null);
  }

  /** True for a canary-vs-primary judge check. */
  public boolean isJudge() {
    return judge != null;
  }

  /**
   * The provider-error budget of this check given the analysis' own, or null when provider errors
   * count as failed checks (Flagger).
   */
  public Integer effectiveErrorLimit(Integer analysisLimit) {
    if (consecutiveErrorLimit != null) {
      return consecutiveErrorLimit;
    }
    if (analysisLimit != null) {
      return analysisLimit;
    }
    return judge != null ? DEFAULT_ERROR_LIMIT : null;
  }

  /** The interval to render, never null. */
  public Duration effectiveInterval() {
    return interval == null ? DEFAULT_INTERVAL : interval;
  }

  /** True for {@code request-success-rate} and {@code request-duration} without a query or template. */
  public boolean isBuiltin() {
    return query == null && templateRef == null && judge == null
        && (REQUEST_SUCCESS_RATE.equals(name) || REQUEST_DURATION.equals(name));
  }

  /**
   * The bounds the value is judged against: {@code thresholdRange} when given, else the deprecated
   * {@code threshold} read as Flagger does (minimum for the success rate, maximum otherwise).
   * Returns null when neither is set.
   */
  public ThresholdRange effectiveRange() {
    if (thresholdRange != null) {
      return thresholdRange;
    }
    if (threshold == null) {
      return null;
    }
    return REQUEST_SUCCESS_RATE.equals(name) && isBuiltin()
        ? ThresholdRange.min(threshold)
        : ThresholdRange.max(threshold);
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  public Builder toBuilder() {
    Builder b = new Builder(name);
    b.interval = interval;
    b.thresholdRange = thresholdRange;
    b.threshold = threshold;
    b.query = query;
    b.templateRef = templateRef;
    b.templateVariables = templateVariables;
    b.kind = kind;
    b.aggregation = aggregation;
    b.onNoData = onNoData;
    b.acceptInfinite = acceptInfinite;
    b.consecutiveErrorLimit = consecutiveErrorLimit;
    b.judge = judge;
    return b;
  }

  /** Builds a {@link MetricCheck}; unset fields take Flagger's defaults. */
  public static final class Builder {
    private final String name;
    private Duration interval;
    private ThresholdRange thresholdRange;
    private Double threshold;
    private String query;
    private TemplateRef templateRef;
    private Map<String, String> templateVariables = Map.of();
    private MetricKind kind = MetricKind.VALUE;
    private SeriesAggregation aggregation = SeriesAggregation.NONE;
    private NoDataPolicy onNoData = NoDataPolicy.FAIL;
    private boolean acceptInfinite;
    private Integer consecutiveErrorLimit;
    private JudgeSpec judge;

    private Builder(String name) {
      this.name = name;
    }

    public Builder interval(Duration interval) {
      this.interval = interval;
      return this;
    }

    public Builder thresholdRange(Double min, Double max) {
      this.thresholdRange = new ThresholdRange(min, max);
      return this;
    }

    public Builder thresholdRange(ThresholdRange range) {
      this.thresholdRange = range;
      return this;
    }

    public Builder threshold(Double threshold) {
      this.threshold = threshold;
      return this;
    }

    public Builder query(String query) {
      this.query = query;
      return this;
    }

    public Builder templateRef(TemplateRef templateRef) {
      this.templateRef = templateRef;
      return this;
    }

    public Builder templateRef(String name) {
      this.templateRef = new TemplateRef(name, null);
      return this;
    }

    public Builder templateVariables(Map<String, String> templateVariables) {
      this.templateVariables = templateVariables;
      return this;
    }

    public Builder kind(MetricKind kind) {
      this.kind = kind;
      return this;
    }

    public Builder aggregation(SeriesAggregation aggregation) {
      this.aggregation = aggregation;
      return this;
    }

    public Builder onNoData(NoDataPolicy onNoData) {
      this.onNoData = onNoData;
      return this;
    }

    /** Judge ±Inf as values instead of no data. */
    public Builder acceptInfinite(boolean acceptInfinite) {
      this.acceptInfinite = acceptInfinite;
      return this;
    }

    public Builder consecutiveErrorLimit(Integer consecutiveErrorLimit) {
      this.consecutiveErrorLimit = consecutiveErrorLimit;
      return this;
    }

    public Builder judge(JudgeSpec judge) {
      this.judge = judge;
      return this;
    }

    public MetricCheck build() {
      return new MetricCheck(name, interval, thresholdRange, threshold, query, templateRef,
          templateVariables, kind, aggregation, onNoData, acceptInfinite, consecutiveErrorLimit, judge);
    }
  }
}
