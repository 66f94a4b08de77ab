package io.canaryanalysis.core;

import static io.canaryanalysis.api.status.CanaryPhase.FAILED;
import static io.canaryanalysis.api.status.CanaryPhase.FINALISING;
import static io.canaryanalysis.api.status.CanaryPhase.INITIALIZED;
import static io.canaryanalysis.api.status.CanaryPhase.INITIALIZING;
import static io.canaryanalysis.api.status.CanaryPhase.PROGRESSING;
import static io.canaryanalysis.api.status.CanaryPhase.PROMOTING;
import static io.canaryanalysis.api.status.CanaryPhase.SUCCEEDED;
import static io.canaryanalysis.api.status.CanaryPhase.WAITING;
import static io.canaryanalysis.api.status.CanaryPhase.WAITING_PROMOTION;

import io.canaryanalysis.api.status.CanaryPhase;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The phase changes one tick may make (Flagger §2.2). Staying in a phase is always allowed; any
 * other change not listed is a programming error and throws {@link IllegalStateException}.
 */
final class PhaseTransitions {
  private static final Map<CanaryPhase, Set<CanaryPhase>> ALLOWED = new EnumMap<>(CanaryPhase.class);

  static {
    ALLOWED.put(INITIALIZING, EnumSet.of(INITIALIZED));
    // A new revision: the confirm-rollout gate closes (Waiting) or the run starts (Progressing);
    // an unhealthy primary past its deadline fails the new revision.
    ALLOWED.put(INITIALIZED, EnumSet.of(WAITING, PROGRESSING, FAILED));
    ALLOWED.put(SUCCEEDED, EnumSet.of(WAITING, PROGRESSING, FAILED));
    ALLOWED.put(FAILED, EnumSet.of(WAITING, PROGRESSING));
    ALLOWED.put(WAITING, EnumSet.of(PROGRESSING, FAILED));
    ALLOWED.put(PROGRESSING, EnumSet.of(WAITING_PROMOTION, PROMOTING, SUCCEEDED, FAILED));
    ALLOWED.put(WAITING_PROMOTION, EnumSet.of(PROGRESSING, PROMOTING, SUCCEEDED, FAILED));
    ALLOWED.put(PROMOTING, EnumSet.of(FINALISING, FAILED));
    ALLOWED.put(FINALISING, EnumSet.of(SUCCEEDED, FAILED));
    ALLOWED.put(CanaryPhase.TERMINATING, EnumSet.noneOf(CanaryPhase.class));
    ALLOWED.put(CanaryPhase.TERMINATED, EnumSet.noneOf(CanaryPhase.class));
  }

  private PhaseTransitions() {}

  static boolean isAllowed(CanaryPhase from, CanaryPhase to) {
    return from == to || ALLOWED.get(from).contains(to);
  }

  /** @throws IllegalStateException when {@code from → to} is not a transition of the table */
  static void check(CanaryPhase from, CanaryPhase to) {
    if (!isAllowed(from, to)) {
      throw new IllegalStateException("illegal canary phase transition " + from.flaggerName()
          + " -> " + to.flaggerName());
    }
  }
}
