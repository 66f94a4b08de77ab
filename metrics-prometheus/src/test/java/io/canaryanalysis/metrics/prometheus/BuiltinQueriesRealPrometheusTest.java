package io.canaryanalysis.metrics.prometheus;

import static io.canaryanalysis.metrics.prometheus.CanaryTrafficSeries.AFTER_BURST;
import static io.canaryanalysis.metrics.prometheus.CanaryTrafficSeries.BEFORE_BURST;
import static io.canaryanalysis.metrics.prometheus.CanaryTrafficSeries.DURING_BURST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.canaryanalysis.api.MetricQuery;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.MetricKind;
import io.canaryanalysis.api.spec.SeriesAggregation;
import io.canaryanalysis.metrics.prometheus.PrometheusClient.Sample;
import io.canaryanalysis.metrics.prometheus.PrometheusClient.Series;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Flagger's builtin queries, rendered for {@code test/podinfo}, against a real Prometheus holding
 * {@link CanaryTrafficSeries}; every expected value is derived by hand in that class's Javadoc.
 */
class BuiltinQueriesRealPrometheusTest {
  @RegisterExtension
  static final PrometheusServerExtension PROMETHEUS =
      new PrometheusServerExtension(CanaryTrafficSeries::openMetrics);

  private static final PrometheusBuiltinQueries BUILTINS = new PrometheusBuiltinQueries();
  private static final double EXACT = 1e-9;

  static Stream<Arguments> builtinValues() {
    return Stream.of(
        Arguments.of("traefik", MetricCheck.REQUEST_SUCCESS_RATE, BEFORE_BURST, 99.0),
        Arguments.of("traefik", MetricCheck.REQUEST_SUCCESS_RATE, DURING_BURST, 80.0),
        Arguments.of("traefik", MetricCheck.REQUEST_SUCCESS_RATE, AFTER_BURST, 99.0),
        Arguments.of("traefik", MetricCheck.REQUEST_DURATION, BEFORE_BURST, 450.0),
        Arguments.of("traefik", MetricCheck.REQUEST_DURATION, DURING_BURST, 900.0),
        Arguments.of("traefik", MetricCheck.REQUEST_DURATION, AFTER_BURST, 450.0),
        Arguments.of("istio", MetricCheck.REQUEST_SUCCESS_RATE, BEFORE_BURST, 99.0),
        Arguments.of("istio", MetricCheck.REQUEST_SUCCESS_RATE, DURING_BURST, 80.0),
        Arguments.of("istio", MetricCheck.REQUEST_SUCCESS_RATE, AFTER_BURST, 99.0),
        Arguments.of("istio", MetricCheck.REQUEST_DURATION, BEFORE_BURST, 220.0),
        Arguments.of("istio", MetricCheck.REQUEST_DURATION, DURING_BURST, 450.0),
        Arguments.of("istio", MetricCheck.REQUEST_DURATION, AFTER_BURST, 220.0),
        Arguments.of("nginx", MetricCheck.REQUEST_SUCCESS_RATE, BEFORE_BURST, 99.0),
        Arguments.of("nginx", MetricCheck.REQUEST_SUCCESS_RATE, DURING_BURST, 80.0),
        Arguments.of("nginx", MetricCheck.REQUEST_SUCCESS_RATE, AFTER_BURST, 99.0),
        Arguments.of("nginx", MetricCheck.REQUEST_DURATION, BEFORE_BURST, 50.0),
        Arguments.of("nginx", MetricCheck.REQUEST_DURATION, DURING_BURST, 120.0),
        Arguments.of("nginx", MetricCheck.REQUEST_DURATION, AFTER_BURST, 50.0),
        Arguments.of("kubernetes", MetricCheck.REQUEST_SUCCESS_RATE, BEFORE_BURST, 99.0),
        Arguments.of("kubernetes", MetricCheck.REQUEST_SUCCESS_RATE, DURING_BURST, 80.0),
        Arguments.of("kubernetes", MetricCheck.REQUEST_SUCCESS_RATE, AFTER_BURST, 99.0),
        Arguments.of("kubernetes", MetricCheck.REQUEST_DURATION, BEFORE_BURST, 450.0),
        Arguments.of("kubernetes", MetricCheck.REQUEST_DURATION, DURING_BURST, 900.0),
        Arguments.of("kubernetes", MetricCheck.REQUEST_DURATION, AFTER_BURST, 450.0));
  }

  @ParameterizedTest(name = "{0} {1} at {2} = {3}")
  @MethodSource("builtinValues")
  void builtinQueryEqualsHandComputedValue(String router, String metric, Instant at, double expected) {
    String query = TemplateRenderer.renderForPodinfo(BUILTINS.template(metric, router).orElseThrow());
    PrometheusMetricProvider provider = new PrometheusMetricProvider(PROMETHEUS.clientBuilder().build());

    MetricResult result = provider.query(new MetricQuery(query, MetricKind.VALUE, SeriesAggregation.NONE, at));

    assertThat(result).isInstanceOf(MetricResult.Value.class);
    assertThat(((MetricResult.Value) result).value()).isCloseTo(expected, within(EXACT));
  }

