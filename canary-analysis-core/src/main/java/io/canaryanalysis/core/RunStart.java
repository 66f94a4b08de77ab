package io.canaryanalysis.core;

import io.canaryanalysis.api.AlertSeverity;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.WebhookResult;
import io.canaryanalysis.api.spec.Webhook;
import io.canaryanalysis.api.spec.WebhookType;
import io.canaryanalysis.api.status.CanaryPhase;

/** Starting a run for a new revision (flagger.md §2.3 step 17) and restarting one (step 18). */
final class RunStart {
  private RunStart() {}

  /**
   * Initialized, Succeeded, Failed or Waiting with a new revision: ask the confirm-rollout gate,
   * then scale the canary up and enter Progressing. The analysis starts on the next tick.
   */
  static void startRun(Tick t) {
    CanaryPhase phase = t.phase();
    for (Webhook hook : t.analysis.webhooks(WebhookType.CONFIRM_ROLLOUT)) {
      WebhookResult result = t.checks.callWebhook(hook, phase);
      if (!result.passed()) {
        if (phase != CanaryPhase.WAITING) {
          t.moveTo(CanaryPhase.WAITING);
          t.warning("Halt " + t.canaryKey + " advancement waiting for approval " + hook.name());
          if (!hook.muteAlert()) {
            t.alert(AlertSeverity.WARN, "Canary is waiting for approval.");
          }
        }
        return;
      }
      t.info("Confirm-rollout check " + hook.name() + " passed");
    }
    t.info("New revision detected! Scaling up " + t.targetKey);
    t.alert(AlertSeverity.INFO, "New revision detected, progressing canary analysis.");
    t.act(new Action.ScaleUp());
    t.moveTo(CanaryPhase.PROGRESSING);
    t.startRunBookkeeping();
  }

  /** A new revision during Progressing or WaitingPromotion: all traffic to primary, start over. */
  static void restart(Tick t) {
    t.info("New revision detected! Restarting analysis for " + t.targetKey);
    t.setRoutes(TrafficSplit.ALL_PRIMARY);
    t.moveTo(CanaryPhase.PROGRESSING);
    t.startRunBookkeeping();
  }
}
