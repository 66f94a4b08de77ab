package io.canaryanalysis.core;

import io.canaryanalysis.api.CanaryAlert;
import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.status.CanaryStatus;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What one {@link AnalysisEngine#reconcile} call did.
 *
 * @param status the status now stored (the one read when nothing was written)
 * @param events the events of this tick, in order, as delivered to the {@link io.canaryanalysis.api.EventSink}
 * @param alerts the alerts of this tick, in order
 * @param nextTickIn when the host should reconcile this canary again
 * @param analysed true when the tick decided and persisted a step of the analysis
 * @param outcome how the tick ended
 */
public record TickReport(
    CanaryStatus status,
    List<CanaryEvent> events,
    List<CanaryAlert> alerts,
    Duration nextTickIn,
    boolean analysed,
    Outcome outcome) {

  /** How a tick ended. */
  public enum Outcome {
    /** Not due yet; nothing was read or done. */
    NOT_DUE,
    /** Ran, and had nothing new to persist (suspended, or a tick that changed nothing). */
    UNCHANGED,
    /** A new status was persisted and its actions performed (an action that failed is repaired by the next tick). */
    PERSISTED,
    /** Another writer changed the canary first; nothing was done, the next tick reads its status. */
    CONFLICT,
    /** The spec is invalid, no router is registered, or a call failed before anything was decided; retried later. */
    FAILED
  }

  public TickReport {
    Objects.requireNonNull(status, "status");
    events = List.copyOf(events);
    alerts = List.copyOf(alerts);
    Objects.requireNonNull(nextTickIn, "nextTickIn");
    Objects.requireNonNull(outcome, "outcome");
  }
}
