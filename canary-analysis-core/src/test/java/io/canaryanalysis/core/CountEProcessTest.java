package io.canaryanalysis.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.canaryanalysis.api.spec.JudgeSpec;
import io.canaryanalysis.api.status.JudgeStatus;
import io.canaryanalysis.api.status.JudgeStep;
import io.canaryanalysis.api.status.OutcomeClass;
import io.canaryanalysis.simulation.MonteCarlo;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** The judge's e-process against hand-computed values, and its level on simulated A/A traffic. */
class CountEProcessTest {

  private static JudgeStep step(int weight, long canaryErrors, long primaryErrors) {
    return new JudgeStep(weight, canaryErrors, primaryErrors, 0, 0);
  }

  @Test
  void oneStepLikelihoodRatioIsTheBernoulliRatioOfTheCanarysShareOfErrors() {
    // w = 0.5, three canary errors, none on the primary, alternative ratio 3: θ = 0.75, LR = 1.5^3.
    double e = CountEProcess.eValue(List.of(step(50, 3, 0)), new double[] {Math.log(3)});
    assertThat(e).isCloseTo(3.375, within(1e-12));
  }

  @Test
  void weightChangesMultiplyThePerStepRatiosEachAtItsOwnShare() {
    // Step 1: w = 0.1, θ(2) = 0.2/1.1; step 2: w = 0.5, θ(2) = 2/3. Hand value 0.85579654...
    double e = CountEProcess.eValue(List.of(step(10, 2, 8), step(50, 5, 5)), new double[] {Math.log(2)});
    double hand = Math.pow((0.2 / 1.1) / 0.1, 2) * Math.pow((0.9 / 1.1) / 0.9, 8)
        * Math.pow((2.0 / 3) / 0.5, 5) * Math.pow((1.0 / 3) / 0.5, 5);
    assertThat(e).isCloseTo(hand, within(1e-12)).isCloseTo(0.8557965, within(1e-6));
  }

  @Test
  void mixtureIsTheMeanOverTheGrid() {
    List<JudgeStep> steps = List.of(step(20, 7, 10));
    double a = CountEProcess.eValue(steps, new double[] {0.5});
    double b = CountEProcess.eValue(steps, new double[] {1.5});
    assertThat(CountEProcess.eValue(steps, new double[] {0.5, 1.5})).isCloseTo((a + b) / 2, within(1e-12));
  }

  @Test
  void stepsAtWeightZeroOrHundredCarryNoEvidence() {
    assertThat(CountEProcess.logLikelihood(List.of(step(0, 5, 9), step(100, 3, 0)), 1.0)).isZero();
  }

  @Test
  void estimateIsTheConditionalMaximumLikelihoodRatio() {
    // Constant share w = 0.2: θ̂ = 30/90 = 1/3, so the ratio is (1/3)/(2/3) / (0.2/0.8) = 2.
    assertThat(Math.exp(CountEProcess.estimate(List.of(step(20, 30, 60))))).isCloseTo(2.0, within(1e-9));
    assertThat(CountEProcess.estimate(List.of(step(20, 0, 60)))).isNaN();
  }

  @Test
  void confidenceSequenceIsTheLikelihoodLevelSetAndSymmetricForEqualCounts() {
    List<JudgeStep> steps = List.of(step(50, 40, 40));
    double[] cs = CountEProcess.confidenceInterval(steps, 0.01);
    assertThat(cs[0]).isCloseTo(-cs[1], within(1e-9));
    assertThat(cs[1]).isPositive();
    // At its ends ℓ equals log(mean over the symmetric grid of e^ℓ) + log α, computed here on its own.
    double sum = 0;
    int n = 0;
    for (double d = -Math.log(100); d <= Math.log(100) + 1e-9; d += CountEProcess.GRID_STEP) {
      sum += Math.exp(CountEProcess.logLikelihood(steps, d));
      n++;
    }
    double level = Math.log(sum / n) + Math.log(0.01);
    assertThat(CountEProcess.logLikelihood(steps, cs[1])).isCloseTo(level, within(1e-6));
    assertThat(CountEProcess.logLikelihood(steps, 0)).isGreaterThan(level);
  }

  @Test
  void noErrorsLeaveEverythingOpenAndNoPrimaryErrorsLeaveTheTopOpen() {
    double[] none = CountEProcess.confidenceInterval(List.of(step(10, 0, 0)), 0.01);
    assertThat(none[0]).isNegative().isInfinite();
    assertThat(none[1]).isPositive().isInfinite();
    double[] canaryOnly = CountEProcess.confidenceInterval(List.of(step(10, 30, 0)), 0.01);
    assertThat(canaryOnly[0]).isFinite().isPositive();
    assertThat(canaryOnly[1]).isInfinite();
  }

