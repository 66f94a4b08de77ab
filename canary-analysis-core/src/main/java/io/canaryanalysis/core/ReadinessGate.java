package io.canaryanalysis.core;

import io.canaryanalysis.api.Readiness;
import io.canaryanalysis.api.status.CanaryPhase;
import java.time.Instant;

/**
 * Readiness waits with the engine's own progress deadline: the wait starts at
 * {@code status.notReadySince} and fails after {@code spec.progressDeadlineSeconds}, or at once when
 * the workload reports {@link Readiness.State#FAILED}. Flagger relies on Deployment conditions
 * instead, so a crash-looping canary can hang forever (flagger.md §2.10).
 */
final class ReadinessGate {
  private ReadinessGate() {}

  static boolean primaryReady(Tick t) {
    Readiness primary = t.workload().primary();
    if (primary.isReady()) {
      return true;
    }
    String text = text(primary, t.primaryTargetKey() + " not ready");
    Ending ending = ending(t, primary, text);
    if (ending == Ending.WAIT) {
      return false;
    }
    CanaryPhase phase = t.phase();
    if (phase == CanaryPhase.PROMOTING || phase == CanaryPhase.FINALISING) {
      Rollback.failedPromotion(t, ending == Ending.DEADLINE
          ? text + " (progress deadline " + t.progressDeadline().getSeconds() + "s exceeded)"
          : text);
    } else {
      Rollback.notReady(t, "primary", text, ending == Ending.DEADLINE);
    }
    return false;
  }

  static boolean canaryReady(Tick t) {
    Readiness canary = t.workload().canary();
    if (canary.isReady()) {
      return true;
    }
    String text = text(canary, "canary deployment " + t.targetKey + " not ready");
    Ending ending = ending(t, canary, text);
    if (ending != Ending.WAIT) {
      Rollback.notReady(t, "canary", text, ending == Ending.DEADLINE);
    }
    return false;
  }

  private enum Ending { WAIT, FAILED, DEADLINE }

  /** How a not-ready observation ends this tick; while waiting, a Warning event with the readiness text is recorded. */
  private static Ending ending(Tick t, Readiness readiness, String text) {
    if (readiness.state() == Readiness.State.FAILED) {
      return Ending.FAILED;
    }
    Instant since = t.previous.notReadySince() == null ? t.now : t.previous.notReadySince();
    if (!t.now.isBefore(since.plus(t.progressDeadline()))) {
      return Ending.DEADLINE;
    }
    t.notReadySince(since);
    t.warning(text);
    return Ending.WAIT;
  }

  static String text(Readiness readiness, String fallback) {
    return readiness.message().isEmpty() ? fallback : readiness.message();
  }
}
