package io.canaryanalysis.providers.nginx;

import io.canaryanalysis.api.TrafficSplit;

/**
 * The routing state a canary Ingress carries in its annotations: a weighted share, or A/B
 * routing of matching requests (then the weight is 0 and the rest stays on the primary).
 *
 * @param canaryPercent the weighted share of the canary, 0..100
 * @param abRoute the header or cookie routing in force, or null
 */
record CanaryRouting(int canaryPercent, AbRoute abRoute) {
  static final CanaryRouting ALL_PRIMARY = new CanaryRouting(0, null);

  static CanaryRouting weighted(int canaryPercent) {
    return new CanaryRouting(canaryPercent, null);
  }

  static CanaryRouting matching(AbRoute route) {
    return new CanaryRouting(0, route);
  }

  /** The split the engine sees; with A/B routing in force that is all traffic to the canary, as in Flagger. */
  TrafficSplit split() {
    return abRoute != null ? TrafficSplit.ALL_CANARY : TrafficSplit.canary(canaryPercent);
  }

  @Override
  public String toString() {
    return abRoute != null ? "A/B on " + abRoute : "canary weight " + canaryPercent + "%";
  }
}