  @Test
  void judgeFailsOnARegressionPassesOnEqualRatesAndIsInconclusiveOnLittleData() {
    JudgeSpec spec = JudgeSpec.alpha(0.01);
    assertThat(CountJudge.look(null, spec, 10, 40, 60, 1000, 9000).outcome()).isEqualTo(OutcomeClass.FAIL);
    assertThat(CountJudge.look(null, spec, 10, 1, 9, 100, 900).outcome()).isEqualTo(OutcomeClass.INCONCLUSIVE);
    CountJudge.Look equal = CountJudge.look(null, spec, 50, 2000, 2000, 100_000, 100_000);
    assertThat(equal.outcome()).isEqualTo(OutcomeClass.PASS);
    assertThat(equal.status().rateRatio()).isCloseTo(1.0, within(1e-6));
    assertThat(equal.status().ratioUpper()).isLessThan(1.5);
    assertThat(equal.status().ratioLower()).isGreaterThan(1 / 1.5);
  }

  @Test
  void countsAtTheSameWeightAccumulateAndANewWeightStartsAStep() {
    JudgeSpec spec = JudgeSpec.alpha(0.01);
    JudgeStatus s = CountJudge.look(null, spec, 10, 1, 9, 100, 900).status();
    s = CountJudge.look(s, spec, 10, 2, 8, 100, 900).status();
    s = CountJudge.look(s, spec, 20, 1, 4, 200, 800).status();
    assertThat(s.steps()).containsExactly(new JudgeStep(10, 3, 17, 200, 1800), new JudgeStep(20, 1, 4, 200, 800));
  }

  @Test
  void canaryBetterThanPrimaryNeverFails() {
    assertThat(CountEProcess.eValue(List.of(step(50, 5, 200)), 1.5)).isLessThan(1e-6);
  }

  @Test
  void confidenceSequenceOnlyShrinksOverTheRun() {
    JudgeSpec spec = JudgeSpec.alpha(0.05);
    JudgeStatus s = CountJudge.look(null, spec, 50, 30, 30, 1000, 1000).status();
    double upper = s.ratioUpper();
    // A look that alone would widen the set (all errors on the primary) does not widen the upper end.
    s = CountJudge.look(s, spec, 50, 0, 0, 1000, 1000).status();
    assertThat(s.ratioUpper()).isLessThanOrEqualTo(upper);
  }

  /**
   * A/A: both sides have the same error rate, Poisson counts per interval, the canary's share
   * following a step ladder. The share of runs in which the judge ever fails stays at or below alpha
   * (Ville's inequality), looking after every interval.
   */
  @Test
  void falseAlarmRateOnAaTrafficStaysAtOrBelowAlpha() {
    int[] ladder = {5, 10, 20, 50};
    double[][] cells = {{0.01, 0.5}, {0.01, 5}, {0.01, 50}, {0.05, 5}};
    for (double[] cell : cells) {
      double alpha = cell[0];
      double errorsPerInterval = cell[1];
      {
        int runs = 1000;
        int alarms = 0;
        JudgeSpec spec = new JudgeSpec(alpha, 1.2, null, null, null, null);
        for (int run = 0; run < runs; run++) {
          RandomGenerator random = MonteCarlo.random(7, run);
          JudgeStatus s = null;
          boolean alarm = false;
          for (int weight : ladder) {
            for (int i = 0; i < 10 && !alarm; i++) {
              long c = poisson(random, errorsPerInterval * weight / 100.0);
              long b = poisson(random, errorsPerInterval * (100 - weight) / 100.0);
              CountJudge.Look look = CountJudge.look(s, spec, weight, c, b, 0, 0);
              s = look.status();
              alarm = look.outcome() == OutcomeClass.FAIL;
            }
          }
          alarms += alarm ? 1 : 0;
        }
        assertThat((double) alarms / runs).as("alpha %s, %s errors per interval", alpha, errorsPerInterval)
            .isLessThanOrEqualTo(alpha);
      }
    }
  }

  @Test
  void detectsADoubledErrorRate() {
    JudgeSpec spec = JudgeSpec.alpha(0.01);
    int detected = 0;
    for (int run = 0; run < 200; run++) {
      RandomGenerator random = MonteCarlo.random(11, run);
      JudgeStatus s = null;
      boolean alarm = false;
      for (int i = 0; i < 40 && !alarm; i++) {
        CountJudge.Look look = CountJudge.look(s, spec, 20, poisson(random, 20 * 0.2 * 2),
            poisson(random, 20 * 0.8), 0, 0);
        s = look.status();
        alarm = look.outcome() == OutcomeClass.FAIL;
      }
      detected += alarm ? 1 : 0;
    }
    assertThat(detected).isGreaterThan(180);
  }

  private static long poisson(RandomGenerator random, double mean) {
    double limit = Math.exp(-mean);
    double product = random.nextDouble();
    long k = 0;
    while (product > limit) {
      product *= random.nextDouble();
      k++;
    }
    return k;
  }

}
