package io.canaryanalysis.api.status;

import java.util.List;

/**
 * A latency judge's state in this run: the bucket bounds it compares (fixed at its first look) and
 * the counts per traffic weight, which are the whole state, plus what is shown for people. Bounds
 * and latencies are in the histogram's unit (milliseconds for Istio, seconds for Traefik, NGINX).
 *
 * @param bounds the finite bucket bounds ({@code le}), ascending
 * @param steps counts per traffic weight, in the order the weights were used
 * @param bound the bound with the most evidence against the canary (the one the e-value, ratio
 *     and confidence sequence of {@link JudgeStatus} describe), or null before any request
 * @param canaryP99 the canary's 99th percentile over the run, interpolated within its bucket as
 *     Prometheus' {@code histogram_quantile} does, or null without requests
 * @param primaryP99 the primary's
 */
public record LatencyEvidence(List<Double> bounds, List<LatencyStep> steps, Double bound,
    Double canaryP99, Double primaryP99) {

  public LatencyEvidence {
    bounds = bounds == null ? List.of() : List.copyOf(bounds);
    steps = steps == null ? List.of() : List.copyOf(steps);
  }
}
