package io.canaryanalysis.api;

import io.canaryanalysis.api.spec.Canary;

/**
 * The target workload and its {@code -primary} copy (for example two Deployments). Calls may throw
 * {@link ProviderException}; the engine reports it and retries on the next tick.
 */
public interface Workload {

  /**
   * Creates the primary from the target if it does not exist yet, and the Services the routers
   * point at. Idempotent; runs on every tick.
   */
  void initialize(Canary canary);

  /** Revision, tracked configs and readiness of both workloads. */
  WorkloadSnapshot observe(Canary canary);

  /** Scales the target up from zero for a new run. */
  void scaleUp(Canary canary);

  /** Scales the target to zero (after initialization, promotion or rollback). */
  void scaleToZero(Canary canary);

  /** Copies the target's template (and tracked configs) to the primary. */
  void promote(Canary canary);

  /**
   * Hands the service back to the target when a canary with {@code revertOnDeletion} is deleted:
   * called once the target is scaled up and ready again, it points the apex Service at the
   * target's own pods so removing the primary causes no outage. Idempotent. Default: nothing.
   */
  default void revert(Canary canary) {}

  /**
   * Makes the primary able to carry all traffic before it is moved there (a rollback, or a
   * promotion routing everything to the primary): raises its autoscaler's floor to the replicas
   * that serve the traffic now and scales it up, recording the original floor so that
   * {@link #releaseCapacity} restores it. Idempotent; a workload whose snapshot reports no
   * {@link WorkloadSnapshot#primaryCapacity()} never gets this call. Default: nothing.
   */
  default void prepareCapacity(Canary canary) {}

  /**
   * Restores the floor {@link #prepareCapacity} raised, once traffic is on the primary and the run
   * has ended. Idempotent: nothing when no floor is raised. Default: nothing.
   */
  default void releaseCapacity(Canary canary) {}
}
