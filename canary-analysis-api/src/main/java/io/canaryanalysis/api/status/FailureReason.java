package io.canaryanalysis.api.status;

import java.time.Instant;
import java.util.Objects;

/**
 * Why a check failed, kept in the status so a failed run explains itself (Flagger only leaves events).
 *
 * @param check the metric or webhook name, or {@code canary}/{@code primary} for readiness
 * @param value the observed value, or null when there was none
 * @param bound the violated bound as text, for example {@code < 99} or {@code > 500ms}, or null
 * @param message the full message, the same text as the Halt event
 */
public record FailureReason(
    CheckKind kind,
    String check,
    Double value,
    String bound,
    String message,
    Instant time) {

  public FailureReason {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(check, "check");
    Objects.requireNonNull(message, "message");
  }
}
