package io.canaryanalysis.api;

/**
 * Whether the primary can carry the whole traffic now, for moving traffic back to it without a
 * capacity cliff (fluxcd/flagger#869): while the canary took a share, the primary's autoscaler
 * scaled it down, so routing everything to it at once would overload it.
 *
 * @param readyReplicas the primary's replicas that are ready now
 * @param neededReplicas the replicas the primary needs to carry all traffic: once the floor was
 *     raised ({@code raised}), the floor it was raised to; before, the replicas that serve the
 *     traffic now (primary plus ready canary replicas, capped by the primary autoscaler's maximum)
 * @param raised whether the workload holds a raised floor (for example an HPA's
 *     {@code minReplicas}) that {@link Workload#releaseCapacity} must restore
 */
public record PrimaryCapacity(int readyReplicas, int neededReplicas, boolean raised) {

  public PrimaryCapacity {
    if (readyReplicas < 0 || neededReplicas < 0) {
      throw new IllegalArgumentException("replicas must not be negative: ready " + readyReplicas
          + ", needed " + neededReplicas);
    }
  }

  /** True when the ready replicas reach the needed ones. */
  public boolean sufficient() {
    return readyReplicas >= neededReplicas;
  }
}
