package io.canaryanalysis.api;

import io.canaryanalysis.api.spec.MetricKind;
import io.canaryanalysis.api.spec.SeriesAggregation;
import java.time.Instant;
import java.util.Objects;

/**
 * A rendered query and how its result becomes one number.
 *
 * @param query the query text with every placeholder already substituted
 * @param kind {@link MetricKind#VALUE}: one number; {@link MetricKind#ALERT}: the number of series
 *     returned (0 when none), so an alert expression passes when it matches nothing
 * @param aggregation how several series become one value; {@link SeriesAggregation#NONE} makes
 *     several series an error
 * @param evaluationTime evaluate "as of" this instant; null means the provider's now
 * @param checkName the name of the metric check the query belongs to, for logs and meters; null
 *     when the query is not a check's
 */
public record MetricQuery(String query, MetricKind kind, SeriesAggregation aggregation,
    Instant evaluationTime, String checkName) {
  public MetricQuery {
    Objects.requireNonNull(query, "query");
    kind = kind == null ? MetricKind.VALUE : kind;
    aggregation = aggregation == null ? SeriesAggregation.NONE : aggregation;
  }

  /** A query that belongs to no named check. */
  public MetricQuery(String query, MetricKind kind, SeriesAggregation aggregation, Instant evaluationTime) {
    this(query, kind, aggregation, evaluationTime, null);
  }

  /** A single-value query evaluated now. */
  public static MetricQuery of(String query) {
    return new MetricQuery(query, MetricKind.VALUE, SeriesAggregation.NONE, null);
  }
}
