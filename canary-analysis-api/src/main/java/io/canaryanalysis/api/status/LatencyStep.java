package io.canaryanalysis.api.status;

import java.util.List;

/**
 * What a latency judge saw while the canary had one traffic weight: the requests on each side and,
 * per bucket bound of {@link LatencyEvidence#bounds()}, the requests slower than it.
 *
 * @param weight the canary's share of traffic in percent (1..99) while these counts were taken
 * @param canaryRequests all requests on the canary
 * @param primaryRequests all requests on the primary
 * @param canarySlower canary requests slower than each bound, in the order of the bounds
 * @param primarySlower primary requests slower than each bound
 */
public record LatencyStep(int weight, long canaryRequests, long primaryRequests, List<Long> canarySlower,
    List<Long> primarySlower) {

  public LatencyStep {
    canarySlower = canarySlower == null ? List.of() : List.copyOf(canarySlower);
    primarySlower = primarySlower == null ? List.of() : List.copyOf(primarySlower);
    if (canarySlower.size() != primarySlower.size()) {
      throw new IllegalArgumentException("canarySlower and primarySlower must have one count per bound");
    }
  }
}
