package io.canaryanalysis.providers.istio;

import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Canary;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.math.BigDecimal;
import java.util.Map;

/** Reads the split a VirtualService applies, as Flagger's {@code GetRoutes} does. */
final class RouteReader {
  private RouteReader() {}

  /**
   * The weights of the last HTTP (or TCP) route that sends traffic to the canary host: the
   * weighted route with session affinity (the sticky routes come first), the matched route in A/B.
   * Mirrored when that route mirrors to a host. Missing routes or weights that do not add up to
   * 100 are errors, never a guessed 0/0.
   */
  static TrafficSplit split(Canary canary, GenericKubernetesResource vs) {
    String primaryHost = RouteRenderer.primaryName(canary);
    String canaryHost = RouteRenderer.canaryName(canary);
    String where = "VirtualService " + RouteRenderer.apexName(canary) + "." + canary.namespace();
    Object spec = vs.getAdditionalProperties().get("spec");
    Object weightedRoute = null;
    for (Object route : JsonTrees.list(spec, RouteRenderer.isTcp(canary) ? "tcp" : "http")) {
      if (destination(route, canaryHost) != null) {
        weightedRoute = route;
      }
    }
    if (weightedRoute == null) {
      throw new ProviderException(where + " does not contain routes for " + primaryHost + " and "
          + canaryHost, true);
    }
    int primaryWeight = weight(where, destination(weightedRoute, primaryHost));
    int canaryWeight = weight(where, destination(weightedRoute, canaryHost));
    if (primaryWeight < 0 || canaryWeight < 0 || primaryWeight + canaryWeight != 100) {
      throw new ProviderException(where + " routes " + primaryWeight + "% to " + primaryHost
          + " and " + canaryWeight + "% to " + canaryHost + ", which is not a split of 100", true);
    }
    String mirrorHost = JsonTrees.string(JsonTrees.map(weightedRoute, "mirror"), "host");
    return new TrafficSplit(primaryWeight, canaryWeight, mirrorHost != null && !mirrorHost.isBlank());
  }

  private static Map<?, ?> destination(Object route, String host) {
    for (Object destination : JsonTrees.list(route, "route")) {
      if (host.equals(JsonTrees.string(JsonTrees.map(destination, "destination"), "host"))) {
        return (Map<?, ?>) destination;
      }
    }
    return null;
  }

  private static int weight(String where, Map<?, ?> destination) {
    if (destination == null || destination.get("weight") == null) {
      return 0;
    }
    Object weight = destination.get("weight");
    if (weight instanceof Number number) {
      try {
        return new BigDecimal(number.toString()).intValueExact();
      } catch (ArithmeticException e) {
        // falls through to the error below
      }
    }
    throw new ProviderException(where + " has a non-integer route weight: " + weight, true);
  }
}
