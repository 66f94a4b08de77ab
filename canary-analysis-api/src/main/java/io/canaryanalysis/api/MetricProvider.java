package io.canaryanalysis.api;

/**
 * Runs rendered queries against one metrics backend (for example one Prometheus server).
 * Implementations report problems as {@link MetricResult.Failed} rather than throwing; a thrown
 * exception is treated the same way by the engine.
 */
public interface MetricProvider {

  /** Runs the query and reduces its result to one value, no data, or a failure. */
  MetricResult query(MetricQuery query);

  /** True when the backend answers a trivial query (Flagger runs {@code vector(1)}). */
  boolean isOnline();
}
