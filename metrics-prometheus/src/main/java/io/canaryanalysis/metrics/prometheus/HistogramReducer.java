package io.canaryanalysis.metrics.prometheus;

import io.canaryanalysis.api.HistogramResult;
import io.canaryanalysis.metrics.prometheus.PrometheusClient.QueryResult;
import io.canaryanalysis.metrics.prometheus.PrometheusClient.Series;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns an instant-query result into a histogram: one series per {@code le} label, as
 * {@code sum by (le) (increase(x_bucket[1m]))} returns. Anything else fails with the reason, so a
 * query that lost {@code le} or kept other labels is a clear error rather than a wrong histogram.
 */
final class HistogramReducer {
  private HistogramReducer() {}

  static HistogramResult reduce(QueryResult result) {
    if (result.type() != PrometheusClient.ResultType.VECTOR) {
      return new HistogramResult.Failed("histogram query returned a " + result.type().wireName()
          + " result; expected an instant vector with one series per le (sum by (le) (increase(x_bucket[...])))");
    }
    List<Series> series = result.series();
    if (series.isEmpty()) {
      return new HistogramResult.NoData("query returned no series");
    }
    Map<Double, Double> cumulative = new TreeMap<>();
    int nan = 0;
    for (Series s : series) {
      String le = s.labels().get("le");
      if (le == null) {
        return new HistogramResult.Failed("histogram series without an le label: "
            + ResultReducer.labelSet(s) + " (aggregate with sum by (le))");
      }
      double bound;
      try {
        bound = parseBound(le);
      } catch (NumberFormatException e) {
        return new HistogramResult.Failed("histogram series with le=\"" + le + "\", not a number: "
            + ResultReducer.labelSet(s));
      }
      double value = s.samples().get(0).value();
      if (Double.isNaN(value)) {
        nan++;
        continue;
      }
      if (value < 0 || Double.isInfinite(value)) {
        return new HistogramResult.Failed("histogram bucket le=\"" + le + "\" is " + value
            + ", not a count of requests");
      }
      if (cumulative.put(bound, value) != null) {
        return new HistogramResult.Failed("several histogram series for le=\"" + le + "\": "
            + ResultReducer.labelSets(series) + " (aggregate with sum by (le))");
      }
    }
    if (cumulative.isEmpty()) {
      return new HistogramResult.NoData("all " + nan + " histogram series are NaN");
    }
    if (!cumulative.containsKey(Double.POSITIVE_INFINITY)) {
      return new HistogramResult.Failed("histogram has no le=\"+Inf\" bucket (the count of all requests)");
    }
    return new HistogramResult.Buckets(cumulative);
  }

  private static double parseBound(String le) {
    String t = le.strip();
    if (t.equals("+Inf") || t.equals("Inf")) {
      return Double.POSITIVE_INFINITY;
    }
    double v = Double.parseDouble(t);
    if (Double.isNaN(v) || v == Double.NEGATIVE_INFINITY) {
      throw new NumberFormatException(le);
    }
    return v;
  }
}
