package io.canaryanalysis.metrics.prometheus;

import static io.canaryanalysis.metrics.prometheus.CanaryTrafficSeries.AFTER_BURST;
import static io.canaryanalysis.metrics.prometheus.CanaryTrafficSeries.BEFORE_BURST;
import static io.canaryanalysis.metrics.prometheus.CanaryTrafficSeries.DURING_BURST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.canaryanalysis.api.MetricQuery;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.spec.MetricKind;
import io.canaryanalysis.api.spec.SeriesAggregation;
import io.canaryanalysis.metrics.prometheus.PrometheusClient.QueryResult;
import io.canaryanalysis.metrics.prometheus.PrometheusClient.ResultType;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** How each kind of real Prometheus answer becomes a {@link MetricResult}. */
class ResultHandlingRealPrometheusTest {
  @RegisterExtension
  static final PrometheusServerExtension PROMETHEUS =
      new PrometheusServerExtension(CanaryTrafficSeries::openMetrics);

  private static final String CANARY_ISTIO = "reporter=\"destination\", "
      + "destination_workload_namespace=\"test\", destination_workload=\"podinfo\"";
  private static final String BY_RESPONSE_CODE =
      "sum by (response_code) (rate(istio_requests_total{" + CANARY_ISTIO + "}[1m]))";
  private static final String ERROR_BURST_ALERT = "increase(istio_requests_total{reporter=\"destination\", "
      + "destination_workload_namespace=\"test\", response_code=~\"5..\"}[1m]) > 50";

  private static MetricResult query(String promql, MetricKind kind, SeriesAggregation aggregation, Instant at) {
    return new PrometheusMetricProvider(PROMETHEUS.clientBuilder().build())
        .query(new MetricQuery(promql, kind, aggregation, at));
  }

  private static MetricResult value(String promql, Instant at) {
    return query(promql, MetricKind.VALUE, SeriesAggregation.NONE, at);
  }

  @Test
  void oneSeriesVectorIsItsValue() {
    assertThat(value("sum(rate(istio_requests_total{" + CANARY_ISTIO + "}[1m]))", BEFORE_BURST))
        .isEqualTo(MetricResult.value(20.0));
  }

  @Test
  void scalarIsAValue() {
    MetricResult result = value("scalar(sum(rate(istio_requests_total{" + CANARY_ISTIO
        + ", response_code=\"500\"}[1m])))", DURING_BURST);

    assertThat(result).isEqualTo(MetricResult.value(4.0));
  }

  @Test
  void clientReportsScalarResultType() {
    QueryResult result = PROMETHEUS.clientBuilder().build().query("1 + 1", BEFORE_BURST);

    assertThat(result.type()).isEqualTo(ResultType.SCALAR);
    assertThat(result.series()).singleElement().satisfies(s -> {
      assertThat(s.labels()).isEmpty();
      assertThat(s.samples()).singleElement().satisfies(sample -> {
        assertThat(sample.value()).isEqualTo(2.0);
        assertThat(sample.time()).isEqualTo(BEFORE_BURST);
      });
    });
  }

  @Test
  void emptyVectorIsNoData() {
    MetricResult result = value("sum(rate(istio_requests_total{destination_workload=\"absent\"}[1m]))",
        BEFORE_BURST);

    assertThat(result).isInstanceOf(MetricResult.NoData.class);
    assertThat(((MetricResult.NoData) result).detail()).contains("no series");
  }

  @Test
  void zeroDividedByZeroIsNoData() {
    MetricResult result = value("sum(rate(idle_requests_total[1m])) / sum(rate(idle_requests_total[1m]))",
        BEFORE_BURST);

    assertThat(result).isInstanceOf(MetricResult.NoData.class);
    assertThat(((MetricResult.NoData) result).detail()).contains("NaN");
  }

  @Test
  void scalarNaNIsNoData() {
    assertThat(value("scalar(sum(rate(idle_requests_total[1m])) / sum(rate(idle_requests_total[1m])))",
        BEFORE_BURST)).isInstanceOf(MetricResult.NoData.class);
  }

