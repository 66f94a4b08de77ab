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
 */
public record WorkloadSnapshot(
    String revision,
    Map<String, String> trackedConfigs,
    Readiness canary,
    Readiness primary) {

  public WorkloadSnapshot {
    Objects.requireNonNull(revision, "revision");
    trackedConfigs = trackedConfigs == null ? Map.of() : Map.copyOf(trackedConfigs);
    Objects.requireNonNull(canary, "canary");
    Objects.requireNonNull(primary, "primary");
  }
}
