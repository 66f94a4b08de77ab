package io.canaryanalysis.api.status;

import java.util.Optional;

/** Flagger's canary phases; {@link #flaggerName()} is the value written to {@code status.phase}. */
public enum CanaryPhase {
  INITIALIZING("Initializing"),
  INITIALIZED("Initialized"),
  WAITING("Waiting"),
  PROGRESSING("Progressing"),
  WAITING_PROMOTION("WaitingPromotion"),
  PROMOTING("Promoting"),
  FINALISING("Finalising"),
  SUCCEEDED("Succeeded"),
  FAILED("Failed"),
  TERMINATING("Terminating"),
  TERMINATED("Terminated");

  private final String flaggerName;

  CanaryPhase(String flaggerName) {
    this.flaggerName = flaggerName;
  }

  /** The phase as Flagger writes it, for example {@code WaitingPromotion}. */
  public String flaggerName() {
    return flaggerName;
  }

  /** True while an analysis run is under way (Flagger's {@code shouldAdvance} phases). */
  public boolean isRunActive() {
    switch (this) {
      case PROGRESSING:
      case WAITING:
      case WAITING_PROMOTION:
      case PROMOTING:
      case FINALISING:
        return true;
      default:
        return false;
    }
  }

  /** Parses Flagger's phase name; an empty name means {@link #INITIALIZING}. */
  public static Optional<CanaryPhase> fromFlaggerName(String name) {
    if (name == null || name.isEmpty()) {
      return Optional.of(INITIALIZING);
    }
    for (CanaryPhase phase : values()) {
      if (phase.flaggerName.equals(name)) {
        return Optional.of(phase);
      }
    }
    return Optional.empty();
  }
}
