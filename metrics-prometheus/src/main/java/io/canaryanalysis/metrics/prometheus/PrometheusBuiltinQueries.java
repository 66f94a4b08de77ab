package io.canaryanalysis.metrics.prometheus;

import io.canaryanalysis.api.BuiltinMetricQueries;
import io.canaryanalysis.api.spec.JudgeSpec;
import io.canaryanalysis.api.spec.MetricCheck;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Flagger's builtin metric queries, token for token, for the router kinds {@code traefik},
 * {@code istio} and {@code nginx}. {@code request-success-rate} is in percent (0–100) and
 * {@code request-duration} in milliseconds. Each router also has the judge's four counts
 * ({@link JudgeSpec#CANARY_ERRORS} and the others) and the latency judge's two histograms
 * ({@link JudgeSpec#CANARY_BUCKETS}, {@link JudgeSpec#PRIMARY_BUCKETS}), so
 * {@code judge: {alpha: 0.01}} or {@code judge: {kind: latency}} needs no query.
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

  /**
   * The judge's counts over {@code {{ interval }}}: 5xx responses and all responses, of the canary
   * and of the primary, from the same series as the success rate.
   */
  static final String TRAEFIK_COUNT = """
      sum(increase(traefik_service_request_duration_seconds_bucket{
            service=~"{{ namespace }}-{{ target }}-%s-[0-9a-zA-Z-]+@kubernetescrd",
            %sle="+Inf"}[{{ interval }}]))
      """;

  static final String ISTIO_COUNT = """
      sum(increase(istio_requests_total{reporter="destination",
            destination_workload_namespace="{{ namespace }}",
            destination_workload="%s"%s}[{{ interval }}]))
      """;

  static final String NGINX_COUNT = """
      sum(increase(nginx_ingress_controller_requests{namespace="{{ namespace }}",
            ingress="{{ ingress }}", canary%s""%s}[{{ interval }}]))
      """;

  /**
   * The latency judge's histograms over {@code {{ interval }}}, summed by {@code le}, of the canary
   * and of the primary, from the same histogram as the duration (Istio in milliseconds; Traefik and
   * NGINX, the upstream response time, in seconds).
   */
  static final String TRAEFIK_BUCKETS = """
      sum by (le) (increase(traefik_service_request_duration_seconds_bucket{
            service=~"{{ namespace }}-{{ target }}-%s-[0-9a-zA-Z-]+@kubernetescrd"}[{{ interval }}]))
      """;

  static final String ISTIO_BUCKETS = """
      sum by (le) (increase(istio_request_duration_milliseconds_bucket{reporter="destination",
            destination_workload_namespace="{{ namespace }}",
            destination_workload="%s"}[{{ interval }}]))
      """;

  static final String NGINX_BUCKETS = """
      sum by (le) (increase(nginx_ingress_controller_response_duration_seconds_bucket{namespace="{{ namespace }}",
            ingress="{{ ingress }}", canary%s""}[{{ interval }}]))
      """;

  private static Map<String, String> withJudge(String successRate, String duration,
      String canaryErrors, String canaryRequests, String primaryErrors, String primaryRequests,
      String canaryBuckets, String primaryBuckets) {
    return Map.of(
        MetricCheck.REQUEST_SUCCESS_RATE, successRate,
        MetricCheck.REQUEST_DURATION, duration,
        JudgeSpec.CANARY_ERRORS, canaryErrors,
        JudgeSpec.CANARY_REQUESTS, canaryRequests,
        JudgeSpec.PRIMARY_ERRORS, primaryErrors,
        JudgeSpec.PRIMARY_REQUESTS, primaryRequests,
        JudgeSpec.CANARY_BUCKETS, canaryBuckets,
        JudgeSpec.PRIMARY_BUCKETS, primaryBuckets);
  }

  private static final Map<String, Map<String, String>> TEMPLATES = Map.of(
      "traefik", withJudge(TRAEFIK_SUCCESS_RATE, TRAEFIK_DURATION,
          TRAEFIK_COUNT.formatted("canary", "code=~\"5..\", "), TRAEFIK_COUNT.formatted("canary", ""),
          TRAEFIK_COUNT.formatted("primary", "code=~\"5..\", "), TRAEFIK_COUNT.formatted("primary", ""),
          TRAEFIK_BUCKETS.formatted("canary"), TRAEFIK_BUCKETS.formatted("primary")),
      "istio", withJudge(ISTIO_SUCCESS_RATE, ISTIO_DURATION,
          ISTIO_COUNT.formatted("{{ target }}", ", response_code=~\"5.*\""),
          ISTIO_COUNT.formatted("{{ target }}", ""),
          ISTIO_COUNT.formatted("{{ target }}-primary", ", response_code=~\"5.*\""),
          ISTIO_COUNT.formatted("{{ target }}-primary", ""),
          ISTIO_BUCKETS.formatted("{{ target }}"), ISTIO_BUCKETS.formatted("{{ target }}-primary")),
      "nginx", withJudge(NGINX_SUCCESS_RATE, NGINX_DURATION,
          NGINX_COUNT.formatted("!=", ", status=~\"5.*\""), NGINX_COUNT.formatted("!=", ""),
          NGINX_COUNT.formatted("=", ", status=~\"5.*\""), NGINX_COUNT.formatted("=", ""),
          NGINX_BUCKETS.formatted("!="), NGINX_BUCKETS.formatted("=")));

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
