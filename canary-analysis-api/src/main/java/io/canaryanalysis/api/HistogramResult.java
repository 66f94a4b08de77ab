package io.canaryanalysis.api;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The outcome of a histogram query: one series per bucket bound ({@code le} label), as Prometheus
 * reports a histogram, or why there is none. A latency judge reads it; a provider that does not
 * read histograms answers {@link Failed}.
 */
public sealed interface HistogramResult permits HistogramResult.Buckets, HistogramResult.NoData,
    HistogramResult.Failed {

  /**
   * Cumulative counts per bucket bound, ascending by bound: the count at {@code le} is the number
   * of observations at most {@code le}; {@code +Infinity} is the bound of all of them.
   */
  record Buckets(Map<Double, Double> cumulative) implements HistogramResult {
    public Buckets {
      Objects.requireNonNull(cumulative, "cumulative");
      TreeMap<Double, Double> sorted = new TreeMap<>();
      for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
        double le = Objects.requireNonNull(e.getKey(), "le");
        double count = Objects.requireNonNull(e.getValue(), "count");
        if (Double.isNaN(le) || le == Double.NEGATIVE_INFINITY) {
          throw new IllegalArgumentException("bucket bound must be a number or +Inf, got " + le);
        }
        if (!(count >= 0) || Double.isInfinite(count)) {
          throw new IllegalArgumentException("bucket count for le=" + le + " must be a finite number >= 0, got " + count);
        }
        sorted.put(le, count);
      }
      cumulative = Collections.unmodifiableMap(sorted);
    }
  }

  /** The query ran but returned no series. */
  record NoData(String detail) implements HistogramResult {
    public NoData {
      Objects.requireNonNull(detail, "detail");
    }
  }

  /** The query did not run or its answer is not a histogram. The message never contains credentials. */
  record Failed(String message) implements HistogramResult {
    public Failed {
      Objects.requireNonNull(message, "message");
    }
  }
}
