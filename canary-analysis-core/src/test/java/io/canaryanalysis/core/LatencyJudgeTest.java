package io.canaryanalysis.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.canaryanalysis.api.spec.JudgeSpec;
import io.canaryanalysis.api.status.JudgeStep;
import io.canaryanalysis.api.status.LatencyEvidence;
import io.canaryanalysis.api.status.LatencyStep;
import io.canaryanalysis.api.status.OutcomeClass;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The latency judge's bookkeeping and statistics, on exact counts and on simulated requests. */
class LatencyJudgeTest {
  private static final JudgeSpec SPEC = JudgeSpec.latency(0.01);
  private static final List<Double> BOUNDS = List.of(50.0, 100.0, 250.0, 500.0);

  private static Map<Double, Double> cumulative(double... counts) {
    Map<Double, Double> m = new TreeMap<>();
    for (int i = 0; i < BOUNDS.size(); i++) {
      m.put(BOUNDS.get(i), counts[i]);
    }
    m.put(Double.POSITIVE_INFINITY, counts[BOUNDS.size()]);
    return m;
  }

  @Test
  void sideTurnsCumulativeBucketsIntoSlowerThanCountsRoundedAndMonotone() {
    // increase() extrapolates each bucket alone: 61.4 then 60.2 is not a real decrease.
    LatencyJudge.Side side = LatencyJudge.side(cumulative(40.2, 61.4, 60.2, 99.6, 100.4), BOUNDS);
    assertThat(side.requests()).isEqualTo(100);
    assertThat(side.slower()).containsExactly(60, 39, 39, 0);
    assertThat(LatencyJudge.side(Map.of(), BOUNDS).requests()).isZero();
    // A bound of the run missing from a non-empty histogram: the buckets changed.
    assertThat(LatencyJudge.side(Map.of(50.0, 1.0, Double.POSITIVE_INFINITY, 2.0), BOUNDS)).isNull();
  }

  @Test
  void boundsAreTheFiniteOnesBothSidesShare() {
    Map<Double, Double> canary = new TreeMap<>(cumulative(1, 2, 3, 4, 5));
    Map<Double, Double> primary = new TreeMap<>(cumulative(1, 2, 3, 4, 5));
    primary.remove(500.0);
    assertThat(LatencyJudge.bounds(canary, primary)).containsExactly(50.0, 100.0, 250.0);
    assertThat(LatencyJudge.bounds(canary, Map.of())).containsExactlyElementsOf(BOUNDS);
  }

  @Test
  void eValueIsTheMeanOfTheCountEProcessesOfTheBounds() {
    List<LatencyStep> steps = List.of(new LatencyStep(10, 1000, 9000, List.of(600L, 300L, 40L, 8L),
        List.of(5400L, 900L, 90L, 9L)));
    double[] grid = CountEProcess.oneSidedGrid(SPEC.effectiveMinRatio());
    double mean = 0;
    long[][] slower = {{600, 5400}, {300, 900}, {40, 90}, {8, 9}};
    for (long[] s : slower) {
      mean += CountEProcess.eValue(List.of(new JudgeStep(10, s[0], s[1], 1000, 9000)), grid) / 4;
    }
    LatencyJudge.Look look = LatencyJudge.classify(SPEC, BOUNDS, steps);
    assertThat(look.status().eValue()).isCloseTo(mean, within(1e-9 * mean));
    // The bound shown is the one with the most evidence: 100 (300 of 1,000 against 900 of 9,000).
    assertThat(look.status().latency().bound()).isEqualTo(100.0);
    assertThat(look.status().rateRatio()).isCloseTo(3.0, within(0.05));
    assertThat(look.status().ratioLower()).isGreaterThan(2.0);
    assertThat(look.outcome()).isEqualTo(OutcomeClass.FAIL);
  }

