package io.canaryanalysis.core;

import io.canaryanalysis.api.status.CanaryStatus;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The decision of one tick: the new status, the actions to perform in order, and when the next
 * tick is due.
 *
 * @param analysed false when the tick was not due yet (nothing happened)
 */
record TickResult(CanaryStatus status, List<Action> actions, Duration nextTickIn, boolean analysed) {
  TickResult {
    Objects.requireNonNull(status, "status");
    actions = List.copyOf(actions);
    Objects.requireNonNull(nextTickIn, "nextTickIn");
  }
}