  @Test
  void divisionByZeroGivesInfinity() {
    assertThat(value("sum(rate(istio_requests_total{" + CANARY_ISTIO + "}[1m])) / 0", BEFORE_BURST))
        .isEqualTo(MetricResult.value(Double.POSITIVE_INFINITY));
    assertThat(value("-1 * sum(rate(istio_requests_total{" + CANARY_ISTIO + "}[1m])) / 0", BEFORE_BURST))
        .isEqualTo(MetricResult.value(Double.NEGATIVE_INFINITY));
  }

  @Test
  void severalSeriesWithoutAggregationFailNamingCountAndLabelSets() {
    MetricResult result = value(BY_RESPONSE_CODE, BEFORE_BURST);

    assertThat(result).isInstanceOf(MetricResult.Failed.class);
    assertThat(((MetricResult.Failed) result).message())
        .contains("2 series")
        .contains("{response_code=\"200\"}")
        .contains("{response_code=\"500\"}")
        .contains("aggregation");
  }

  @Test
  void severalSeriesAreAggregatedWhenAsked() {
    // Before the burst: 19.8 ok/s and 0.2 errors/s.
    assertThat(aggregated(SeriesAggregation.SUM)).isCloseTo(20.0, within(1e-9));
    assertThat(aggregated(SeriesAggregation.MIN)).isCloseTo(0.2, within(1e-9));
    assertThat(aggregated(SeriesAggregation.MAX)).isCloseTo(19.8, within(1e-9));
    assertThat(aggregated(SeriesAggregation.AVG)).isCloseTo(10.0, within(1e-9));
  }

  private static double aggregated(SeriesAggregation aggregation) {
    MetricResult result = query(BY_RESPONSE_CODE, MetricKind.VALUE, aggregation, BEFORE_BURST);
    assertThat(result).as("%s", aggregation).isInstanceOf(MetricResult.Value.class);
    return ((MetricResult.Value) result).value();
  }

  @Test
  void matrixFromAnInstantQueryFails() {
    MetricResult result = value("istio_requests_total{" + CANARY_ISTIO + "}[1m]", BEFORE_BURST);

    assertThat(result).isInstanceOf(MetricResult.Failed.class);
    assertThat(((MetricResult.Failed) result).message()).contains("matrix").contains("2 series");
  }

  @Test
  void stringResultFails() {
    MetricResult result = value("\"podinfo\"", BEFORE_BURST);

    assertThat(result).isInstanceOf(MetricResult.Failed.class);
    assertThat(((MetricResult.Failed) result).message()).contains("string");
  }

  @Test
  void invalidPromQlFailsWithPrometheusError() {
    MetricResult result = value("sum(rate(istio_requests_total[1m]", BEFORE_BURST);

    assertThat(result).isInstanceOf(MetricResult.Failed.class);
    assertThat(((MetricResult.Failed) result).message())
        .contains("HTTP 400")
        .contains("bad_data")
        .contains("parse error");
  }

  @Test
  void alertExpressionFiresDuringTheBurstOnly() {
    assertThat(query(ERROR_BURST_ALERT, MetricKind.ALERT, SeriesAggregation.NONE, BEFORE_BURST))
        .isEqualTo(MetricResult.value(0));
    assertThat(query(ERROR_BURST_ALERT, MetricKind.ALERT, SeriesAggregation.NONE, DURING_BURST))
        .isEqualTo(MetricResult.value(1));
    assertThat(query(ERROR_BURST_ALERT, MetricKind.ALERT, SeriesAggregation.NONE, AFTER_BURST))
        .isEqualTo(MetricResult.value(0));
  }

  @Test
  void alertValueIsTheNumberOfSeries() {
    // canary 200 and 500, primary 200 and 503: four NGINX series with traffic in namespace test.
    MetricResult result = query("rate(nginx_ingress_controller_requests{namespace=\"test\"}[1m]) > 0",
        MetricKind.ALERT, SeriesAggregation.NONE, BEFORE_BURST);

    assertThat(result).isEqualTo(MetricResult.value(4));
  }

