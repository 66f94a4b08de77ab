package io.canaryanalysis.api;

import java.util.Objects;

/**
 * The outcome of one metric query. No data and a failed query are distinct results so a metric
 * can decide what no data means ({@link io.canaryanalysis.api.spec.NoDataPolicy}); neither ever
 * counts as a pass on its own.
 */
public sealed interface MetricResult permits MetricResult.Value, MetricResult.NoData, MetricResult.Failed {

  /** A number (may be ±Infinity, never NaN). */
  record Value(double value) implements MetricResult {
    public Value {
      if (Double.isNaN(value)) {
        throw new IllegalArgumentException("NaN is no data, not a value");
      }
    }
  }

  /** The query ran but returned no series, or NaN. */
  record NoData(String detail) implements MetricResult {
    public NoData {
      Objects.requireNonNull(detail, "detail");
    }
  }

  /**
   * The query did not run or its answer was unusable (HTTP error, timeout, malformed body,
   * several series without an aggregation). The message never contains credentials.
   */
  record Failed(String message) implements MetricResult {
    public Failed {
      Objects.requireNonNull(message, "message");
    }
  }

  static MetricResult value(double value) {
    return new Value(value);
  }

  static MetricResult noData(String detail) {
    return new NoData(detail);
  }

  static MetricResult failed(String message) {
    return new Failed(message);
  }
}
