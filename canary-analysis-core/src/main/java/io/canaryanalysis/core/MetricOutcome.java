package io.canaryanalysis.core;

import io.canaryanalysis.api.MetricResult;
import java.util.Map;
import java.util.Objects;

/** What evaluating one metric check produced: a provider result, or a setup error before any query ran. */
sealed interface MetricOutcome permits MetricOutcome.Measured, MetricOutcome.SetupError,
    MetricOutcome.Counts, MetricOutcome.Histograms {

  /** The provider answered (a value, no data, or a failed query). */
  record Measured(MetricResult result) implements MetricOutcome {
    public Measured {
      Objects.requireNonNull(result, "result");
    }
  }

  /**
   * The query could not be built: missing template, provider error, render error. {@code message}
   * is the complete event text, for example {@code Metric template errors.test error: not found}.
   */
  record SetupError(String message) implements MetricOutcome {
    public SetupError {
      Objects.requireNonNull(message, "message");
    }
  }

  /**
   * A judge's four series for the last interval, rounded to whole requests (an absent series is 0).
   */
  record Counts(long canaryErrors, long canaryRequests, long primaryErrors, long primaryRequests)
      implements MetricOutcome {}

  /**
   * A latency judge's two histograms for the last interval: cumulative counts per bucket bound
   * ({@code +Infinity} included); an empty map is a side without series.
   */
  record Histograms(Map<Double, Double> canary, Map<Double, Double> primary) implements MetricOutcome {
    public Histograms {
      canary = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(canary));
      primary = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(primary));
    }
  }
}
