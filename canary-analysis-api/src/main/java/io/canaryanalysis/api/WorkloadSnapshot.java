package io.canaryanalysis.api;

import java.util.Map;
import java.util.Objects;

/**
 * What the workload looks like now.
 *
 * @param revision hash of the target's pod template; a change starts a new run
 * @param trackedConfigs checksums of referenced ConfigMaps and Secrets ({@code configmap/<name>});
 *     a change also starts a new run
 * @param canary readiness of the target (canary) workload
 * @param primary readiness of the {@code <target>-primary} workload
 * @param canaryReplicas the target's desired replicas, so a tick can see a canary that should run
 *     but was scaled to zero (or the reverse); null when unknown (the engine then repeats the
 *     idempotent scale call)
 * @param primaryRevision the revision last promoted to the primary, so a promotion interrupted by
 *     a crash is repeated and a completed one is not; null when unknown
 * @param primaryCapacity whether the primary can carry all traffic now (see {@link PrimaryCapacity});
 *     null when the workload does not scale the primary on demand (no autoscaler): the engine then
 *     moves traffic to the primary without waiting, as Flagger does
 */
public record WorkloadSnapshot(
    String revision,
    Map<String, String> trackedConfigs,
    Readiness canary,
    Readiness primary,
    Integer canaryReplicas,
    String primaryRevision,
    PrimaryCapacity primaryCapacity) {

  public WorkloadSnapshot {
    Objects.requireNonNull(revision, "revision");
    trackedConfigs = trackedConfigs == null ? Map.of() : Map.copyOf(trackedConfigs);
    Objects.requireNonNull(canary, "canary");
    Objects.requireNonNull(primary, "primary");
  }

  /** A snapshot that does not report the primary's capacity (the earlier canonical constructor). */
  public WorkloadSnapshot(String revision, Map<String, String> trackedConfigs, Readiness canary,
      Readiness primary, Integer canaryReplicas, String primaryRevision) {
    this(revision, trackedConfigs, canary, primary, canaryReplicas, primaryRevision, null);
  }

  /** A snapshot that does not report replicas or the primary's revision. */
  public WorkloadSnapshot(String revision, Map<String, String> trackedConfigs, Readiness canary,
      Readiness primary) {
    this(revision, trackedConfigs, canary, primary, null, null, null);
  }
}
