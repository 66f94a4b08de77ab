package io.canaryanalysis.core;

import io.canaryanalysis.api.PrimaryCapacity;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.WorkloadSnapshot;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * The start of every tick: the actions that bring the world back to what the persisted status
 * says, whatever happened after it was written (a crash, a failed router or scale call). Routes
 * always follow {@code status.canaryWeight} and {@code status.mirrored}; the canary runs while a
 * run is active (or serves alone after a failed promotion) and is at zero otherwise; a promotion
 * the status records is repeated when the primary does not run it yet. Traffic is never routed to
 * a canary before it is scaled up, and a canary is never scaled down while it still gets traffic.
 * A traffic move waiting for the primary's capacity ({@code status.capacityWait}) gets its
 * scale-up repeated when the workload lost it, and a raised floor is restored once nothing needs it.
 */
final class Convergence {
  private Convergence() {}

  private enum Replicas { UP, ZERO, AS_IS }

  static List<Action> actions(CanaryStatus status, WorkloadSnapshot workload) {
    CanaryPhase phase = status.phase();
    if (phase == CanaryPhase.INITIALIZING || phase == CanaryPhase.TERMINATING
        || phase == CanaryPhase.TERMINATED) {
      return List.of();
    }
    List<Action> actions = new ArrayList<>(4);
    if (promotionIncomplete(status, workload)) {
      actions.add(new Action.Promote());
    }
    TrafficSplit routes = Tick.routesOf(status);
    Replicas canary = canaryReplicas(status, workload);
    Integer replicas = workload.canaryReplicas();
    PrimaryCapacity capacity = workload.primaryCapacity();
    boolean waiting = status.capacityWait() != null;
    if (waiting && capacity != null && !capacity.raised()) {
      actions.add(new Action.PrepareCapacity()); // a scale-up lost to a crash or a failed call
    }
    if (canary == Replicas.UP && (replicas == null || replicas == 0)) {
      actions.add(new Action.ScaleUp());
    }
    if (!waiting) {
      // While a move to the primary waits for its capacity, the routes stay as they are: the
      // decision did not change them, and a router that follows replica counts must not resize
      // the canary to the growing primary.
      actions.add(new Action.SetRoutes(routes));
    }
    if (canary == Replicas.ZERO && (replicas == null || replicas > 0)) {
      actions.add(new Action.ScaleToZero());
    }
    if (!waiting && capacity != null && capacity.raised() && phase != CanaryPhase.PROMOTING
        && phase != CanaryPhase.FINALISING) {
      actions.add(new Action.ReleaseCapacity()); // a raised floor outlived its move
    }
    return actions;
  }

  private static Replicas canaryReplicas(CanaryStatus status, WorkloadSnapshot workload) {
    switch (status.phase()) {
      case PROGRESSING:
      case WAITING_PROMOTION:
      case PROMOTING:
      case FINALISING:
        return Replicas.UP;
      case FAILED:
        if (status.canaryWeight() > 0) {
          return Replicas.UP; // a failed promotion: the canary is the only healthy copy
        }
        return newRevision(status, workload) ? Replicas.AS_IS : Replicas.ZERO;
      case INITIALIZED:
      case SUCCEEDED:
        // A new revision is the decision's to start; scaling it down here would only flap.
        return newRevision(status, workload) ? Replicas.AS_IS : Replicas.ZERO;
      default:
        return Replicas.AS_IS;
    }
  }

  private static boolean newRevision(CanaryStatus status, WorkloadSnapshot workload) {
    return CanaryStateMachine.revisionChanged(status, workload);
  }

  /**
   * Promoting or Finalising while the primary does not run the analysed revision (a promotion
   * lost to a crash or a failed call), and the target still has that revision to copy. A workload
   * that cannot tell the primary's revision gets the idempotent promotion on every such tick.
   */
  private static boolean promotionIncomplete(CanaryStatus status, WorkloadSnapshot workload) {
    if (status.phase() != CanaryPhase.PROMOTING && status.phase() != CanaryPhase.FINALISING) {
      return false;
    }
    String analysed = status.lastAppliedSpec();
    if (analysed == null || !analysed.equals(workload.revision())) {
      return false;
    }
    return workload.primaryRevision() == null || !analysed.equals(workload.primaryRevision());
  }
}
