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
 * @param latency a latency judge's state (then {@code steps} is empty and the ratio is that of
 *     requests slower than {@link LatencyEvidence#bound()}), or null for an error-count judge
 */
public record JudgeStatus(List<JudgeStep> steps, double eValue, Double rateRatio, Double ratioLower,
    Double ratioUpper, LatencyEvidence latency) {

  public JudgeStatus {
    steps = steps == null ? List.of() : List.copyOf(steps);
  }

  /** An error-count judge's state (the shape before latency judges). */
  public JudgeStatus(List<JudgeStep> steps, double eValue, Double rateRatio, Double ratioLower,
      Double ratioUpper) {
    this(steps, eValue, rateRatio, ratioLower, ratioUpper, null);
  }

  /** A judge that has seen nothing yet. */
  public static JudgeStatus initial() {
    return new JudgeStatus(List.of(), 1.0, null, null, null);
  }
}
