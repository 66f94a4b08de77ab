package io.canaryanalysis.metrics.prometheus;

import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.MetricQuery;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.spec.MetricKind;
import io.canaryanalysis.api.spec.SeriesAggregation;
import io.canaryanalysis.metrics.prometheus.PrometheusClient.QueryResult;
import io.canaryanalysis.metrics.prometheus.PrometheusClient.ResultType;
import io.canaryanalysis.metrics.prometheus.PrometheusClient.Sample;
import io.canaryanalysis.metrics.prometheus.PrometheusClient.Series;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Edge cases of reducing a result to one value that are awkward to provoke on a server. */
class ResultReducerTest {

  private static QueryResult vector(double... values) {
    List<Series> series = new ArrayList<>();
    for (int i = 0; i < values.length; i++) {
      series.add(new Series(Map.of("__name__", "m", "pod", "p" + i),
          List.of(new Sample(Instant.EPOCH, values[i]))));
    }
    return new QueryResult(ResultType.VECTOR, series);
  }

  private static MetricResult reduce(QueryResult result, MetricKind kind, SeriesAggregation aggregation) {
    return ResultReducer.reduce(new MetricQuery("q", kind, aggregation, null), result);
  }

  @Test
  void aggregationsLeaveNaNSeriesOut() {
    QueryResult result = vector(4, Double.NaN, 2);

    assertThat(reduce(result, MetricKind.VALUE, SeriesAggregation.SUM)).isEqualTo(MetricResult.value(6));
    assertThat(reduce(result, MetricKind.VALUE, SeriesAggregation.MIN)).isEqualTo(MetricResult.value(2));
    assertThat(reduce(result, MetricKind.VALUE, SeriesAggregation.MAX)).isEqualTo(MetricResult.value(4));
    assertThat(reduce(result, MetricKind.VALUE, SeriesAggregation.AVG)).isEqualTo(MetricResult.value(3));
  }

  @Test
  void aggregationOfOnlyNaNIsNoData() {
    assertThat(reduce(vector(Double.NaN, Double.NaN), MetricKind.VALUE, SeriesAggregation.SUM))
        .isInstanceOf(MetricResult.NoData.class);
  }

  @Test
  void sumOfOppositeInfinitiesFails() {
    assertThat(reduce(vector(Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY), MetricKind.VALUE,
        SeriesAggregation.SUM)).isInstanceOf(MetricResult.Failed.class);
    assertThat(reduce(vector(Double.POSITIVE_INFINITY, 1), MetricKind.VALUE, SeriesAggregation.MAX))
        .isEqualTo(MetricResult.value(Double.POSITIVE_INFINITY));
  }

  @Test
  void aggregationDoesNotApplyToOneSeriesOrEmpty() {
    assertThat(reduce(vector(Double.NaN), MetricKind.VALUE, SeriesAggregation.SUM)).isInstanceOf(MetricResult.NoData.class);
    assertThat(reduce(vector(), MetricKind.VALUE, SeriesAggregation.SUM)).isInstanceOf(MetricResult.NoData.class);
  }

  @Test
  void severalSeriesNeverLetTheLastWin() {
    MetricResult result = reduce(vector(1, 2), MetricKind.VALUE, SeriesAggregation.NONE);

    assertThat(result).isInstanceOf(MetricResult.Failed.class);
    assertThat(((MetricResult.Failed) result).message())
        .contains("2 series").contains("m{pod=\"p0\"}, m{pod=\"p1\"}");
  }

  @Test
  void alertCountsSeriesWhateverTheirValues() {
    assertThat(reduce(vector(), MetricKind.ALERT, SeriesAggregation.NONE)).isEqualTo(MetricResult.value(0));
    assertThat(reduce(vector(Double.NaN, 1, 7), MetricKind.ALERT, SeriesAggregation.SUM)).isEqualTo(MetricResult.value(3));
  }

  @Test
  void alertRejectsScalarMatrixAndString() {
    QueryResult scalar = new QueryResult(ResultType.SCALAR,
        List.of(new Series(Map.of(), List.of(new Sample(Instant.EPOCH, 1)))));
    QueryResult matrix = new QueryResult(ResultType.MATRIX, List.of());
    QueryResult string = new QueryResult(ResultType.STRING, List.of());

    assertThat(reduce(scalar, MetricKind.ALERT, SeriesAggregation.NONE)).isInstanceOf(MetricResult.Failed.class);
    assertThat(reduce(matrix, MetricKind.ALERT, SeriesAggregation.NONE)).isInstanceOf(MetricResult.Failed.class);
    assertThat(reduce(string, MetricKind.ALERT, SeriesAggregation.NONE)).isInstanceOf(MetricResult.Failed.class);
  }

  @Test
  void labelValuesAreEscapedInMessages() {
    Series s = new Series(Map.of("path", "/a\"b\\c"), List.of(new Sample(Instant.EPOCH, 1)));

    assertThat(ResultReducer.labelSet(s)).isEqualTo("{path=\"/a\\\"b\\\\c\"}");
  }

  @Test
  void prometheusValueSpellingsParse() {
    assertThat(ResponseParser.value("+Inf", "v")).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(ResponseParser.value("-Inf", "v")).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(ResponseParser.value("NaN", "v")).isNaN();
    assertThat(ResponseParser.value("1e-3", "v")).isEqualTo(0.001);
  }
}
