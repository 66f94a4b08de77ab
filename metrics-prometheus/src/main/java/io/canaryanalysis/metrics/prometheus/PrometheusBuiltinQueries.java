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
 * {@code istio}, {@code nginx} and {@code kubernetes} (Flagger's {@code HttpObserver}: the
 * application's own {@code http_request_duration_seconds} per pod, byte for byte). {@code request-success-rate} is in percent (0–100) and
 * {@code request-duration} in milliseconds. Each router also has the judge's four counts
 * ({@link JudgeSpec#CANARY_ERRORS} and the others) and the latency judge's two histograms
 * ({@link JudgeSpec#CANARY_BUCKETS}, {@link JudgeSpec#PRIMARY_BUCKETS}), so
 * {@code judge: {alpha: 0.01}} or {@code judge: {kind: latency}} needs no query.
 *
 * <p>Semantics differ by router, as in Flagger: the Traefik, Istio and kubernetes durations are the 99th
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
   * Flagger's {@code HttpObserver} success rate (fluxcd/flagger {@code pkg/metrics/observers/http.go}),
   * byte for byte: the canary pods' own {@code http_request_duration_seconds} with the
   * {@code kubernetes_namespace} and {@code kubernetes_pod_name} labels of Flagger's Prometheus.
   * The pod-name pattern matches {@code <target>-<replicaset hash>-<pod>}, never the primary's
   * {@code <target>-primary-<hash>-<pod>}.
   */
  static final String KUBERNETES_SUCCESS_RATE = "\n"
      + "\tsum(\n"
      + "\t\trate(\n"
      + "\t\t\thttp_request_duration_seconds_count{\n"
      + "\t\t\t\tkubernetes_namespace=\"{{ namespace }}\",\n"
      + "\t\t\t\tkubernetes_pod_name=~\"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)\",\n"
      + "\t\t\t\tstatus!~\"5.*\"\n"
      + "\t\t\t}[{{ interval }}]\n"
      + "\t\t)\n"
      + "\t) \n"
      + "\t/ \n"
      + "\tsum(\n"
      + "\t\trate(\n"
      + "\t\t\thttp_request_duration_seconds_count{\n"
      + "\t\t\t\tkubernetes_namespace=\"{{ namespace }}\",\n"
      + "\t\t\t\tkubernetes_pod_name=~\"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)\"\n"
      + "\t\t\t}[{{ interval }}]\n"
      + "\t\t)\n"
      + "\t) \n"
      + "\t* 100";

  /** Flagger's {@code HttpObserver} P99 query, byte for byte; it is in seconds. */
  static final String FLAGGER_HTTP_DURATION = "\n"
      + "\thistogram_quantile(\n"
      + "\t\t0.99,\n"
      + "\t\tsum(\n"
      + "\t\t\trate(\n"
      + "\t\t\t\thttp_request_duration_seconds_bucket{\n"
      + "\t\t\t\t\tkubernetes_namespace=\"{{ namespace }}\",\n"
      + "\t\t\t\t\tkubernetes_pod_name=~\"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)\"\n"
      + "\t\t\t\t}[{{ interval }}]\n"
      + "\t\t\t)\n"
      + "\t\t) by (le)\n"
      + "\t)";

  /**
   * P99 in milliseconds: Flagger's query followed by {@code * 1000}, the conversion its Go code
   * makes after the query ({@code value*1000}), as for Traefik.
   */
  static final String KUBERNETES_DURATION = FLAGGER_HTTP_DURATION + " * 1000";

  /** The pods of one side for the judge: {@code %s} is {@code {{ target }}} or {@code {{ target }}-primary}. */
  private static final String HTTP_PODS =
      "kubernetes_namespace=\"{{ namespace }}\", kubernetes_pod_name=~\"%s-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)\"";

  static final String KUBERNETES_COUNT = """
      sum(increase(http_request_duration_seconds_count{%s%s}[{{ interval }}]))
      """;

  static final String KUBERNETES_BUCKETS = """
      sum by (le) (increase(http_request_duration_seconds_bucket{%s}[{{ interval }}]))
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

  /** One router's builtin templates: Flagger's two metrics and the judges' series. */
  static Map<String, String> withJudge(String successRate, String duration,
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
          NGINX_BUCKETS.formatted("!="), NGINX_BUCKETS.formatted("=")),
      "kubernetes", withJudge(KUBERNETES_SUCCESS_RATE, KUBERNETES_DURATION,
          KUBERNETES_COUNT.formatted(HTTP_PODS.formatted("{{ target }}"), ", status=~\"5.*\""),
          KUBERNETES_COUNT.formatted(HTTP_PODS.formatted("{{ target }}"), ""),
          KUBERNETES_COUNT.formatted(HTTP_PODS.formatted("{{ target }}-primary"), ", status=~\"5.*\""),
          KUBERNETES_COUNT.formatted(HTTP_PODS.formatted("{{ target }}-primary"), ""),
          KUBERNETES_BUCKETS.formatted(HTTP_PODS.formatted("{{ target }}")),
          KUBERNETES_BUCKETS.formatted(HTTP_PODS.formatted("{{ target }}-primary"))));

  /** The {@code kubernetes} router's queries, which Flagger also uses for every Gateway API canary. */
  static Map<String, String> httpObserver() {
    return TEMPLATES.get("kubernetes");
  }

  /**
   * The template for {@code metricName} ({@code request-success-rate} or {@code request-duration})
   * and {@code routerKind} ({@code traefik}, {@code istio}, {@code nginx}, {@code kubernetes};
   * case-insensitive), or
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
