package io.canaryanalysis.api;

/**
 * Receives the analysis' events (Kubernetes Events, logs) and alerts. Must be fast and must not
 * throw; delivery problems are the sink's to handle.
 */
public interface EventSink {

  void event(CanaryEvent event);

  /** Receives an alert. Default: ignored. */
  default void alert(CanaryAlert alert) {}

  /** A sink that drops everything. */
  static EventSink discarding() {
    return event -> {};
  }
}
