package io.canaryanalysis.providers.gatewayapi;

import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.TrafficSplit;
import java.util.List;
import java.util.Map;

/** Reads the split a route applies to a canary's primary and canary backends. */
final class RouteReader {
  private RouteReader() {}

  /** Where the weights of one rule live: the rule's index and its two backendRefs' indexes. */
  record WeightedRule(int rule, int primary, int canary, int primaryWeight, int canaryWeight) {}

  /**
   * The split of {@code spec}: from the last rule that routes to both backends (the weighted
   * rule; session-affinity rules come before it, the A/B fallback rule has the primary only), and
   * mirrored when a rule mirrors to the canary. Weights are read as the Gateway API defines them
   * (an absent weight is 1) and expressed as percentages.
   */
  static TrafficSplit split(String what, Map<String, Object> spec, String primary, String canary) {
    List<?> rules = JsonTrees.list(spec, "rules");
    WeightedRule weighted = null;
    for (int i = 0; i < rules.size(); i++) {
      WeightedRule candidate = weightedRule(rules, i, primary, canary);
      if (candidate != null) {
        weighted = candidate;
      }
    }
    if (weighted == null) {
      throw new ProviderException(what + " does not contain a rule routing to " + primary + " and "
          + canary, true);
    }
    boolean mirrored = false;
    for (Object rule : rules) {
      for (Object filter : JsonTrees.list(rule, "filters")) {
        if (RouteRenderer.REQUEST_MIRROR.equals(JsonTrees.string(filter, "type"))
            && canary.equals(JsonTrees.string(
                JsonTrees.map(JsonTrees.map(filter, "requestMirror"), "backendRef"), "name"))) {
          mirrored = true;
        }
      }
    }
    return percentages(what, weighted.primaryWeight(), weighted.canaryWeight(), mirrored);
  }

  /** The weights of rule {@code index} when it routes to both backends, else null. */
  static WeightedRule weightedRule(List<?> rules, int index, String primary, String canary) {
    List<?> refs = JsonTrees.list(rules.get(index), "backendRefs");
    int p = -1;
    int c = -1;
    for (int j = 0; j < refs.size(); j++) {
      String name = JsonTrees.string(refs.get(j), "name");
      if (primary.equals(name) && p < 0) {
        p = j;
      } else if (canary.equals(name) && c < 0) {
        c = j;
      }
    }
    if (p < 0 || c < 0) {
      return null;
    }
    return new WeightedRule(index, p, c, weight(refs.get(p)), weight(refs.get(c)));
  }

  static int weight(Object backendRef) {
    Object weight = backendRef instanceof Map<?, ?> m ? m.get("weight") : null;
    return weight instanceof Number n ? n.intValue() : 1;
  }

  static TrafficSplit percentages(String what, int primaryWeight, int canaryWeight, boolean mirrored) {
    int total = primaryWeight + canaryWeight;
    if (primaryWeight < 0 || canaryWeight < 0 || total == 0) {
      throw new ProviderException(what + " has no usable weights (primary " + primaryWeight
          + ", canary " + canaryWeight + ")", true);
    }
    int canaryPercent = (int) Math.round(canaryWeight * 100.0 / total);
    return new TrafficSplit(100 - canaryPercent, canaryPercent, mirrored);
  }

  /**
   * Throws when a parent Gateway has refused the route at its current generation (condition
   * {@code Accepted=False}), so no analysis runs on traffic that is not routed. A status that
   * lags behind the generation is not an error: the gateway has not looked yet.
   */
  static void checkAccepted(String what, Map<String, Object> route, long generation) {
    Map<String, Object> status = JsonTrees.map(route, "status");
    for (Object parent : JsonTrees.list(status, "parents")) {
      for (Object condition : JsonTrees.list(parent, "conditions")) {
        if (!"Accepted".equals(JsonTrees.string(condition, "type"))
            || !"False".equals(JsonTrees.string(condition, "status"))) {
          continue;
        }
        Object observed = condition instanceof Map<?, ?> m ? m.get("observedGeneration") : null;
        if (observed instanceof Number n && n.longValue() < generation) {
          continue;
        }
        String gateway = JsonTrees.string(JsonTrees.map(parent, "parentRef"), "name");
        throw new ProviderException(what + " is not accepted by parent " + gateway + ": "
            + JsonTrees.string(condition, "reason") + " " + JsonTrees.string(condition, "message"),
            true);
      }
    }
  }
}
