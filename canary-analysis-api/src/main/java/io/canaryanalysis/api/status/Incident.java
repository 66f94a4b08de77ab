package io.canaryanalysis.api.status;

import java.time.Instant;
import java.util.Objects;

/**
 * Extension: a failure outside the analysis that is still open, kept in the status so its alert is
 * sent once (and a reminder at the engine's interval) and its recovery once, across restarts.
 *
 * @param kind what fails; a status holds at most one incident per kind
 * @param message the failure's text when it was last alerted (or first seen), redacted
 * @param since when this failure was first seen
 * @param alertedAt when its alert or last reminder was sent; null while it is not alerted yet
 */
public record Incident(IncidentKind kind, String message, Instant since, Instant alertedAt) {
  public Incident {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(since, "since");
  }

  /** True once the incident's opening alert was sent. */
  public boolean alerted() {
    return alertedAt != null;
  }
}
