package io.canaryanalysis.api;

import java.util.Objects;
import java.util.Optional;

/**
 * Everything the engine needs from one metrics system, built by that system's module (for
 * example {@code PrometheusMetrics.backend(...)}): the provider for builtin and inline queries
 * (Flagger's {@code -metrics-server}), the builtin query templates per router kind, and the
 * factory for MetricTemplates' own providers.
 *
 * @param defaultProvider runs builtin and inline queries; null when only templates are used
 * @param builtinQueries the builtin {@code request-success-rate} / {@code request-duration} templates
 * @param templateProviders builds the provider of a MetricTemplate; null when templates are not used
 */
public record MetricBackend(
    MetricProvider defaultProvider,
    BuiltinMetricQueries builtinQueries,
    MetricProviderFactory templateProviders) {

  public MetricBackend {
    builtinQueries = builtinQueries == null ? (name, kind) -> Optional.empty() : builtinQueries;
  }

  /** A backend with no providers at all: every metric check is a setup error. */
  public static MetricBackend none() {
    return new MetricBackend(null, null, null);
  }

}
