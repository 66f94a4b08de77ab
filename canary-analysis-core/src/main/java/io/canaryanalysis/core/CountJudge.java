package io.canaryanalysis.core;

import io.canaryanalysis.api.spec.JudgeSpec;
import io.canaryanalysis.api.status.JudgeStatus;
import io.canaryanalysis.api.status.JudgeStep;
import io.canaryanalysis.api.status.OutcomeClass;
import java.util.ArrayList;
import java.util.List;

/**
 * One look of the canary-vs-primary judge: adds an interval's counts to the run's evidence under
 * the weight the canary had during that interval, and classifies the evidence with
 * {@link CountEProcess}: fail when the e-value reaches 1/α, pass when the rate ratio's confidence
 * sequence lies below {@code minRatio}, inconclusive otherwise.
 */
final class CountJudge {
  private CountJudge() {}

  /** The class of this look and the judge's new state. */
  record Look(OutcomeClass outcome, JudgeStatus status) {}

  static Look look(JudgeStatus previous, JudgeSpec spec, int weight, long canaryErrors,
      long primaryErrors, long canaryRequests, long primaryRequests) {
    JudgeStatus before = previous == null ? JudgeStatus.initial() : previous;
    List<JudgeStep> steps = new ArrayList<>(before.steps());
    if (weight > 0 && weight < 100) {
      JudgeStep last = steps.isEmpty() ? null : steps.get(steps.size() - 1);
      if (last != null && last.weight() == weight) {
        steps.set(steps.size() - 1, last.plus(canaryErrors, primaryErrors, canaryRequests, primaryRequests));
      } else {
        steps.add(new JudgeStep(weight, canaryErrors, primaryErrors, canaryRequests, primaryRequests));
      }
    }
    return classify(before, steps, spec);
  }

  static Look classify(JudgeStatus before, List<JudgeStep> steps, JudgeSpec spec) {
    double alpha = spec.effectiveAlpha();
    double e = CountEProcess.eValue(steps, spec.effectiveMinRatio());
    double estimate = CountEProcess.estimate(steps);
    double[] cs = CountEProcess.confidenceInterval(steps, alpha);
    double lower = Math.max(cs[0], before.ratioLower() == null ? Double.NEGATIVE_INFINITY
        : Math.log(before.ratioLower()));
    double upper = Math.min(cs[1], before.ratioUpper() == null ? Double.POSITIVE_INFINITY
        : Math.log(before.ratioUpper()));
    if (lower > upper) {
      // An empty intersection happens with probability at most alpha; show this look's set.
      lower = cs[0];
      upper = cs[1];
    }
    JudgeStatus status = new JudgeStatus(steps, e, Double.isNaN(estimate) ? null : Math.exp(estimate),
        Double.isInfinite(lower) ? null : Math.exp(lower), Double.isInfinite(upper) ? null : Math.exp(upper));
    OutcomeClass outcome;
    if (e >= 1 / alpha) {
      outcome = OutcomeClass.FAIL;
    } else if (status.ratioUpper() != null && status.ratioUpper() < spec.effectiveMinRatio()) {
      outcome = OutcomeClass.PASS;
    } else {
      outcome = OutcomeClass.INCONCLUSIVE;
    }
    return new Look(outcome, status);
  }
}
