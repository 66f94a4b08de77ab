package io.canaryanalysis.metrics.prometheus;

import io.canaryanalysis.api.MetricQuery;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.spec.MetricKind;
import io.canaryanalysis.api.spec.SeriesAggregation;
import io.canaryanalysis.metrics.prometheus.PrometheusClient.QueryResult;
import io.canaryanalysis.metrics.prometheus.PrometheusClient.Series;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Turns an instant-query result into one {@link MetricResult}: on purpose, never "last series
 * wins" (Flagger's behaviour).
 */
final class ResultReducer {
  static final int LABEL_SETS_SHOWN = 3;

  private ResultReducer() {}

  static MetricResult reduce(MetricQuery query, QueryResult result) {
    return query.kind() == MetricKind.ALERT ? alert(result) : value(query.aggregation(), result);
  }

  private static MetricResult alert(QueryResult result) {
    switch (result.type()) {
      case VECTOR:
        return MetricResult.value(result.series().size());
      case SCALAR:
        return MetricResult.failed("alert expression returned a scalar; an alert expression must "
            + "return an instant vector whose series are the firing alerts");
      default:
        return wrongType(result);
    }
  }

  private static MetricResult value(SeriesAggregation aggregation, QueryResult result) {
    switch (result.type()) {
      case SCALAR:
        return single(result.series().get(0), "query returned the scalar NaN");
      case VECTOR:
        break;
      default:
        return wrongType(result);
    }
    List<Series> series = result.series();
    if (series.isEmpty()) {
      return MetricResult.noData("query returned no series");
    }
    if (series.size() == 1) {
      return single(series.get(0), "query returned NaN for " + labelSet(series.get(0)));
    }
    if (aggregation == SeriesAggregation.NONE) {
      return MetricResult.failed("query returned " + series.size() + " series where one was "
          + "expected (set aggregation to sum, min, max or avg to combine them, or aggregate in "
          + "the query): " + labelSets(series));
    }
    return aggregate(aggregation, series);
  }

  /** Aggregates the non-NaN series values; all NaN is no data. */
  private static MetricResult aggregate(SeriesAggregation aggregation, List<Series> series) {
    double[] values = series.stream()
        .mapToDouble(s -> s.samples().get(0).value())
        .filter(v -> !Double.isNaN(v))
        .toArray();
    if (values.length == 0) {
      return MetricResult.noData("all " + series.size() + " series are NaN");
    }
    double out;
    switch (aggregation) {
      case SUM:
        out = 0;
        for (double v : values) {
          out += v;
        }
        break;
      case MIN:
        out = Double.POSITIVE_INFINITY;
        for (double v : values) {
          out = Math.min(out, v);
        }
        break;
      case MAX:
        out = Double.NEGATIVE_INFINITY;
        for (double v : values) {
          out = Math.max(out, v);
        }
        break;
      case AVG:
        double sum = 0;
        for (double v : values) {
          sum += v;
        }
        out = sum / values.length;
        break;
      default:
        throw new IllegalStateException("unhandled aggregation " + aggregation);
    }
    // +Inf + -Inf (sum or avg) is NaN: there is no meaningful value.
    return Double.isNaN(out)
        ? MetricResult.failed(aggregation.manifestValue() + " of the series values is undefined "
            + "(+Inf and -Inf together): " + labelSets(series))
        : MetricResult.value(out);
  }

  private static MetricResult single(Series series, String nanDetail) {
    double v = series.samples().get(0).value();
    return Double.isNaN(v) ? MetricResult.noData(nanDetail) : MetricResult.value(v);
  }

  private static MetricResult wrongType(QueryResult result) {
    if (result.type() == PrometheusClient.ResultType.MATRIX) {
      return MetricResult.failed("query returned a range vector (matrix) with "
          + result.series().size() + " series; an instant query must return one value: drop the "
          + "range selector or wrap it in a function such as rate()");
    }
    return MetricResult.failed("query returned a " + result.type().wireName()
        + " result; expected an instant vector or a scalar");
  }

  static String labelSets(List<Series> series) {
    String shown = series.stream().limit(LABEL_SETS_SHOWN).map(ResultReducer::labelSet)
        .collect(Collectors.joining(", "));
    int rest = series.size() - LABEL_SETS_SHOWN;
    return rest > 0 ? shown + " and " + rest + " more" : shown;
  }

  /** Prometheus notation: {@code name{a="1", b="2"}} with labels sorted. */
  static String labelSet(Series series) {
    Map<String, String> labels = new TreeMap<>(series.labels());
    String name = labels.remove("__name__");
    String body = labels.entrySet().stream()
        .map(e -> e.getKey() + "=\"" + e.getValue().replace("\\", "\\\\").replace("\"", "\\\"") + "\"")
        .collect(Collectors.joining(", ", "{", "}"));
    return name == null ? body : name + body;
  }
}
