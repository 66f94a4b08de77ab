package io.canaryanalysis.core;

import io.canaryanalysis.api.AlertSeverity;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.WebhookResult;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.Webhook;
import io.canaryanalysis.api.spec.WebhookType;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CheckKind;
import io.canaryanalysis.api.status.CheckStatus;
import io.canaryanalysis.api.status.OutcomeClass;
import io.canaryanalysis.api.status.FailureReason;

/**
 * The checks of an analysed tick in Flagger's order (flagger.md §2.3 steps 21 and 26, §2.8):
 * rollback hooks, then either the once-per-run pre-rollout hooks or the rollout hooks followed by
 * the builtin/inline metrics and then the template metrics. The first failure ends the tick.
 */
final class AnalysisStep {
  private AnalysisStep() {}

  /** Runs the rollback hooks; the first one that passes rolls the canary back. */
  static boolean rollbackRequested(Tick t) {
    for (Webhook hook : t.analysis.webhooks(WebhookType.ROLLBACK)) {
      WebhookResult result = t.checks.callWebhook(hook, t.phase());
      if (result.passed()) {
        t.warning("Rollback check " + hook.name() + " passed");
        String message = "Rolling back " + t.canaryKey + " manual webhook invoked";
        t.warning(message);
        t.alert(AlertSeverity.WARN, "Rolling back manual webhook invoked");
        Rollback.rollback(t, t.reason(CheckKind.ROLLBACK_WEBHOOK, hook.name(), null, null, message));
        return true;
      }
      t.info("Rollback hook " + hook.name() + " not signaling a rollback");
    }
    return false;
  }

  /**
   * Runs this tick's checks. Returns true when the tick may go on to advance traffic. On the first
   * tick of a run (weight 0, no iterations, not mirroring) only the pre-rollout hooks run, once per
   * run; Flagger re-runs them on every tick spent at weight 0.
   */
  static boolean analyse(Tick t) {
    TrafficSplit routes = t.routes();
    boolean mirrored = StrategyStep.mirroring(t) && routes.mirrored();
    if (!t.previous.preRolloutPassed() && routes.canaryWeight() == 0
        && t.previous.iterations() == 0 && !mirrored) {
      return preRollout(t);
    }
    return rolloutHooks(t) && metrics(t);
  }

  private static boolean preRollout(Tick t) {
    if (t.failedChecks() == 0) {
      t.info("Starting canary analysis for " + t.targetKey);
    }
    for (Webhook hook : t.analysis.webhooks(WebhookType.PRE_ROLLOUT)) {
      WebhookResult result = t.checks.callWebhook(hook, CanaryPhase.PROGRESSING);
      if (!result.passed()) {
        failCheck(t, t.reason(CheckKind.WEBHOOK, hook.name(), null, null, "Halt " + t.canaryKey
            + " advancement pre-rollout check " + hook.name() + " failed " + result.detail()));
        return false;
      }
      t.info("Pre-rollout check " + hook.name() + " passed");
    }
    t.preRolloutPassed();
    return true;
  }

  private static boolean rolloutHooks(Tick t) {
    for (Webhook hook : t.analysis.webhooks(WebhookType.ROLLOUT)) {
      WebhookResult result = t.checks.callWebhook(hook, CanaryPhase.PROGRESSING);
      if (!result.passed()) {
        failCheck(t, t.reason(CheckKind.WEBHOOK, hook.name(), null, null, "Halt " + t.canaryKey
            + " advancement external check " + hook.name() + " failed " + result.detail()));
        return false;
      }
    }
    return true;
  }

  private static boolean metrics(Tick t) {
    for (MetricCheck check : t.analysis.metrics()) {
      if (check.templateRef() == null && !metric(t, check)) {
        return false;
      }
    }
    for (MetricCheck check : t.analysis.metrics()) {
      if (check.templateRef() != null && !metric(t, check)) {
        return false;
      }
    }
    return true;
  }

  private static boolean metric(Tick t, MetricCheck check) {
    CheckStatus before = t.checkStatus(check.name());
    MetricJudge.Verdict verdict = MetricJudge.judge(check, t.checks.evaluate(check), before, check.effectiveErrorLimit(t.analysis.consecutiveErrorLimit()),
        t.routes().canaryWeight(), t.canaryKey, t.targetKey, t.input.routerKind());
    t.recordMeasurement(check, verdict.outcome(), verdict.value(), verdict.bound(), verdict.judge());
    switch (verdict.effect()) {
      case ADVANCE:
        if (verdict.message() != null && !lastWas(before, verdict.outcome())) {
          t.info(verdict.message());
        }
        return true;
      case HOLD:
        t.warning(verdict.message());
        return false;
      case ROLL_BACK:
        FailureReason reason = t.reason(verdict.kind(), check.name(), verdict.value(), verdict.bound(),
            verdict.message());
        t.warning(verdict.message());
        t.alert(AlertSeverity.ERROR, verdict.message());
        Rollback.rollback(t, reason);
        return false;
      default:
        failCheck(t, t.reason(verdict.kind(), check.name(), verdict.value(), verdict.bound(),
            verdict.message()));
        return false;
    }
  }

  private static boolean lastWas(CheckStatus before, OutcomeClass outcome) {
    return before != null && !before.measurements().isEmpty()
        && before.measurements().get(before.measurements().size() - 1).outcome() == outcome;
  }

  /**
   * Counts a failed check and records why; rolls back in this same tick when the threshold is
   * reached (Flagger waits for the next tick).
   */
  static void failCheck(Tick t, FailureReason reason) {
    t.countFailedCheck(reason);
    t.warning(reason.message());
    if (t.failedChecks() >= t.threshold()) {
      Rollback.rollback(t, reason);
    }
  }
}
