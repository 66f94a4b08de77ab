package io.canaryanalysis.api.status;

import io.canaryanalysis.api.AlertSeverity;
import java.util.Optional;

/**
 * What fails outside the analysis (fluxcd/flagger#1663, #1816): each kind is one open
 * {@link Incident} at most, alerted once when it starts and once when it clears.
 */
public enum IncidentKind {
  /** The spec is invalid (validation, an unregistered provider, an unreadable manifest). */
  SPEC("spec", AlertSeverity.ERROR),
  /** The canary cannot be initialized: a call fails while Initializing, or the primary stays not ready past the progress deadline. */
  INITIALIZATION("initialization", AlertSeverity.ERROR),
  /** A workload call (target, primary, scaling, promotion) keeps failing after initialization. */
  WORKLOAD("workload", AlertSeverity.ERROR),
  /** A router call (reconcile, read or write the routes) keeps failing after initialization. */
  ROUTER("router", AlertSeverity.ERROR),
  /** A metric provider keeps erroring (queries fail, templates or providers missing). */
  METRICS("metrics", AlertSeverity.WARN);

  private final String manifestValue;
  private final AlertSeverity severity;

  IncidentKind(String manifestValue, AlertSeverity severity) {
    this.manifestValue = manifestValue;
    this.severity = severity;
  }

  /** The value written in a stored status. */
  public String manifestValue() {
    return manifestValue;
  }

  /** The severity of the alert that opens an incident of this kind (its recovery is {@code info}, sent to the same subscriptions). */
  public AlertSeverity severity() {
    return severity;
  }

  /** Parses a stored value. */
  public static Optional<IncidentKind> fromManifest(String value) {
    for (IncidentKind kind : values()) {
      if (kind.manifestValue.equals(value)) {
        return Optional.of(kind);
      }
    }
    return Optional.empty();
  }
}