  /** A Gateway API canary on an implementation without gateway series reads Flagger's app-level queries. */
  @ParameterizedTest(name = "{0} at {1} = {2}")
  @MethodSource("gatewayFallbackValues")
  void gatewayApiFallbackIsFlaggersHttpObserverOnRealPrometheus(String metric, Instant at, double expected) {
    GatewayApiBuiltinQueries gateway = new GatewayApiBuiltinQueries("nginx-gateway-fabric");
    String query = TemplateRenderer.renderForPodinfo(gateway.template(metric, "gatewayapi").orElseThrow());
    PrometheusMetricProvider provider = new PrometheusMetricProvider(PROMETHEUS.clientBuilder().build());

    MetricResult result = provider.query(new MetricQuery(query, MetricKind.VALUE, SeriesAggregation.NONE, at));

    assertThat(result).isInstanceOf(MetricResult.Value.class);
    assertThat(((MetricResult.Value) result).value()).isCloseTo(expected, within(EXACT));
  }

  static Stream<Arguments> gatewayFallbackValues() {
    return Stream.of(Arguments.of(MetricCheck.REQUEST_SUCCESS_RATE, DURING_BURST, 80.0),
        Arguments.of(MetricCheck.REQUEST_DURATION, BEFORE_BURST, 450.0));
  }

  @Test
  void successRateRangeShowsTheBurstWindow() {
    String query = TemplateRenderer.renderForPodinfo(
        BUILTINS.template(MetricCheck.REQUEST_SUCCESS_RATE, "istio").orElseThrow());
    PrometheusClient client = PROMETHEUS.clientBuilder().build();
    Instant start = CanaryTrafficSeries.at(Duration.ofMinutes(8));
    Instant end = CanaryTrafficSeries.at(Duration.ofMinutes(17));

    List<Series> series = client.queryRange(query, start, end, Duration.ofMinutes(1));

    assertThat(series).hasSize(1);
    List<Sample> samples = series.get(0).samples();
    assertThat(samples).extracting(Sample::time)
        .containsExactlyElementsOf(Stream.iterate(start, t -> !t.isAfter(end), t -> t.plusSeconds(60)).toList());
    // Windows ending at 11m..15m lie wholly in the burst (steps ending in (10m, 15m]).
    double[] expected = {99, 99, 99, 80, 80, 80, 80, 80, 99, 99};
    for (int i = 0; i < expected.length; i++) {
      assertThat(samples.get(i).value()).as("minute %d", 8 + i).isCloseTo(expected[i], within(EXACT));
    }
  }

  @Test
  void primaryReadThroughTargetPrimaryMatchesItsOwnSeries() {
    // Flagger users reference the primary by writing {{ target }}-primary (flagger.md §4.3).
    String query = TemplateRenderer.render(
        BUILTINS.template(MetricCheck.REQUEST_SUCCESS_RATE, "istio").orElseThrow(),
        java.util.Map.of("namespace", "test", "target", "podinfo-primary", "interval", "1m"));
    MetricResult result = new PrometheusMetricProvider(PROMETHEUS.clientBuilder().build())
        .query(new MetricQuery(query, MetricKind.VALUE, SeriesAggregation.NONE, DURING_BURST));

    assertThat(result).isEqualTo(MetricResult.value(100.0));
  }

  static Stream<Arguments> judgeCounts() {
    // Each 1m window holds four 15 s steps, so every count is four increments (CanaryTrafficSeries).
    return Stream.of(
        Arguments.of("istio", BEFORE_BURST, 12.0, 1200.0, 0.0, 4000.0),
        Arguments.of("istio", DURING_BURST, 240.0, 1200.0, 0.0, 4000.0),
        Arguments.of("nginx", BEFORE_BURST, 12.0, 1200.0, 4000.0, 8000.0),
        Arguments.of("nginx", DURING_BURST, 240.0, 1200.0, 4000.0, 8000.0),
        Arguments.of("traefik", BEFORE_BURST, 12.0, 1200.0, null, 4000.0),
        Arguments.of("traefik", DURING_BURST, 240.0, 1200.0, null, 4000.0));
  }

  /** The judge's builtin counts select the canary's and the primary's own series; null is no series. */
  @ParameterizedTest(name = "{0} judge counts at {1}")
  @MethodSource("judgeCounts")
  void judgeCountsEqualHandComputedIncrements(String router, Instant at, Double canaryErrors,
      Double canaryRequests, Double primaryErrors, Double primaryRequests) {
    PrometheusMetricProvider provider = new PrometheusMetricProvider(PROMETHEUS.clientBuilder().build());
    String[] series = {io.canaryanalysis.api.spec.JudgeSpec.CANARY_ERRORS,
        io.canaryanalysis.api.spec.JudgeSpec.CANARY_REQUESTS, io.canaryanalysis.api.spec.JudgeSpec.PRIMARY_ERRORS,
        io.canaryanalysis.api.spec.JudgeSpec.PRIMARY_REQUESTS};
    Double[] expected = {canaryErrors, canaryRequests, primaryErrors, primaryRequests};
    for (int i = 0; i < 4; i++) {
      String query = TemplateRenderer.renderForPodinfo(BUILTINS.template(series[i], router).orElseThrow());
      MetricResult result = provider.query(new MetricQuery(query, MetricKind.VALUE, SeriesAggregation.NONE, at));
      if (expected[i] == null) {
        assertThat(result).as(series[i]).isInstanceOf(MetricResult.NoData.class);
      } else {
        assertThat(result).as(series[i]).isInstanceOf(MetricResult.Value.class);
        assertThat(((MetricResult.Value) result).value()).as(series[i]).isCloseTo(expected[i], within(1e-6));
      }
    }
  }
}
