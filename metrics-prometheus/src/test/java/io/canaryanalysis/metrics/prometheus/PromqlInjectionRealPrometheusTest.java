package io.canaryanalysis.metrics.prometheus;

import static io.canaryanalysis.metrics.prometheus.CanaryTrafficSeries.BEFORE_BURST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.canaryanalysis.api.MetricQuery;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.core.QueryTemplates;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile template variables in every quoting context, rendered by the real renderer and
 * evaluated on a real Prometheus: the value stays a label value (no series match, the query's own
 * {@code or vector(0)} gives 0), never PromQL of its own (which would make it 100). A naive
 * substitution of the same value is evaluated too, to show the attack works without escaping.
 */
class PromqlInjectionRealPrometheusTest {
  @RegisterExtension
  static final PrometheusServerExtension PROMETHEUS =
      new PrometheusServerExtension(CanaryTrafficSeries::openMetrics);

  private static final String DOUBLE = "x\"}[1m])) or vector(100) or sum(rate(y{a=\"";
  private static final String SINGLE = "x'}[1m])) or vector(100) or sum(rate(y{a='";
  private static final String BACKTICK = "x`}[1m])) or vector(100) or sum(rate(y{a=`";
  private static final String MIXED = "x'}[1m])) or vector(100) or \"\\`\\";

  private static String template(char quote) {
    return "sum(rate(istio_requests_total{destination_workload=" + quote + "{{ variables.v }}"
        + quote + "}[1m])) or vector(0)";
  }

  private static MetricResult evaluate(String query) {
    return new PrometheusMetricProvider(PROMETHEUS.clientBuilder().build())
        .query(new MetricQuery(query, null, null, BEFORE_BURST));
  }

  private static MetricResult renderAndEvaluate(String template, String value) {
    return evaluate(QueryTemplates.render(template, Map.of("variables.v", value)));
  }

  @Test
  void theAttackWorksWithoutEscaping() {
    assertThat(evaluate(TemplateRenderer.render(template('\''), Map.of("variables.v", SINGLE))))
        .isEqualTo(MetricResult.value(100));
    assertThat(evaluate(TemplateRenderer.render(template('"'), Map.of("variables.v", DOUBLE))))
        .isEqualTo(MetricResult.value(100));
  }

  @ParameterizedTest(name = "double-quoted: {0}")
  @ValueSource(strings = {DOUBLE, SINGLE, BACKTICK, MIXED, "x\\", "a\nb\tc\u0001"})
  void doubleQuotedValuesStayLabelValues(String value) {
    assertThat(renderAndEvaluate(template('"'), value)).isEqualTo(MetricResult.value(0));
  }

  @ParameterizedTest(name = "single-quoted: {0}")
  @ValueSource(strings = {DOUBLE, SINGLE, BACKTICK, MIXED, "x\\", "a\nb\tc\u0001"})
  void singleQuotedValuesStayLabelValues(String value) {
    assertThat(renderAndEvaluate(template('\''), value)).isEqualTo(MetricResult.value(0));
  }

  @ParameterizedTest(name = "backtick: {0}")
  @ValueSource(strings = {DOUBLE, SINGLE, "x\\", "a\nb"})
  void rawStringValuesWithoutABacktickStayLabelValues(String value) {
    assertThat(renderAndEvaluate(template('`'), value)).isEqualTo(MetricResult.value(0));
  }

  @Test
  void aBacktickInARawStringIsRefused() {
    assertThatThrownBy(() -> QueryTemplates.render(template('`'), Map.of("variables.v", BACKTICK)))
        .isInstanceOf(QueryTemplates.RenderException.class);
    assertThatThrownBy(() -> QueryTemplates.render(template('`'), Map.of("variables.v", MIXED)))
        .isInstanceOf(QueryTemplates.RenderException.class);
  }

  @Test
  void unquotedPositionsTakeOnlyStrictValues() {
    String template = "sum(rate(istio_requests_total{destination_workload=\"none\"}[{{ variables.v }}]))"
        + " or vector(0)";
    assertThat(renderAndEvaluate(template, "5m")).isEqualTo(MetricResult.value(0));
    for (String hostile : new String[] {DOUBLE, SINGLE, BACKTICK, "1m])) or vector(100) or sum(rate(x[1m"}) {
      assertThatThrownBy(() -> QueryTemplates.render(template, Map.of("variables.v", hostile)))
          .isInstanceOf(QueryTemplates.RenderException.class)
          .hasMessageContaining("outside a string literal");
    }
  }

  @Test
  void theRealLabelStillMatchesWhenTheValueIsBenign() {
    assertThat(renderAndEvaluate(template('\''), "podinfo")).isInstanceOf(MetricResult.Value.class)
        .isNotEqualTo(MetricResult.value(0));
  }
}
