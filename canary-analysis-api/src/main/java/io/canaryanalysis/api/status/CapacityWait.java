package io.canaryanalysis.api.status;

import java.time.Instant;
import java.util.Objects;

/**
 * A traffic move to the primary the engine has decided and holds until the primary can carry all
 * traffic (fluxcd/flagger#869, argoproj/argo-rollouts#3888): the primary's floor is raised first,
 * traffic moves once enough replicas are ready, or anyway when the wait has lasted
 * {@code progressDeadlineSeconds}.
 *
 * @param move what waits: a rollback (the run is already Failed) or a promotion (Promoting)
 * @param since when the wait started, for its bound
 * @param readyReplicas the primary's ready replicas at the last look
 * @param neededReplicas the replicas it needs to carry all traffic
 * @param message what the engine waits for, for example {@code waiting for podinfo-primary.test to
 *     carry the traffic: 4/6 replicas ready}
 */
public record CapacityWait(Move move, Instant since, int readyReplicas, int neededReplicas,
    String message) {

  /** The traffic move that waits. */
  public enum Move {
    /** All traffic back to the primary after a decided rollback. */
    ROLLBACK("Rollback"),
    /** All traffic to the promoted primary. */
    PROMOTION("Promotion");

    private final String manifestValue;

    Move(String manifestValue) {
      this.manifestValue = manifestValue;
    }

    /** The value in {@code status.capacityWait.move}. */
    public String manifestValue() {
      return manifestValue;
    }
  }

  public CapacityWait {
    Objects.requireNonNull(move, "move");
    Objects.requireNonNull(since, "since");
    message = message == null ? "" : message;
  }
}
