package io.canaryanalysis.examples;

import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.Readiness;
import io.canaryanalysis.api.WebhookResult;
import java.time.Duration;
import java.util.List;

/**
 * The piecewise-constant steps of a scenario trace. A step applies from its {@code from} time (and,
 * for metrics, from its {@code minWeight}); when several apply, the one listed last wins.
 */
final class Trace {
  private Trace() {}

  /** A scripted metric answer: a value, no data, or a failed query. */
  record MetricStep(Duration from, Integer minWeight, MetricResult result) {
    boolean appliesAt(Duration elapsed, int canaryWeight) {
      return from.compareTo(elapsed) <= 0 && (minWeight == null || canaryWeight >= minWeight);
    }
  }

  /** A scripted webhook answer. */
  record HookStep(Duration from, WebhookResult result) {}

  /** A scripted readiness. */
  record ReadinessStep(Duration from, Readiness readiness) {}

  static MetricResult metric(List<MetricStep> steps, String name, Duration elapsed, int canaryWeight) {
    MetricResult result = null;
    for (MetricStep step : steps) {
      if (step.appliesAt(elapsed, canaryWeight)) {
        result = step.result();
      }
    }
    return result != null ? result
        : MetricResult.noData("no scripted value for metric " + name + " at " + GoDurations.go(elapsed)
            + " and canary weight " + canaryWeight);
  }

  static WebhookResult hook(List<HookStep> steps, Duration elapsed, WebhookResult otherwise) {
    WebhookResult result = otherwise;
    for (HookStep step : steps) {
      if (step.from().compareTo(elapsed) <= 0) {
        result = step.result();
      }
    }
    return result;
  }

  static Readiness readiness(List<ReadinessStep> steps, Duration elapsed) {
    Readiness result = Readiness.READY;
    for (ReadinessStep step : steps) {
      if (step.from().compareTo(elapsed) <= 0) {
        result = step.readiness();
      }
    }
    return result;
  }
}
