package io.canaryanalysis.core;

import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.ConditionStatus;
import io.canaryanalysis.api.status.StatusCondition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Flagger's {@code Promoted} condition (flagger.md §3), derived from the phase. */
final class PromotedCondition {
  private PromotedCondition() {}

  /**
   * The conditions with {@code Promoted} set for {@code phase}. Unchanged conditions are returned
   * as they are; {@code lastTransitionTime} moves only when the condition status changes.
   */
  static List<StatusCondition> update(List<StatusCondition> conditions, CanaryPhase phase,
      String kind, Instant now) {
    StatusCondition previous = null;
    for (StatusCondition c : conditions) {
      if (c.type().equals(StatusCondition.PROMOTED)) {
        previous = c;
      }
    }
    ConditionStatus status = status(phase);
    String reason = phase.flaggerName();
    String message = message(phase, kind);
    if (previous != null && previous.status() == status && reason.equals(previous.reason())
        && message.equals(previous.message())) {
      return conditions;
    }
    Instant transition = previous != null && previous.status() == status
        ? previous.lastTransitionTime() : now;
    StatusCondition updated = new StatusCondition(StatusCondition.PROMOTED, status, reason, message,
        now, transition);
    List<StatusCondition> result = new ArrayList<>(conditions.size() + 1);
    for (StatusCondition c : conditions) {
      if (!c.type().equals(StatusCondition.PROMOTED)) {
        result.add(c);
      }
    }
    result.add(updated);
    return result;
  }

  static ConditionStatus status(CanaryPhase phase) {
    switch (phase) {
      case INITIALIZED:
      case SUCCEEDED:
        return ConditionStatus.TRUE;
      case FAILED:
        return ConditionStatus.FALSE;
      default:
        return ConditionStatus.UNKNOWN;
    }
  }

  static String message(CanaryPhase phase, String kind) {
    switch (phase) {
      case INITIALIZED:
        return kind + " initialization completed.";
      case WAITING:
      case WAITING_PROMOTION:
        return "Waiting for approval.";
      case PROGRESSING:
        return "New revision detected, progressing canary analysis.";
      case PROMOTING:
        return "Canary analysis completed, starting primary rolling update.";
      case FINALISING:
        return "Canary analysis completed, routing all traffic to primary.";
      case SUCCEEDED:
        return "Canary analysis completed successfully, promotion finished.";
      case FAILED:
        return "Canary analysis failed, " + kind + " scaled to zero.";
      default:
        return "New " + kind + " detected, starting initialization.";
    }
  }
}
