package io.canaryanalysis.core;

import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.WorkloadSnapshot;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.status.CanaryStatus;
import java.time.Instant;
import java.util.Objects;

/**
 * Everything one tick decides from, besides the checks it asks for.
 *
 * @param workload the observed workload; may be null only when the tick is not due or the canary is suspended
 * @param routerKind the router kind in use ({@code traefik}, {@code istio}, ...), named in no-data texts
 * @param routerCapabilities what the router can express; mirroring is only used when supported
 */
record TickInput(
    Canary canary,
    CanaryStatus status,
    Instant now,
    WorkloadSnapshot workload,
    String routerKind,
    RouterCapabilities routerCapabilities) {

  TickInput {
    Objects.requireNonNull(canary, "canary");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(now, "now");
    routerKind = routerKind == null ? "" : routerKind;
    routerCapabilities = routerCapabilities == null
        ? RouterCapabilities.WEIGHTS_ONLY : routerCapabilities;
  }
}
