package io.canaryanalysis.metrics.prometheus;

import io.canaryanalysis.api.BuiltinMetricQueries;
import io.canaryanalysis.api.spec.MetricCheck;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Flagger's builtin metric queries, token for token, for the router kinds {@code traefik},
 * {@code istio} and {@code nginx}. {@code request-success-rate} is in percent (0–100) and
 * {@code request-duration} in milliseconds.
 *
 * <p>Semantics differ by router, as in Flagger: the Traefik and Istio durations are the 99th
 * percentile (from the latency histogram), while the NGINX duration is the <em>mean</em>
 * ({@code rate(_sum) / rate(_count)}), because that is what Flagger's NGINX observer computes.
 *
 * <p>Templates keep Flagger's placeholders ({@code {{ namespace }}}, {@code {{ target }}},
 * {@code {{ ingress }}}, {@code {{ interval }}}); the engine renders them.
 */
public final class PrometheusBuiltinQueries implements BuiltinMetricQueries {

  static final String TRAEFIK_SUCCESS_RATE = """
      sum(rate(traefik_service_request_duration_seconds_bucket{
            service=~"{{ namespace }}-{{ target }}-canary-[0-9a-zA-Z-]+@kubernetescrd",
            code!~"5..", le="+Inf"}[{{ interval }}]))
      /
      sum(rate(traefik_service_request_duration_seconds_bucket{
            service=~"{{ namespace }}-{{ target }}-canary-[0-9a-zA-Z-]+@kubernetescrd",
            le="+Inf"}[{{ interval }}])) * 100
      """;

  /** P99 in milliseconds. */
  static final String TRAEFIK_DURATION = """
      histogram_quantile(0.99, sum(rate(traefik_service_request_duration_seconds_bucket{
            service=~"{{ namespace }}-{{ target }}-canary-[0-9a-zA-Z-]+@kubernetescrd"}[{{ interval }}])) by (le)) * 1000
      """;

  static final String ISTIO_SUCCESS_RATE = """
      sum(rate(istio_requests_total{reporter="destination",
            destination_workload_namespace="{{ namespace }}",
            destination_workload=~"{{ target }}", response_code!~"5.*"}[{{ interval }}]))
      /
      sum(rate(istio_requests_total{reporter="destination",
            destination_workload_namespace="{{ namespace }}",
            destination_workload=~"{{ target }}"}[{{ interval }}])) * 100
      """;

  /** P99, already in milliseconds. */
  static final String ISTIO_DURATION = """
      histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{reporter="destination",
            destination_workload_namespace="{{ namespace }}",
            destination_workload=~"{{ target }}"}[{{ interval }}])) by (le))
      """;

  static final String NGINX_SUCCESS_RATE = """
      sum(rate(nginx_ingress_controller_requests{namespace="{{ namespace }}",
            ingress="{{ ingress }}", canary!="", status!~"5.*"}[{{ interval }}]))
      /
      sum(rate(nginx_ingress_controller_requests{namespace="{{ namespace }}",
            ingress="{{ ingress }}", canary!=""}[{{ interval }}])) * 100
      """;

  /** The mean, not P99 (Flagger's semantics), in milliseconds. */
  static final String NGINX_DURATION = """
      sum(rate(nginx_ingress_controller_response_duration_seconds_sum{namespace="{{ namespace }}",
            ingress="{{ ingress }}", canary!=""}[{{ interval }}]))
      /
      sum(rate(nginx_ingress_controller_response_duration_seconds_count{namespace="{{ namespace }}",
            ingress="{{ ingress }}", canary!=""}[{{ interval }}])) * 1000
      """;

  private static final Map<String, Map<String, String>> TEMPLATES = Map.of(
      "traefik", Map.of(
          MetricCheck.REQUEST_SUCCESS_RATE, TRAEFIK_SUCCESS_RATE,
          MetricCheck.REQUEST_DURATION, TRAEFIK_DURATION),
      "istio", Map.of(
          MetricCheck.REQUEST_SUCCESS_RATE, ISTIO_SUCCESS_RATE,
          MetricCheck.REQUEST_DURATION, ISTIO_DURATION),
      "nginx", Map.of(
          MetricCheck.REQUEST_SUCCESS_RATE, NGINX_SUCCESS_RATE,
          MetricCheck.REQUEST_DURATION, NGINX_DURATION));

  /**
   * The template for {@code metricName} ({@code request-success-rate} or {@code request-duration})
   * and {@code routerKind} ({@code traefik}, {@code istio}, {@code nginx}; case-insensitive), or
   * empty for any other combination.
   */
  @Override
  public Optional<String> template(String metricName, String routerKind) {
    if (metricName == null || routerKind == null) {
      return Optional.empty();
    }
    Map<String, String> byMetric = TEMPLATES.get(routerKind.strip().toLowerCase(Locale.ROOT));
    return byMetric == null ? Optional.empty() : Optional.ofNullable(byMetric.get(metricName));
  }

  /** The router kinds with builtin queries. */
  public static Set<String> routerKinds() {
    return TEMPLATES.keySet();
  }
}
