package io.canaryanalysis.metrics.prometheus;

import io.canaryanalysis.api.MetricBackend;
import io.canaryanalysis.api.SecretResolver;
import java.util.Objects;

/**
 * The engine's metric wiring for Prometheus in one object: the provider for builtin and inline
 * queries (Flagger's {@code -metrics-server}), Flagger's builtin PromQL per router kind, and the
 * provider factory for MetricTemplates, whose credentials come through {@code secrets}.
 *
 * <pre>{@code
 * AnalysisEngine.builder().metrics(PrometheusMetrics.backend("http://prometheus:9090", secrets))...
 * }</pre>
 */
public final class PrometheusMetrics {
  private PrometheusMetrics() {}

  /** Builtin and inline queries go to {@code metricsServer}; templates use their own address. */
  public static MetricBackend backend(String metricsServer, SecretResolver secrets) {
    Objects.requireNonNull(metricsServer, "metricsServer");
    return backend(PrometheusClient.builder(metricsServer).build(), secrets);
  }

  /** Builtin and inline queries go through {@code client}; templates use their own address. */
  public static MetricBackend backend(PrometheusClient client, SecretResolver secrets) {
    return backend(client, secrets, "unknown");
  }

  /**
   * As {@link #backend(PrometheusClient, SecretResolver)}, with the builtin queries for Gateway API
   * routes served by {@code gatewayImplementation} ({@code istio}, {@code traefik}; see
   * {@link GatewayApiBuiltinQueries}); other implementations have none and need a MetricTemplate.
   */
  public static MetricBackend backend(PrometheusClient client, SecretResolver secrets,
      String gatewayImplementation) {
    Objects.requireNonNull(client, "client");
    PrometheusBuiltinQueries routers = new PrometheusBuiltinQueries();
    GatewayApiBuiltinQueries gateway = new GatewayApiBuiltinQueries(gatewayImplementation);
    return new MetricBackend(new PrometheusMetricProvider(client),
        (name, kind) -> routers.template(name, kind).or(() -> gateway.template(name, kind)),
        new PrometheusProviderFactory(secrets));
  }

  /** Only MetricTemplates (no default metrics server): builtin and inline checks are setup errors. */
  public static MetricBackend templatesOnly(SecretResolver secrets) {
    return new MetricBackend(null, new PrometheusBuiltinQueries(), new PrometheusProviderFactory(secrets));
  }
}
