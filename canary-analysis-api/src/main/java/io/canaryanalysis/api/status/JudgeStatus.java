package io.canaryanalysis.api.status;

import java.util.List;

/**
 * The state and the current evidence of a canary-vs-primary judge in this run. The steps are the
 * whole state (the e-value is recomputed from them); the rest is shown for people.
 *
 * @param steps counts per traffic weight, in the order the weights were used
 * @param eValue the one-sided e-value for "the canary's error rate is higher than the primary's";
 *     the check fails once it reaches {@code 1/alpha}
 * @param rateRatio the estimated ratio of the canary's error rate to the primary's, or null when
 *     there were no errors yet
 * @param ratioLower the lower end of the rate ratio's confidence sequence (intersected over the
 *     run), or null when unbounded (0)
 * @param ratioUpper the upper end, or null when unbounded
 */
public record JudgeStatus(List<JudgeStep> steps, double eValue, Double rateRatio, Double ratioLower,
    Double ratioUpper) {

  public JudgeStatus {
    steps = steps == null ? List.of() : List.copyOf(steps);
  }

  /** A judge that has seen nothing yet. */
  public static JudgeStatus initial() {
    return new JudgeStatus(List.of(), 1.0, null, null, null);
  }
}
