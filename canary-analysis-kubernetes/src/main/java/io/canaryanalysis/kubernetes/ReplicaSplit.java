package io.canaryanalysis.kubernetes;

import io.fabric8.kubernetes.api.model.Service;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the replica-ratio {@link KubernetesRouter} last applied, kept in the apex Service's
 * {@value KubernetesRouter#SPLIT_ANNOTATION} annotation: the requested canary weight, the pod
 * counts that realise it, the canary's replicas before the router first resized it, and whether
 * pods carry the split ({@code pods=false} for blue/green, where the apex stays on the primary as
 * Flagger's {@code kubernetes} provider keeps it).
 */
record ReplicaSplit(int weight, int primary, int canary, int before, boolean pods) {

  /** The record on {@code apex}, or null when it has none or it cannot be read. */
  static ReplicaSplit of(Service apex) {
    String value = ConfigTracker.orEmpty(apex.getMetadata().getAnnotations())
        .get(KubernetesRouter.SPLIT_ANNOTATION);
    return value == null ? null : parse(value);
  }

  static ReplicaSplit parse(String value) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String part : value.split(";")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        fields.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
      }
    }
    try {
      int weight = Integer.parseInt(fields.getOrDefault("weight", ""));
      if (weight < 0 || weight > 100) {
        return null;
      }
      return new ReplicaSplit(weight, Integer.parseInt(fields.getOrDefault("primary", "0")),
          Integer.parseInt(fields.getOrDefault("canary", "0")),
          Integer.parseInt(fields.getOrDefault("before", "0")),
          !"false".equals(fields.get("pods")));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  String format() {
    return "weight=" + weight + ";primary=" + primary + ";canary=" + canary + ";before=" + before
        + ";pods=" + pods;
  }

  /**
   * The apex selector this split needs: the primary's pods at weight 0 (and always for blue/green),
   * the target's own pods at 100, both through the shared {@value KubernetesRouter#TRAFFIC_LABEL}
   * label in between. Without that label on the target's template the apex stays on the primary.
   */
  Map<String, String> apexSelector(String label, String value, Map<String, String> templateLabels) {
    if (!pods || weight == 0) {
      return Map.of(label, value + "-primary");
    }
    if (weight == 100) {
      return Map.of(label, value);
    }
    String shared = templateLabels.get(KubernetesRouter.TRAFFIC_LABEL);
    return shared == null ? Map.of(label, value + "-primary") : Map.of(KubernetesRouter.TRAFFIC_LABEL, shared);
  }

  /** The canary's share of the apex's pods, in percent, rounded to the nearest. */
  static int effectiveWeight(int primary, int canary) {
    int total = Math.max(0, primary) + Math.max(0, canary);
    return total == 0 ? 0 : (int) Math.round(100.0 * Math.max(0, canary) / total);
  }

  /**
   * The canary replicas, from 1 to {@code max}, whose share {@code c / (primary + c)} is nearest to
   * {@code weight} percent (the smaller on a tie).
   */
  static int canaryReplicasFor(int primary, int weight, int max) {
    if (primary <= 0) {
      return 1;
    }
    double exact = (double) primary * weight / (100 - weight);
    int low = Math.max(1, Math.min(max, (int) Math.floor(exact)));
    int high = Math.max(1, Math.min(max, (int) Math.ceil(exact)));
    double target = weight / 100.0;
    double lowError = Math.abs((double) low / (primary + low) - target);
    double highError = Math.abs((double) high / (primary + high) - target);
    return highError < lowError ? high : low;
  }
}
