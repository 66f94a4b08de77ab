package io.canaryanalysis.core;

import io.canaryanalysis.api.PrimaryCapacity;
import io.canaryanalysis.api.spec.Strategy;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CapacityWait;
import java.time.Duration;

/**
 * Traffic moves to the primary without a capacity cliff (fluxcd/flagger#869, #1600;
 * argoproj/argo-rollouts#3888). While the canary took a share, the primary's autoscaler scaled
 * the primary down; routing everything back at once, as Flagger does on a rollback and when it
 * finalises a promotion, overloads it. Here the move is decided and persisted first
 * ({@code status.capacityWait}), the primary's floor is raised to the replicas serving the traffic
 * now, and the traffic moves once enough of them are ready, or anyway, with a warning, when the
 * wait has lasted the progress deadline. A workload that reports no capacity (no autoscaler: the
 * primary kept its replicas) never waits.
 */
final class CapacityStep {
  private CapacityStep() {}

  /** What the primary's capacity allows now. */
  sealed interface Check permits Check.Ready, Check.Waiting, Check.Expired {
    /** Enough replicas are ready, or the workload does not scale the primary on demand. */
    record Ready(PrimaryCapacity capacity) implements Check {}

    /** Not enough replicas are ready yet; the wait goes on. */
    record Waiting(PrimaryCapacity capacity) implements Check {}

    /** Not enough replicas are ready, but the wait reached its bound: the traffic moves anyway. */
    record Expired(PrimaryCapacity capacity, Duration bound) implements Check {}
  }

  /** The bound of a wait: the canary's progress deadline. */
  static Duration bound(Tick t) {
    return t.progressDeadline();
  }

  static Check check(Tick t, CapacityWait wait) {
    PrimaryCapacity capacity = t.workload().primaryCapacity();
    if (capacity == null || capacity.sufficient()) {
      return new Check.Ready(capacity);
    }
    if (wait != null && !t.now.isBefore(wait.since().plus(bound(t)))) {
      return new Check.Expired(capacity, bound(t));
    }
    return new Check.Waiting(capacity);
  }

  /**
   * Before traffic moves to the primary: true when it may move now (the canary has no share of the
   * traffic, only mirrored copies or, for A/B testing, only the requests its match selects; or the
   * primary can carry it). Otherwise the wait starts: the status records it, the primary is scaled
   * up, and a warning says what the move waits for.
   */
  static boolean mayMove(Tick t, CapacityWait.Move move) {
    if (t.routes().canaryWeight() == 0 || t.analysis.strategy() == Strategy.AB_TESTING) {
      return true;
    }
    Check check = check(t, null);
    if (check instanceof Check.Ready) {
      return true;
    }
    PrimaryCapacity capacity = ((Check.Waiting) check).capacity();
    t.act(new Action.PrepareCapacity());
    waiting(t, move, t.now, capacity);
    return false;
  }

  /**
   * A tick while a move waits: keep waiting (the scale-up is asserted again), or complete the move,
   * with a warning when the bound expired first. A stored wait that no longer fits the phase is
   * dropped and the tick goes on as if there was none (returns false).
   */
  static boolean resume(Tick t) {
    CapacityWait wait = t.previous.capacityWait();
    boolean fits = wait.move() == CapacityWait.Move.ROLLBACK ? t.phase() == CanaryPhase.FAILED
        : t.phase() == CanaryPhase.PROMOTING;
    if (!fits) {
      t.capacityWait(null);
      return false;
    }
    Check check = check(t, wait);
    if (check instanceof Check.Waiting) {
      t.act(new Action.PrepareCapacity());
      waiting(t, wait.move(), wait.since(), ((Check.Waiting) check).capacity());
      return true;
    }
    if (check instanceof Check.Expired) {
      PrimaryCapacity c = ((Check.Expired) check).capacity();
      t.warning(moveName(wait.move()) + " of " + t.canaryKey + ": " + t.primaryTargetKey()
          + " did not carry the traffic within " + ((Check.Expired) check).bound().getSeconds()
          + "s (" + c.readyReplicas() + "/" + c.neededReplicas()
          + " replicas ready), moving the traffic anyway");
    } else if (((Check.Ready) check).capacity() != null) {
      PrimaryCapacity c = ((Check.Ready) check).capacity();
      t.info(t.primaryTargetKey() + " carries the traffic: " + c.readyReplicas() + "/"
          + c.neededReplicas() + " replicas ready");
    }
    t.capacityWait(null);
    if (wait.move() == CapacityWait.Move.ROLLBACK) {
      Rollback.moveTraffic(t);
      t.rollbackDone();
    } else {
      Promotion.routeToPrimary(t);
    }
    return true;
  }

  /** Restores the primary's floor if one is raised (the traffic is on the primary now). */
  static void release(Tick t) {
    PrimaryCapacity capacity = t.workload().primaryCapacity();
    if (capacity != null && capacity.raised()) {
      t.act(new Action.ReleaseCapacity());
    }
  }

  private static void waiting(Tick t, CapacityWait.Move move, java.time.Instant since,
      PrimaryCapacity capacity) {
    String message = "waiting for " + t.primaryTargetKey() + " to carry the traffic: "
        + capacity.readyReplicas() + "/" + capacity.neededReplicas() + " replicas ready";
    t.capacityWait(new CapacityWait(move, since, capacity.readyReplicas(),
        capacity.neededReplicas(), message));
    t.warning(moveName(move) + " of " + t.canaryKey + " " + message);
  }

  private static String moveName(CapacityWait.Move move) {
    return move == CapacityWait.Move.ROLLBACK ? "Rollback" : "Promotion";
  }
}
