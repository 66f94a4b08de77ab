package io.canaryanalysis.api;

import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.status.CanaryStatus;
import java.time.Duration;

/**
 * Watches the analysis for meters and logs: every tick's stored status and duration, every metric
 * value measured, every provider call, and the controller's lag and deletions. Calls come from the
 * tick's thread; implementations must be fast and must not throw. Every method defaults to nothing.
 */
public interface AnalysisObserver {

  /** A tick ran for {@code canary}; {@code status} is the status now stored. */
  default void ticked(Canary canary, CanaryStatus status, Duration took) {}

  /** A metric check of {@code canary} measured {@code value}. */
  default void measured(Canary canary, String metric, double value) {}

  /** A call to a provider of {@code kind} ({@code metrics}, {@code webhook}, {@code router}, {@code workload}, {@code status}) ended. */
  default void providerCalled(String kind, Duration took, boolean failed) {}

  /** A tick started {@code lag} after it was due (the host's scheduler reports it). */
  default void queueLag(Duration lag) {}

  /** The canary's object is gone; drop what is kept for it. */
  default void deleted(Canary canary) {}

  /** An observer that ignores everything. */
  static AnalysisObserver none() {
    return new AnalysisObserver() {};
  }
}
