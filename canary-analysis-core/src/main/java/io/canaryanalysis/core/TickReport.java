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
 * @param status the status to persist (the previous one when the tick was not due or a provider failed)
 * @param events the events of this tick, in order, as delivered to the {@link io.canaryanalysis.api.EventSink}
 * @param alerts the alerts of this tick, in order
 * @param nextTickIn when the host should reconcile this canary again
 * @param analysed true when the tick did analysis work and recorded {@code lastAnalysisTime}
 */
public record TickReport(
    CanaryStatus status,
    List<CanaryEvent> events,
    List<CanaryAlert> alerts,
    Duration nextTickIn,
    boolean analysed) {

  public TickReport {
    Objects.requireNonNull(status, "status");
    events = List.copyOf(events);
    alerts = List.copyOf(alerts);
    Objects.requireNonNull(nextTickIn, "nextTickIn");
  }
}
