package io.canaryanalysis.simulation;

import io.canaryanalysis.api.CanaryAlert;
import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One simulated reconcile: when it ran, the phase and traffic split after it, and what it emitted.
 *
 * @param time simulated time since the start
 */
public record TickRecord(
    Duration time,
    CanaryPhase phase,
    int primaryWeight,
    int canaryWeight,
    boolean mirrored,
    int failedChecks,
    int iterations,
    List<CanaryEvent> events,
    List<CanaryAlert> alerts,
    List<HookCall> hookCalls,
    CanaryStatus status) {

  public TickRecord {
    events = List.copyOf(events);
    alerts = List.copyOf(alerts);
    hookCalls = List.copyOf(hookCalls);
  }

  /** The events' messages, in order. */
  public List<String> eventMessages() {
    List<String> messages = new ArrayList<>(events.size());
    for (CanaryEvent event : events) {
      messages.add(event.message());
    }
    return messages;
  }

  /** The alerts' messages, in order. */
  public List<String> alertMessages() {
    List<String> messages = new ArrayList<>(alerts.size());
    for (CanaryAlert alert : alerts) {
      messages.add(alert.message());
    }
    return messages;
  }
}