  @Test
  void alertOnAbsentMetricIsZeroNotNoData() {
    assertThat(query("absent_metric_total > 0", MetricKind.ALERT, SeriesAggregation.NONE, BEFORE_BURST))
        .isEqualTo(MetricResult.value(0));
  }

  @Test
  void evaluationTimeSelectsTheWindow() {
    String errors = "sum(rate(istio_requests_total{" + CANARY_ISTIO + ", response_code=\"500\"}[1m]))";

    assertThat(value(errors, BEFORE_BURST)).isEqualTo(MetricResult.value(0.2));
    assertThat(value(errors, DURING_BURST)).isEqualTo(MetricResult.value(4.0));
  }

  @Test
  void rangeQueryReturnsOneSeriesPerLabelSet() {
    PrometheusClient client = PROMETHEUS.clientBuilder().build();
    Instant start = CanaryTrafficSeries.at(Duration.ofMinutes(9));

    var series = client.queryRange(BY_RESPONSE_CODE, start, start.plusSeconds(240), Duration.ofMinutes(2));

    assertThat(series).hasSize(2);
    var errors = series.stream().filter(s -> "500".equals(s.labels().get("response_code"))).findFirst().orElseThrow();
    // minute 9 (steady), 11 and 13 (burst)
    assertThat(errors.samples()).extracting(PrometheusClient.Sample::value).containsExactly(0.2, 4.0, 4.0);
  }

  @Test
  void rangeQueryRejectsNonPositiveStep() {
    PrometheusClient client = PROMETHEUS.clientBuilder().build();

    assertThatThrownBy(() -> client.queryRange("vector(1)", BEFORE_BURST, AFTER_BURST, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("step");
  }

  @Test
  void rangeQueryErrorsAreProviderExceptions() {
    PrometheusClient client = PROMETHEUS.clientBuilder().build();

    assertThatThrownBy(() -> client.queryRange("rate(", BEFORE_BURST, AFTER_BURST, Duration.ofMinutes(1)))
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("HTTP 400")
        .hasMessageContaining("bad_data")
        .satisfies(e -> assertThat(((ProviderException) e).retriable()).isFalse());
  }

  @Test
  void isOnlineAgainstTheRealServer() {
    assertThat(new PrometheusMetricProvider(PROMETHEUS.clientBuilder().build()).isOnline()).isTrue();
  }

  @Test
  void isOfflineWhereNothingListens() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    PrometheusMetricProvider provider = new PrometheusMetricProvider(
        PrometheusClient.builder("http://127.0.0.1:" + port).timeout(Duration.ofSeconds(2)).build());

    assertThat(provider.isOnline()).isFalse();
    MetricResult result = provider.query(MetricQuery.of("vector(1)"));
    assertThat(result).isInstanceOf(MetricResult.Failed.class);
    assertThat(((MetricResult.Failed) result).message()).contains("connection refused").contains(":" + port);
  }

  @Test
  void queryWithoutEvaluationTimeRunsAtNow() {
    // The data lies in 2023; "now" sees none of it, which is no data rather than an error.
    assertThat(value("sum(rate(istio_requests_total[1m]))", null)).isInstanceOf(MetricResult.NoData.class);
    assertThat(value("vector(7)", null)).isEqualTo(MetricResult.value(7));
  }

  @Test
  void providerFactoryBuildsAWorkingProvider() {
    var provider = new PrometheusProviderFactory(io.canaryanalysis.api.SecretResolver.none())
        .create(io.canaryanalysis.api.spec.MetricTemplateProvider.prometheus(PROMETHEUS.baseUrl() + "/"), "test");

    assertThat(provider.query(new MetricQuery("sum(rate(istio_requests_total{" + CANARY_ISTIO + "}[1m]))",
        MetricKind.VALUE, SeriesAggregation.NONE, DURING_BURST))).isEqualTo(MetricResult.value(20.0));
    assertThat(provider.isOnline()).isTrue();
  }
}
