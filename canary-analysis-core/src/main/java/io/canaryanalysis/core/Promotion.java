package io.canaryanalysis.core;

import io.canaryanalysis.api.AlertSeverity;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.WebhookResult;
import io.canaryanalysis.api.spec.Webhook;
import io.canaryanalysis.api.spec.WebhookType;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CapacityWait;

/** The promotion path: confirm-promotion, Promoting, Finalising, Succeeded, and skipAnalysis (flagger.md §2.6, §2.7, §2.12). */
final class Promotion {
  private Promotion() {}

  /**
   * Runs the confirm-promotion gate. When closed, the phase becomes WaitingPromotion (first time
   * only: event and alert); unlike Flagger the canary weight and iterations stay as they are.
   */
  static boolean confirmed(Tick t) {
    for (Webhook hook : t.analysis.webhooks(WebhookType.CONFIRM_PROMOTION)) {
      WebhookResult result = t.checks.callWebhook(hook, CanaryPhase.PROGRESSING);
      if (!result.passed()) {
        if (t.phase() != CanaryPhase.WAITING_PROMOTION) {
          t.moveTo(CanaryPhase.WAITING_PROMOTION);
          t.warning("Halt " + t.canaryKey + " advancement waiting for promotion approval "
              + hook.name());
          if (!hook.muteAlert()) {
            t.alert(AlertSeverity.WARN, "Canary promotion is waiting for approval.");
          }
        }
        return false;
      }
      t.info("Confirm-promotion check " + hook.name() + " passed");
    }
    return true;
  }

  /** Copies the canary to the primary and enters Promoting. */
  static void promote(Tick t) {
    t.info("Copying " + t.targetKey + " template spec to " + t.primaryTargetKey());
    t.act(new Action.Promote());
    t.moveTo(CanaryPhase.PROMOTING);
  }

  /**
   * Promoting: shift traffic back to the primary, all at once or by stepWeightPromotion per tick,
   * once the primary can carry it ({@link CapacityStep}).
   */
  static void shiftTrafficToPrimary(Tick t) {
    if (!CapacityStep.mayMove(t, CapacityWait.Move.PROMOTION)) {
      return;
    }
    routeToPrimary(t);
  }

  /** The promotion's traffic move (see {@link #shiftTrafficToPrimary}). */
  static void routeToPrimary(Tick t) {
    TrafficSplit routes = t.routes();
    int step = t.analysis.stepWeightPromotion();
    if (step <= 0) {
      t.info("Routing all traffic to primary");
      t.setRoutes(TrafficSplit.ALL_PRIMARY);
      t.moveTo(CanaryPhase.FINALISING);
      return;
    }
    int primary = Math.min(100, routes.primaryWeight() + step);
    int canary = 100 - primary;
    t.setRoutes(new TrafficSplit(primary, canary, false));
    t.info("Advance " + t.canaryKey + " primary weight " + primary);
    if (primary == 100) {
      t.moveTo(CanaryPhase.FINALISING);
    }
  }

  /** Finalising: scale the canary to zero and mark the run Succeeded. */
  static void finalise(Tick t) {
    t.act(new Action.ScaleToZero());
    CapacityStep.release(t);
    t.succeed();
    t.info("Promotion completed! Scaling down " + t.targetKey);
    t.alert(AlertSeverity.INFO, "Canary analysis completed successfully, promotion finished.");
  }

  /** skipAnalysis: promote at once once the canary is ready. */
  static void skipAnalysis(Tick t) {
    t.setRoutes(TrafficSplit.ALL_PRIMARY);
    t.info("Copying " + t.targetKey + " template spec to " + t.primaryTargetKey());
    t.act(new Action.Promote());
    t.act(new Action.ScaleToZero());
    t.succeed();
    t.info("Promotion completed! Canary analysis was skipped for " + t.targetKey);
    t.alert(AlertSeverity.INFO, "Canary analysis was skipped, promotion finished.");
  }
}