  @Test
  void quantileInterpolatesWithinTheBucketAsHistogramQuantileDoes() {
    // 100 requests: 50 <= 50, 40 in (50,100], 9 in (100,250], 1 in (250,500].
    List<LatencyStep> steps = List.of(new LatencyStep(10, 100, 100, List.of(50L, 10L, 1L, 0L),
        List.of(50L, 10L, 1L, 0L)));
    // rank 99 falls in (100, 250]: 100 + 150 * (99 - 90) / 9 = 250.
    assertThat(LatencyJudge.quantile(0.99, BOUNDS, steps, true)).isCloseTo(250.0, within(1e-9));
    // rank 50 is reached at the first bucket: 0 + 50 * 50 / 50.
    assertThat(LatencyJudge.quantile(0.5, BOUNDS, steps, true)).isCloseTo(50.0, within(1e-9));
    // Everything slower than the last finite bound: the largest finite bound, as Prometheus.
    List<LatencyStep> slow = List.of(new LatencyStep(10, 10, 10, List.of(10L, 10L, 10L, 10L),
        List.of(10L, 10L, 10L, 10L)));
    assertThat(LatencyJudge.quantile(0.99, BOUNDS, slow, false)).isEqualTo(500.0);
    assertThat(LatencyJudge.quantile(0.99, BOUNDS, List.of(), true)).isNull();
  }

  @Test
  void countsAtTheSameWeightAccumulateAndANewWeightStartsAStep() {
    LatencyJudge.Side canary = new LatencyJudge.Side(10, new long[] {5, 2, 1, 0});
    LatencyJudge.Side primary = new LatencyJudge.Side(90, new long[] {45, 18, 9, 1});
    LatencyEvidence first = LatencyJudge.look(null, SPEC, 10, BOUNDS, canary, primary).status().latency();
    LatencyEvidence second = LatencyJudge.look(first, SPEC, 10, BOUNDS, canary, primary).status().latency();
    LatencyEvidence third = LatencyJudge.look(second, SPEC, 20, BOUNDS, canary, primary).status().latency();
    assertThat(second.steps()).containsExactly(new LatencyStep(10, 20, 180, List.of(10L, 4L, 2L, 0L),
        List.of(90L, 36L, 18L, 2L)));
    assertThat(third.steps()).hasSize(2);
    assertThat(third.steps().get(1).weight()).isEqualTo(20);
    // Weight 0 or 100 carries no evidence and is not kept.
    assertThat(LatencyJudge.look(third, SPEC, 100, BOUNDS, canary, primary).status().latency().steps())
        .isEqualTo(third.steps());
  }

  /** One run of requests: Poisson-like per interval, each canary's with probability w, latency by side. */
  private static OutcomeClass run(SplittableRandom random, double canaryScale, int intervals, int perInterval,
      int[] weights) {
    LatencyEvidence state = null;
    OutcomeClass last = OutcomeClass.INCONCLUSIVE;
    for (int i = 0; i < intervals; i++) {
      int weight = weights[Math.min(i, weights.length - 1)];
      long[] c = new long[BOUNDS.size()];
      long[] p = new long[BOUNDS.size()];
      long cn = 0;
      long pn = 0;
      for (int k = 0; k < perInterval; k++) {
        boolean canary = random.nextDouble() < weight / 100.0;
        // Log-normal: median 40, sigma 0.6; the canary's tail stretched by canaryScale above the median.
        double z = random.nextGaussian();
        double latency = 40 * Math.exp(0.6 * z * (canary && z > 0 ? canaryScale : 1));
        long[] slower = canary ? c : p;
        for (int j = 0; j < BOUNDS.size(); j++) {
          if (latency > BOUNDS.get(j)) {
            slower[j]++;
          }
        }
        if (canary) {
          cn++;
        } else {
          pn++;
        }
      }
      LatencyJudge.Look look = LatencyJudge.look(state, SPEC, weight, BOUNDS, new LatencyJudge.Side(cn, c),
          new LatencyJudge.Side(pn, p));
      state = look.status().latency();
      last = look.outcome();
      if (last == OutcomeClass.FAIL) {
        return last;
      }
    }
    return last;
  }

