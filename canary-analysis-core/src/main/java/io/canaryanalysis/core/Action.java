package io.canaryanalysis.core;

import io.canaryanalysis.api.AlertSeverity;
import io.canaryanalysis.api.EventType;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.spec.ProviderRef;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A side effect the state machine decided on. The engine performs the {@linkplain #changesWorld()
 * world-changing} ones in order, stopping at the first failure (the next tick converges the rest),
 * then delivers every event and alert.
 */
sealed interface Action
    permits Action.SetRoutes, Action.ScaleUp, Action.ScaleToZero, Action.Promote, Action.Revert,
        Action.FinalizeRoutes, Action.PrepareCapacity, Action.ReleaseCapacity, Action.RecordEvent, Action.SendAlert, Action.RunPostRolloutHooks {

  /** True for routes, replicas and promotion; false for events and alerts. */
  default boolean changesWorld() {
    return true;
  }

  /** What the action does, for error texts: {@code scaling up podinfo}. */
  default String describe(String target, String routerKind) {
    if (this instanceof SetRoutes) {
      TrafficSplit split = ((SetRoutes) this).split();
      return "setting routes primary=" + split.primaryWeight() + " canary=" + split.canaryWeight()
          + (split.mirrored() ? " mirrored" : "");
    } else if (this instanceof ScaleUp) {
      return "scaling up " + target;
    } else if (this instanceof ScaleToZero) {
      return "scaling down " + target;
    } else if (this instanceof Promote) {
      return "promoting " + target + " to " + target + "-primary";
    } else if (this instanceof Revert) {
      return "reverting the workload";
    } else if (this instanceof FinalizeRoutes) {
      return "finalizing the " + routerKind + " routes";
    } else if (this instanceof PrepareCapacity) {
      return "scaling up " + target + "-primary to carry the traffic";
    } else if (this instanceof ReleaseCapacity) {
      return "restoring the autoscaler floor of " + target + "-primary";
    }
    return getClass().getSimpleName();
  }

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

  /**
   * Where, among the decision's events, the post-rollout hooks the status now owes
   * ({@code pendingPostRollout}) are called and reported, as in Flagger's order.
   */
  record RunPostRolloutHooks() implements Action {
    @Override
    public boolean changesWorld() {
      return false;
    }
  }

  /** Point the apex Service back at the target (a deleted canary with revertOnDeletion). */
  record Revert() implements Action {}

  /** Raise the primary's autoscaler floor so it can carry all traffic before traffic moves to it. */
  record PrepareCapacity() implements Action {}

  /** Restore the floor {@link PrepareCapacity} raised, once traffic is on the primary. */
  record ReleaseCapacity() implements Action {}

  /** Hand all traffic to the primary routes and restore the user's objects (revertOnDeletion). */
  record FinalizeRoutes() implements Action {}

  /**
   * Emit an event with Flagger's text (also delivered to {@code event} webhooks, whose payload
   * carries {@code phase}; null means the phase the tick ends in).
   */
  record RecordEvent(EventType type, String message, CanaryPhase phase) implements Action {
    public RecordEvent {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(message, "message");
    }

    @Override
    public boolean changesWorld() {
      return false;
    }
  }

  /**
   * Send an alert to {@code providers}: the {@code analysis.alerts} subscriptions that accept its
   * severity, or none when the canary subscribes to nothing (the host's default channel).
   */
  record SendAlert(AlertSeverity severity, String message, List<ProviderRef> providers,
      Map<String, String> fields) implements Action {
    public SendAlert {
      Objects.requireNonNull(severity, "severity");
      Objects.requireNonNull(message, "message");
      providers = List.copyOf(providers);
      fields = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(fields));
    }

    @Override
    public boolean changesWorld() {
      return false;
    }
  }
}
