package io.canaryanalysis.metrics.prometheus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.canaryanalysis.api.spec.MetricCheck;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The builtin templates are Flagger's PromQL token for token (whitespace may differ). */
class PrometheusBuiltinQueriesTest {
  private final PrometheusBuiltinQueries builtins = new PrometheusBuiltinQueries();

  /** Flagger's queries (pkg/metrics/observers/{traefik,istio,nginx}.go) with whitespace condensed. */
  static Stream<Arguments> flaggerQueries() {
    return Stream.of(
        Arguments.of("traefik", MetricCheck.REQUEST_SUCCESS_RATE,
            "sum(rate(traefik_service_request_duration_seconds_bucket{ service=~\"{{ namespace }}-{{ target }}-canary-[0-9a-zA-Z-]+@kubernetescrd\", code!~\"5..\", le=\"+Inf\"}[{{ interval }}])) / sum(rate(traefik_service_request_duration_seconds_bucket{ service=~\"{{ namespace }}-{{ target }}-canary-[0-9a-zA-Z-]+@kubernetescrd\", le=\"+Inf\"}[{{ interval }}])) * 100"),
        Arguments.of("traefik", MetricCheck.REQUEST_DURATION,
            "histogram_quantile(0.99, sum(rate(traefik_service_request_duration_seconds_bucket{ service=~\"{{ namespace }}-{{ target }}-canary-[0-9a-zA-Z-]+@kubernetescrd\"}[{{ interval }}])) by (le)) * 1000"),
        Arguments.of("istio", MetricCheck.REQUEST_SUCCESS_RATE,
            "sum(rate(istio_requests_total{reporter=\"destination\", destination_workload_namespace=\"{{ namespace }}\", destination_workload=~\"{{ target }}\", response_code!~\"5.*\"}[{{ interval }}])) / sum(rate(istio_requests_total{reporter=\"destination\", destination_workload_namespace=\"{{ namespace }}\", destination_workload=~\"{{ target }}\"}[{{ interval }}])) * 100"),
        Arguments.of("istio", MetricCheck.REQUEST_DURATION,
            "histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{reporter=\"destination\", destination_workload_namespace=\"{{ namespace }}\", destination_workload=~\"{{ target }}\"}[{{ interval }}])) by (le))"),
        Arguments.of("nginx", MetricCheck.REQUEST_SUCCESS_RATE,
            "sum(rate(nginx_ingress_controller_requests{namespace=\"{{ namespace }}\", ingress=\"{{ ingress }}\", canary!=\"\", status!~\"5.*\"}[{{ interval }}])) / sum(rate(nginx_ingress_controller_requests{namespace=\"{{ namespace }}\", ingress=\"{{ ingress }}\", canary!=\"\"}[{{ interval }}])) * 100"),
        Arguments.of("nginx", MetricCheck.REQUEST_DURATION,
            "sum(rate(nginx_ingress_controller_response_duration_seconds_sum{namespace=\"{{ namespace }}\", ingress=\"{{ ingress }}\", canary!=\"\"}[{{ interval }}])) / sum(rate(nginx_ingress_controller_response_duration_seconds_count{namespace=\"{{ namespace }}\", ingress=\"{{ ingress }}\", canary!=\"\"}[{{ interval }}])) * 1000"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("flaggerQueries")
  void templateIsFlaggersQuery(String router, String metric, String flagger) {
    String template = builtins.template(metric, router).orElseThrow();

    assertThat(PrometheusClient.collapseWhitespace(template)).isEqualTo(flagger);
  }

  /**
   * Flagger's {@code HttpObserver} queries ({@code pkg/metrics/observers/http.go}, fluxcd/flagger
   * main), copied with their tabs, newlines and trailing spaces: the kubernetes builtins are these
   * bytes, the duration followed by the seconds-to-milliseconds factor Flagger applies in Go.
   */
  static final String FLAGGER_HTTP_SUCCESS_RATE = """

      \tsum(
      \t\trate(
      \t\t\thttp_request_duration_seconds_count{
      \t\t\t\tkubernetes_namespace="{{ namespace }}",
      \t\t\t\tkubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)",
      \t\t\t\tstatus!~"5.*"
      \t\t\t}[{{ interval }}]
      \t\t)
      \t)\s
      \t/\s
      \tsum(
      \t\trate(
      \t\t\thttp_request_duration_seconds_count{
      \t\t\t\tkubernetes_namespace="{{ namespace }}",
      \t\t\t\tkubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"
      \t\t\t}[{{ interval }}]
      \t\t)
      \t)\s
      \t* 100""";

  static final String FLAGGER_HTTP_DURATION = """

      \thistogram_quantile(
      \t\t0.99,
      \t\tsum(
      \t\t\trate(
      \t\t\t\thttp_request_duration_seconds_bucket{
      \t\t\t\t\tkubernetes_namespace="{{ namespace }}",
      \t\t\t\t\tkubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"
      \t\t\t\t}[{{ interval }}]
      \t\t\t)
      \t\t) by (le)
      \t)""";

  @Test
  void kubernetesBuiltinsAreFlaggersHttpObserverByteForByte() {
    assertThat(builtins.template(MetricCheck.REQUEST_SUCCESS_RATE, "kubernetes")).contains(FLAGGER_HTTP_SUCCESS_RATE);
    assertThat(builtins.template(MetricCheck.REQUEST_DURATION, "kubernetes"))
        .contains(FLAGGER_HTTP_DURATION + " * 1000");
    assertThat(FLAGGER_HTTP_SUCCESS_RATE).as("the copy kept Flagger's layout").startsWith("\n\tsum(\n\t\trate(")
        .contains("\t) \n\t/ \n");
  }

  @Test
  void gatewayApiWithoutGatewaySeriesFallsBackToFlaggersHttpObserver() {
    for (String implementation : new String[] {"nginx-gateway-fabric", "kgateway", null}) {
      GatewayApiBuiltinQueries gateway = new GatewayApiBuiltinQueries(implementation);
      assertThat(gateway.template(MetricCheck.REQUEST_SUCCESS_RATE, "gatewayapi:v1")).as(implementation)
          .contains(FLAGGER_HTTP_SUCCESS_RATE);
      assertThat(gateway.template(MetricCheck.REQUEST_DURATION, "gatewayapi")).as(implementation)
          .contains(FLAGGER_HTTP_DURATION + " * 1000");
      assertThat(gateway.whyNone()).as(implementation).get().asString().contains("app-level");
    }
    assertThat(new GatewayApiBuiltinQueries("istio").template(MetricCheck.REQUEST_SUCCESS_RATE, "gatewayapi"))
        .get().asString().contains("istio_requests_total").doesNotContain("http_request_duration_seconds");
  }

  @Test
  void routerKindIsCaseInsensitiveAndUnknownsAreEmpty() {
    assertThat(builtins.template(MetricCheck.REQUEST_SUCCESS_RATE, "Istio")).isPresent();
    assertThat(builtins.template(MetricCheck.REQUEST_SUCCESS_RATE, "linkerd")).isEmpty();
    assertThat(builtins.template("request-errors", "istio")).isEmpty();
    assertThat(builtins.template(null, "istio")).isEmpty();
    assertThat(builtins.template(MetricCheck.REQUEST_DURATION, null)).isEmpty();
    assertThat(PrometheusBuiltinQueries.routerKinds()).containsExactlyInAnyOrder("traefik", "istio", "nginx",
        "kubernetes");
  }

  @Test
  void testRendererFillsEveryPlaceholderAndRejectsUnknownOnes() {
    String rendered = TemplateRenderer.renderForPodinfo(
        builtins.template(MetricCheck.REQUEST_SUCCESS_RATE, "traefik").orElseThrow());

    assertThat(rendered).doesNotContain("{{").contains("service=~\"test-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd\"")
        .contains("[1m]");
    assertThatThrownBy(() -> TemplateRenderer.render("x{{ variables.missing }}", Map.of()))
        .hasMessageContaining("variables.missing");
  }
}
