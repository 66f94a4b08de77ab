package io.canaryanalysis.api;

/**
 * Runs rendered queries against one metrics backend (for example one Prometheus server).
 * Implementations report problems as {@link MetricResult.Failed} rather than throwing; a thrown
 * exception is treated the same way by the engine.
 */
public interface MetricProvider {

  /** Runs the query and reduces its result to one value, no data, or a failure. */
  MetricResult query(MetricQuery query);

  /**
   * Runs a histogram query (one series per {@code le} label, for example
   * {@code sum by (le) (increase(latency_bucket[1m]))}) for a latency judge. The default answers
   * that this provider reads no histograms.
   */
  default HistogramResult histogram(MetricQuery query) {
    return new HistogramResult.Failed("this metric provider does not read histograms");
  }

  /** True when the backend answers a trivial query (Flagger runs {@code vector(1)}). */
  boolean isOnline();
}
