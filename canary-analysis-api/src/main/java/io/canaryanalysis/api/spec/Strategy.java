package io.canaryanalysis.api.spec;

/** The deployment strategy an analysis implies (Flagger's {@code DeploymentStrategy()}). */
public enum Strategy {
  /** Progressive weights: {@code stepWeight} or {@code stepWeights}. */
  CANARY("canary"),
  /** {@code iterations} without {@code match}. */
  BLUE_GREEN("blue-green"),
  /** {@code iterations} with {@code match}. */
  AB_TESTING("ab-testing");

  private final String flaggerName;

  Strategy(String flaggerName) {
    this.flaggerName = flaggerName;
  }

  /** Flagger's label value, for example {@code blue-green}. */
  public String flaggerName() {
    return flaggerName;
  }
}
