package io.canaryanalysis.simulation;

/**
 * Failure injection around every side effect of a simulated rollout, for the crash-consistency
 * tests: an implementation throws {@link Failure} to make the call fail (the engine sees a
 * provider error) or {@link Crash} to kill the whole tick (the host restarts from the persisted
 * status), before or after the effect took place.
 */
interface Faults {

  /** The side effects of a rollout. */
  enum Boundary { ROUTES, SCALE_UP, SCALE_TO_ZERO, PROMOTE, STATUS_WRITE, PREPARE_CAPACITY, RELEASE_CAPACITY }

  /** Before the effect (nothing happened) or after it (it happened, but the caller does not know). */
  enum Moment { BEFORE, AFTER }

  /** Called around each side effect; throws to inject a fault. */
  void at(Boundary boundary, Moment moment);

  Faults NONE = (boundary, moment) -> {};

  /** A failed call, as a provider error. */
  final class Failure extends RuntimeException {
    Failure(String message) {
      super(message, null, false, false);
    }
  }

  /** The process dies mid-tick: nothing of the tick after this point happens. */
  final class Crash extends Error {
    Crash(String message) {
      super(message, null, false, false);
    }
  }
}
