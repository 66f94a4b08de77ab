package io.canaryanalysis.api;

import java.util.Optional;

/**
 * The query templates behind Flagger's builtin metrics ({@code request-success-rate} in percent,
 * {@code request-duration} in milliseconds) for each router kind. Templates use Flagger's
 * placeholders and are rendered by the engine.
 */
@FunctionalInterface
public interface BuiltinMetricQueries {

  /**
   * The template for {@code metricName} when routing with {@code routerKind} ({@code traefik},
   * {@code istio}, {@code nginx}), or empty when there is none.
   */
  Optional<String> template(String metricName, String routerKind);
}
