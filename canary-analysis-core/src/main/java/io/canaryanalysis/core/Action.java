package io.canaryanalysis.core;

import io.canaryanalysis.api.AlertSeverity;
import io.canaryanalysis.api.EventType;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.status.CanaryPhase;
import java.util.Objects;

/** A side effect the state machine decided on; the engine performs them in order. */
sealed interface Action
    permits Action.SetRoutes, Action.ScaleUp, Action.ScaleToZero, Action.Promote,
        Action.RecordEvent, Action.SendAlert, Action.RunPostRolloutHooks {

  /** Apply a traffic split through the router. */
  record SetRoutes(TrafficSplit split) implements Action {
    public SetRoutes {
      Objects.requireNonNull(split, "split");
    }
  }

  /** Scale the target (canary) up from zero for a new run. */
  record ScaleUp() implements Action {}

  /** Scale the target (canary) to zero. */
  record ScaleToZero() implements Action {}

  /** Copy the target's template and configs to the primary. */
  record Promote() implements Action {}

  /** Emit an event with Flagger's text (also delivered to {@code event} webhooks). */
  record RecordEvent(EventType type, String message) implements Action {
    public RecordEvent {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(message, "message");
    }
  }

  /** Send an alert to the {@code analysis.alerts} subscriptions that accept its severity. */
  record SendAlert(AlertSeverity severity, String message) implements Action {
    public SendAlert {
      Objects.requireNonNull(severity, "severity");
      Objects.requireNonNull(message, "message");
    }
  }

  /** Call the post-rollout hooks with the given payload phase and report each as an event. */
  record RunPostRolloutHooks(CanaryPhase phase) implements Action {
    public RunPostRolloutHooks {
      Objects.requireNonNull(phase, "phase");
    }
  }
}
