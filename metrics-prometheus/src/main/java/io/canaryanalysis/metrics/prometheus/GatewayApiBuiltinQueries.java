package io.canaryanalysis.metrics.prometheus;

import io.canaryanalysis.api.BuiltinMetricQueries;
import io.canaryanalysis.api.spec.JudgeSpec;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Builtin {@code request-success-rate} (percent) and {@code request-duration} (P99, milliseconds),
 * the judge's four counts and the latency judge's two histograms ({@link JudgeSpec}) for the
 * Gateway API router ({@code gatewayapi}, {@code gatewayapi:v1},
 * {@code gatewayapi:v1beta1}), chosen by the implementation serving the canary's Gateway: the
 * metric names and labels differ per implementation, and Flagger has no Gateway API observer
 * (it falls back to an app-level query). The host picks the implementation, for example from the
 * router's {@code GatewayApiRouter.implementation(canary)} id.
 *
 * <p>An implementation without per-backend series (below, or one not known here) falls back to
 * Flagger's {@code HttpObserver} queries, which Flagger uses for every Gateway API canary: the
 * canary pods' own {@code http_request_duration_seconds} (see {@link PrometheusBuiltinQueries}),
 * so a Flagger manifest with builtin metrics runs unchanged wherever the application exports that
 * histogram. The gateway's own series are preferred where they exist because they also see the
 * requests the application never answered (timeouts, resets, 503s of the proxy).
 *
 * <ul>
 *   <li>{@code istio}: the gateway proxy reports {@code istio_requests_total} with
 *       {@code reporter="source"} and the backend Service in {@code destination_service_name},
 *       so {@code {{ service }}-canary} selects the canary's share of the split.
 *   <li>{@code traefik}: Traefik's Gateway provider names each backendRef's service
 *       {@code httproute-<ns>-<route>-gw-<gateway ns>-<gateway>-ep-<entry point>-<rule>-svc-<ns>-<backend>-<index>@kubernetesgateway}
 *       ({@code pkg/provider/kubernetes/gateway/httproute.go}, {@code loadService}, Traefik
 *       v3.7); the route is named after the apex service.
 *   <li>{@code envoy-gateway}: Envoy's {@code envoy_cluster_upstream_rq_xx} and
 *       {@code envoy_cluster_upstream_rq_time} (milliseconds) of the backend's own cluster,
 *       {@code service/<ns>/<service>-canary/<port>}. By default Envoy Gateway builds one cluster
 *       per route rule, whose series do not tell the primary from the canary
 *       (envoyproxy/gateway#6742, open); the per-backend clusters need
 *       {@code EnvoyProxy.spec.mergeBackends: {}} (Envoy Gateway 1.9, #9477), and a backendRef
 *       with filters (session affinity) is never merged. Without them the series are absent and
 *       the checks see no data.
 *   <li>{@code nginx-gateway-fabric}: Flagger's app-level fallback. NGINX Gateway Fabric (open
 *       source) exports connection and control-plane metrics only, no per-upstream request series.
 * </ul>
 */
public final class GatewayApiBuiltinQueries implements BuiltinMetricQueries {

  static final String ISTIO_SUCCESS_RATE = """
      sum(rate(istio_requests_total{reporter="source",
            destination_service_namespace="{{ namespace }}",
            destination_service_name="{{ service }}-canary", response_code!~"5.*"}[{{ interval }}]))
      /
      sum(rate(istio_requests_total{reporter="source",
            destination_service_namespace="{{ namespace }}",
            destination_service_name="{{ service }}-canary"}[{{ interval }}])) * 100
      """;

  /** P99, already in milliseconds. */
  static final String ISTIO_DURATION = """
      histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{reporter="source",
            destination_service_namespace="{{ namespace }}",
            destination_service_name="{{ service }}-canary"}[{{ interval }}])) by (le))
      """;

  private static final String TRAEFIK_CANARY_SERVICE =
      "httproute-{{ namespace }}-{{ service }}-gw-.+-ep-.+-[0-9]+-svc-{{ namespace }}-{{ service }}-canary-[0-9]+@kubernetesgateway";

  static final String TRAEFIK_SUCCESS_RATE = """
      sum(rate(traefik_service_requests_total{service=~"%1$s", code!~"5.."}[{{ interval }}]))
      /
      sum(rate(traefik_service_requests_total{service=~"%1$s"}[{{ interval }}])) * 100
      """.formatted(TRAEFIK_CANARY_SERVICE);

  /** P99 in milliseconds. */
  static final String TRAEFIK_DURATION = """
      histogram_quantile(0.99, sum(rate(traefik_service_request_duration_seconds_bucket{
            service=~"%s"}[{{ interval }}])) by (le)) * 1000
      """.formatted(TRAEFIK_CANARY_SERVICE);

  /** The judge's counts through the Istio gateway: {@code %1$s} the backend, {@code %2$s} more matchers. */
  static final String ISTIO_COUNT = """
      sum(increase(istio_requests_total{reporter="source",
            destination_service_namespace="{{ namespace }}",
            destination_service_name="{{ service }}-%1$s"%2$s}[{{ interval }}]))
      """;

  static final String ISTIO_BUCKETS = """
      sum by (le) (increase(istio_request_duration_milliseconds_bucket{reporter="source",
            destination_service_namespace="{{ namespace }}",
            destination_service_name="{{ service }}-%s"}[{{ interval }}]))
      """;

  private static final String TRAEFIK_SERVICE =
      "httproute-{{ namespace }}-{{ service }}-gw-.+-ep-.+-[0-9]+-svc-{{ namespace }}-{{ service }}-%s-[0-9]+@kubernetesgateway";

  static final String TRAEFIK_COUNT = """
      sum(increase(traefik_service_requests_total{service=~"%s"%s}[{{ interval }}]))
      """;

  static final String TRAEFIK_BUCKETS = """
      sum by (le) (increase(traefik_service_request_duration_seconds_bucket{
            service=~"%s"}[{{ interval }}]))
      """;

  /**
   * Envoy Gateway with {@code EnvoyProxy.spec.mergeBackends} (v1.9): one Envoy cluster per backend,
   * named {@code service/<namespace>/<name>/<port>[/<protocol>]} ({@code irBackendClusterName}).
   */
  private static final String ENVOY_CLUSTER =
      "service/{{ namespace }}/{{ service }}-%s/[0-9]+(/[a-z0-9]+)?";

  static final String ENVOY_SUCCESS_RATE = """
      sum(rate(envoy_cluster_upstream_rq_xx{envoy_cluster_name=~"%1$s", envoy_response_code_class!="5"}[{{ interval }}]))
      /
      sum(rate(envoy_cluster_upstream_rq_xx{envoy_cluster_name=~"%1$s"}[{{ interval }}])) * 100
      """.formatted(ENVOY_CLUSTER.formatted("canary"));

  /** P99, already in milliseconds. */
  static final String ENVOY_DURATION = """
      histogram_quantile(0.99, sum(rate(envoy_cluster_upstream_rq_time_bucket{
            envoy_cluster_name=~"%s"}[{{ interval }}])) by (le))
      """.formatted(ENVOY_CLUSTER.formatted("canary"));

  static final String ENVOY_COUNT = """
      sum(increase(envoy_cluster_upstream_rq_xx{envoy_cluster_name=~"%s"%s}[{{ interval }}]))
      """;

  static final String ENVOY_BUCKETS = """
      sum by (le) (increase(envoy_cluster_upstream_rq_time_bucket{
            envoy_cluster_name=~"%s"}[{{ interval }}]))
      """;

  private static final Map<String, Map<String, String>> TEMPLATES = Map.of(
      "istio", PrometheusBuiltinQueries.withJudge(ISTIO_SUCCESS_RATE, ISTIO_DURATION,
          ISTIO_COUNT.formatted("canary", ", response_code=~\"5.*\""), ISTIO_COUNT.formatted("canary", ""),
          ISTIO_COUNT.formatted("primary", ", response_code=~\"5.*\""), ISTIO_COUNT.formatted("primary", ""),
          ISTIO_BUCKETS.formatted("canary"), ISTIO_BUCKETS.formatted("primary")),
      "traefik", PrometheusBuiltinQueries.withJudge(TRAEFIK_SUCCESS_RATE, TRAEFIK_DURATION,
          TRAEFIK_COUNT.formatted(TRAEFIK_SERVICE.formatted("canary"), ", code=~\"5..\""),
          TRAEFIK_COUNT.formatted(TRAEFIK_SERVICE.formatted("canary"), ""),
          TRAEFIK_COUNT.formatted(TRAEFIK_SERVICE.formatted("primary"), ", code=~\"5..\""),
          TRAEFIK_COUNT.formatted(TRAEFIK_SERVICE.formatted("primary"), ""),
          TRAEFIK_BUCKETS.formatted(TRAEFIK_SERVICE.formatted("canary")),
          TRAEFIK_BUCKETS.formatted(TRAEFIK_SERVICE.formatted("primary"))),
      "envoy-gateway", PrometheusBuiltinQueries.withJudge(ENVOY_SUCCESS_RATE, ENVOY_DURATION,
          ENVOY_COUNT.formatted(ENVOY_CLUSTER.formatted("canary"), ", envoy_response_code_class=\"5\""),
          ENVOY_COUNT.formatted(ENVOY_CLUSTER.formatted("canary"), ""),
          ENVOY_COUNT.formatted(ENVOY_CLUSTER.formatted("primary"), ", envoy_response_code_class=\"5\""),
          ENVOY_COUNT.formatted(ENVOY_CLUSTER.formatted("primary"), ""),
          ENVOY_BUCKETS.formatted(ENVOY_CLUSTER.formatted("canary")),
          ENVOY_BUCKETS.formatted(ENVOY_CLUSTER.formatted("primary"))));

  private static final String FALLBACK = "; the builtins are Flagger's app-level queries"
      + " (the pods' http_request_duration_seconds) or a MetricTemplate";

  private static final Map<String, String> WHY_NONE = Map.of(
      "nginx-gateway-fabric", "NGINX Gateway Fabric exports no per-upstream request metrics" + FALLBACK,
      "unknown", "the Gateway's implementation is unknown" + FALLBACK);

  private final String implementation;

  /**
   * Queries for {@code implementation}: {@code istio}, {@code traefik}, {@code envoy-gateway},
   * {@code nginx-gateway-fabric} or {@code unknown} (case-insensitive).
   */
  public GatewayApiBuiltinQueries(String implementation) {
    this.implementation = implementation == null ? "unknown"
        : implementation.strip().toLowerCase(Locale.ROOT);
  }

  /**
   * The template for {@code metricName} when {@code routerKind} is a Gateway API kind
   * ({@code gatewayapi} or {@code gatewayapi:<version>}): the implementation's own, or Flagger's
   * app-level queries when it exposes no per-backend series (see {@link #whyNone}); empty when the
   * kind is another router's.
   */
  @Override
  public Optional<String> template(String metricName, String routerKind) {
    if (metricName == null || routerKind == null) {
      return Optional.empty();
    }
    String kind = routerKind.strip().toLowerCase(Locale.ROOT);
    if (!kind.equals("gatewayapi") && !kind.startsWith("gatewayapi:")) {
      return Optional.empty();
    }
    Map<String, String> byMetric = TEMPLATES.getOrDefault(implementation, PrometheusBuiltinQueries.httpObserver());
    return Optional.ofNullable(byMetric.get(metricName));
  }

  /**
   * Why this implementation has no gateway-level builtin queries (so {@link #template} answers
   * Flagger's app-level ones), or empty when it has them.
   */
  public Optional<String> whyNone() {
    if (TEMPLATES.containsKey(implementation)) {
      return Optional.empty();
    }
    return Optional.of(WHY_NONE.getOrDefault(implementation, WHY_NONE.get("unknown")));
  }

  /** The implementations with gateway-level builtin queries. */
  public static Set<String> implementations() {
    return TEMPLATES.keySet();
  }
}
