package io.canaryanalysis.api;

import java.util.Objects;

/**
 * Whether a workload (canary or primary) is ready. {@link State#WAITING} is retried until the
 * canary's progress deadline, which the engine measures itself; {@link State#FAILED} ends the wait
 * at once (for example the Deployment's own progress deadline, or an image that cannot be pulled).
 *
 * @param message Flagger's text, for example {@code canary deployment podinfo.test not ready:
 *     waiting for rollout to finish: 0 of 1 (readyThreshold 100%) updated replicas are available}
 */
public record Readiness(State state, String message) {

  /** Readiness states. */
  public enum State {
    READY,
    WAITING,
    FAILED
  }

  public static final Readiness READY = new Readiness(State.READY, "");

  public Readiness {
    Objects.requireNonNull(state, "state");
    message = message == null ? "" : message;
  }

  public static Readiness waiting(String message) {
    return new Readiness(State.WAITING, message);
  }

  public static Readiness failed(String message) {
    return new Readiness(State.FAILED, message);
  }

  public boolean isReady() {
    return state == State.READY;
  }
}