  @Test
  void falseAlarmRateOnAaTrafficStaysAtOrBelowAlphaAcrossWeightChanges() {
    SplittableRandom random = new SplittableRandom(17);
    int runs = 2000;
    int fails = 0;
    for (int r = 0; r < runs; r++) {
      if (run(random, 1.0, 8, 400, new int[] {5, 10, 20, 50}) == OutcomeClass.FAIL) {
        fails++;
      }
    }
    // Level 0.01 over the whole run however often it is looked at; 2,000 runs: the 95% Wilson
    // upper end of 20 fails would be 1.5%, so more than 30 would be evidence against validity.
    assertThat(fails).isLessThanOrEqualTo(30);
  }

  @Test
  void detectsATailRegressionAndPassesAnEqualCanaryWithPlentyOfTraffic() {
    SplittableRandom random = new SplittableRandom(5);
    int detected = 0;
    int passed = 0;
    for (int r = 0; r < 50; r++) {
      if (run(random, 1.6, 8, 4000, new int[] {5, 10, 20, 50}) == OutcomeClass.FAIL) {
        detected++;
      }
      if (run(random, 1.0, 8, 20000, new int[] {20, 50}) == OutcomeClass.PASS) {
        passed++;
      }
    }
    assertThat(detected).isGreaterThanOrEqualTo(45);
    assertThat(passed).isGreaterThanOrEqualTo(40);
  }

  @Test
  void aFasterCanaryNeverFails() {
    SplittableRandom random = new SplittableRandom(9);
    for (int r = 0; r < 100; r++) {
      assertThat(run(random, 0.5, 8, 2000, new int[] {10, 20, 50})).isNotEqualTo(OutcomeClass.FAIL);
    }
  }

  @Test
  void bucketsThatChangeDuringTheRunAreAProviderErrorWithinTheBudgetAndKeepTheEvidence() {
    io.canaryanalysis.api.spec.MetricCheck check = io.canaryanalysis.api.spec.MetricCheck.builder("latency")
        .judge(SPEC).build();
    MetricOutcome.Histograms first = new MetricOutcome.Histograms(cumulative(40, 80, 95, 99, 100),
        cumulative(360, 720, 855, 891, 900));
    MetricJudge.Verdict v1 = MetricJudge.judge(check, first, null, 4, 10, "podinfo.test", "podinfo.test", "istio");
    assertThat(v1.outcome()).isEqualTo(OutcomeClass.INCONCLUSIVE);
    assertThat(v1.judge().latency().bounds()).containsExactlyElementsOf(BOUNDS);
    io.canaryanalysis.api.status.CheckStatus previous = new io.canaryanalysis.api.status.CheckStatus("latency", 0,
        List.of(), v1.judge());

    Map<Double, Double> regrouped = new TreeMap<>(Map.of(100.0, 80.0, 1000.0, 99.0, Double.POSITIVE_INFINITY, 100.0));
    MetricJudge.Verdict v2 = MetricJudge.judge(check, new MetricOutcome.Histograms(regrouped, regrouped), previous,
        4, 10, "podinfo.test", "podinfo.test", "istio");

    assertThat(v2.effect()).isEqualTo(MetricJudge.Effect.HOLD);
    assertThat(v2.outcome()).isEqualTo(OutcomeClass.PROVIDER_ERROR);
    assertThat(v2.message()).contains("provider error 1 of 4 allowed in a row")
        .contains("histogram buckets changed during the run: expected le bounds [50.0, 100.0, 250.0, 500.0]");
    assertThat(v2.judge()).isEqualTo(v1.judge());
  }

  @Test
  void noCanaryRequestsHoldWithoutTouchingTheEvidence() {
    io.canaryanalysis.api.spec.MetricCheck check = io.canaryanalysis.api.spec.MetricCheck.builder("latency")
        .judge(SPEC).build();
    MetricJudge.Verdict v = MetricJudge.judge(check, new MetricOutcome.Histograms(Map.of(),
        cumulative(1, 2, 3, 4, 5)), null, 4, 10, "podinfo.test", "podinfo.test", "istio");
    assertThat(v.effect()).isEqualTo(MetricJudge.Effect.HOLD);
    assertThat(v.outcome()).isEqualTo(OutcomeClass.NO_DATA);
    assertThat(v.message()).isEqualTo("Halt podinfo.test advancement judge latency saw no canary requests");
    assertThat(v.judge()).isNull();
  }
}
