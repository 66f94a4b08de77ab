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
 * @param actFirst the world actions must succeed before the status is persisted (only for the
 *     terminal Terminated step, after which nothing converges); otherwise the status is persisted
 *     first and the actions follow
 */
record TickResult(CanaryStatus status, List<Action> actions, Duration nextTickIn, boolean analysed,
    boolean actFirst) {
  TickResult {
    Objects.requireNonNull(status, "status");
    actions = List.copyOf(actions);
    Objects.requireNonNull(nextTickIn, "nextTickIn");
  }

  TickResult(CanaryStatus status, List<Action> actions, Duration nextTickIn, boolean analysed) {
    this(status, actions, nextTickIn, analysed, false);
  }

  TickResult actingFirst() {
    return new TickResult(status, actions, nextTickIn, analysed, true);
  }
}
