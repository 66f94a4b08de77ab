package io.canaryanalysis.core;

import io.canaryanalysis.api.AlertSeverity;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CapacityWait;
import io.canaryanalysis.api.status.CheckKind;
import io.canaryanalysis.api.status.FailureReason;

/** Ending a run as Failed: Flagger's {@code rollback()} (flagger.md §2.14) and {@code handleFailedPromotion} (§2.7). */
final class Rollback {
  private Rollback() {}

  /** The reason for a threshold rollback when no check of this tick failed (for example an operator raised failedChecks). */
  static FailureReason thresholdReason(Tick t) {
    if (t.previous.lastFailure() != null) {
      return t.previous.lastFailure();
    }
    return t.reason(CheckKind.METRIC, "failedChecks",
        (double) t.previous.failedChecks(), ">= " + t.threshold(),
        "Rolling back " + t.canaryKey + " failed checks threshold reached " + t.previous.failedChecks());
  }

  /**
   * Routes all traffic to the primary, scales the canary to zero, and marks the run Failed with
   * {@code reason}. Unlike Flagger, failedChecks is kept so the status shows how the run ended.
   * When the primary cannot carry the canary's share yet (its autoscaler scaled it down), the run
   * is Failed at once but the traffic stays until it can ({@link CapacityStep}).
   */
  static void rollback(Tick t, FailureReason reason) {
    int failedChecks = t.failedChecks();
    if (failedChecks >= t.threshold()) {
      t.warning("Rolling back " + t.canaryKey + " failed checks threshold reached " + failedChecks);
      t.alert(AlertSeverity.ERROR, "Failed checks threshold reached " + failedChecks);
    }
    if (!CapacityStep.mayMove(t, CapacityWait.Move.ROLLBACK)) {
      t.failKeepingTraffic(reason);
      return;
    }
    moveTraffic(t);
    t.fail(reason);
  }

  /** The rollback's traffic move: all to the primary, the canary to zero, the raised floor restored. */
  static void moveTraffic(Tick t) {
    t.setRoutes(TrafficSplit.ALL_PRIMARY);
    t.warning("Canary failed! Scaling down " + t.targetKey);
    t.act(new Action.ScaleToZero());
    CapacityStep.release(t);
  }

  /** The canary or primary stayed not ready past the deadline, or failed outright. Alerts, unlike Flagger (#1816). */
  static void notReady(Tick t, String check, String readinessText, boolean deadlineExceeded) {
    String cause = deadlineExceeded ? "progress deadline exceeded " : "readiness failed ";
    String message = "Rolling back " + t.canaryKey + " " + cause + readinessText;
    t.warning(message);
    t.alert(AlertSeverity.ERROR, (deadlineExceeded ? "Progress deadline exceeded " : "Readiness failed ")
        + readinessText);
    rollback(t, t.reason(CheckKind.READINESS, check, null, null, message));
  }

  /**
   * The primary cannot become ready during Promoting or Finalising: keep the canary, the only
   * healthy copy, serving all traffic.
   */
  static void failedPromotion(Tick t, String failure) {
    String message = "Promotion of " + t.canaryKey + " failed, primary not ready: " + failure;
    t.warning(message);
    t.alert(AlertSeverity.ERROR, "Promotion failed, primary not ready: " + failure);
    t.setRoutes(TrafficSplit.ALL_CANARY);
    t.fail(t.reason(CheckKind.READINESS, "primary", null, null, message));
  }
}
