package io.canaryanalysis.api.status;

import java.time.Instant;
import java.util.Objects;

/**
 * A status condition. The engine maintains Flagger's single {@code Promoted} condition: reason is
 * the phase name; status True for Initialized and Succeeded, False for Failed, Unknown otherwise.
 */
public record StatusCondition(
    String type,
    ConditionStatus status,
    String reason,
    String message,
    Instant lastUpdateTime,
    Instant lastTransitionTime) {

  /** The condition type Flagger sets ({@code kubectl wait canary/x --for=condition=promoted}). */
  public static final String PROMOTED = "Promoted";

  public StatusCondition {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(status, "status");
  }
}
