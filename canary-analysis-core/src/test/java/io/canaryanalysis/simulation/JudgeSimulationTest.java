package io.canaryanalysis.simulation;

import static io.canaryanalysis.simulation.Podinfo.describe;
import static io.canaryanalysis.simulation.Podinfo.minutes;
import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.JudgeSpec;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CheckKind;
import io.canaryanalysis.api.status.CheckStatus;
import io.canaryanalysis.api.status.JudgeStatus;
import io.canaryanalysis.api.status.OutcomeClass;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Outcome classes, the provider-error budget and the canary-vs-primary judge through the real engine. */
class JudgeSimulationTest {

  private static final MetricCheck JUDGE = MetricCheck.builder("errors").judge(JudgeSpec.alpha(0.01)).build();

  private static Analysis.Builder judged() {
    return Podinfo.analysis().stepWeight(10).maxWeight(50).metrics(List.of(JUDGE));
  }

  @Test
  void judgeRollsBackARegressionAtOnceWithItsEvidenceInTheStatus() {
    SimulationResult r = Simulation.of(Podinfo.canary(judged().build()))
        .traffic(TrafficTrace.constant(new Traffic(100, 0.01, 0.05)), 1)
        .newRevisionAt(Duration.ZERO)
        .run(minutes(60));

    assertThat(r.outcome().phase()).as(describe(r)).isEqualTo(CanaryPhase.FAILED);
    assertThat(r.outcome().lastFailure().kind()).isEqualTo(CheckKind.JUDGE);
    assertThat(r.outcome().lastFailure().message()).startsWith("Rolling back podinfo.test judge errors "
        + "canary error rate higher than primary's: e-value ");
    assertThat(r.outcome().failedChecks()).isZero();
    CheckStatus check = r.timeline().get(r.timeline().size() - 1).status().check("errors").orElseThrow();
    JudgeStatus judge = check.judge();
    assertThat(judge.eValue()).isGreaterThanOrEqualTo(100);
    assertThat(judge.rateRatio()).isGreaterThan(1.5);
    assertThat(judge.ratioLower()).isGreaterThan(1.0);
    assertThat(judge.steps()).isNotEmpty().allSatisfy(s -> assertThat(s.weight()).isBetween(1, 99));
    assertThat(r.outcomeCounts("errors")).containsEntry(OutcomeClass.FAIL, 1);
    assertThat(r.eventMessages()).contains("Canary failed! Scaling down podinfo.test");
  }

  @Test
  void judgePromotesAnEqualCanaryAndShowsPassOnceTheTrafficSufficesAndTheCountsPerWeight() {
    SimulationResult r = Simulation.of(Podinfo.canary(judged().build()))
        .traffic(TrafficTrace.constant(Traffic.same(1000, 0.02)), 2)
        .newRevisionAt(Duration.ZERO)
        .run(minutes(60));

    assertThat(r.outcome().phase()).as(describe(r)).isEqualTo(CanaryPhase.SUCCEEDED);
    Map<OutcomeClass, Integer> classes = r.outcomeCounts("errors");
    assertThat(classes).doesNotContainKey(OutcomeClass.FAIL).containsKey(OutcomeClass.PASS);
    assertThat(r.eventMessages()).anyMatch(m -> m.startsWith("Judge errors canary not worse than 1.5x primary"));
    // The status of the last analysed tick kept one step per weight, 10 to 50.
    JudgeStatus judge = r.timeline().stream().map(t -> t.status().check("errors"))
        .filter(c -> c.isPresent() && c.get().judge() != null).reduce((a, b) -> b).orElseThrow().get().judge();
    assertThat(judge.steps()).extracting(s -> s.weight()).containsExactly(10, 20, 30, 40, 50);
  }

  @Test
  void noCanaryTrafficIsNoDataAndHoldsWithoutCountingAFailedCheck() {
    SimulationResult r = Simulation.of(Podinfo.canary(judged().build()))
        .traffic(t -> new Traffic(t.compareTo(minutes(5)) < 0 ? 0 : 100, 0.01, 0.01), 4)
        .newRevisionAt(Duration.ZERO)
        .run(minutes(60));

    assertThat(r.outcome().phase()).as(describe(r)).isEqualTo(CanaryPhase.SUCCEEDED);
    assertThat(r.outcomeCounts("errors").get(OutcomeClass.NO_DATA)).isGreaterThanOrEqualTo(2);
    assertThat(r.timeline()).allSatisfy(t -> assertThat(t.failedChecks()).isZero());
    assertThat(r.eventMessages()).contains("Halt podinfo.test advancement judge errors saw no canary requests");
  }

  private static MetricCheck successRate(Integer errorLimit) {
    return Podinfo.successRate().toBuilder().consecutiveErrorLimit(errorLimit).build();
  }

  @Test
  void providerErrorsWithinTheBudgetHoldAndNeverCountAsFailedChecks() {
    SimulationResult r = Simulation.of(Podinfo.canary(Podinfo.analysis().threshold(1)
            .metrics(List.of(successRate(4))).build()))
        .metricResult("request-success-rate", (t, w) -> t.compareTo(minutes(2)) >= 0 && t.compareTo(minutes(7)) < 0
            ? MetricResult.failed("connection refused") : MetricResult.value(99.9))
        .newRevisionAt(Duration.ZERO)
        .run(minutes(60));

    assertThat(r.outcome().phase()).as(describe(r)).isEqualTo(CanaryPhase.SUCCEEDED);
    assertThat(r.outcome().failedChecks()).isZero();
    assertThat(r.outcomeCounts("request-success-rate")).containsEntry(OutcomeClass.PROVIDER_ERROR, 4)
        .containsKey(OutcomeClass.PASS);
    assertThat(r.eventMessages()).contains("Halt podinfo.test advancement metric request-success-rate provider "
        + "error 4 of 4 allowed in a row: Prometheus query failed: connection refused");
  }

  @Test
  void exhaustingTheBudgetRollsBackWithThatReason() {
    SimulationResult r = Simulation.of(Podinfo.canary(Podinfo.analysis().threshold(3)
            .consecutiveErrorLimit(4).metrics(List.of(successRate(null))).build()))
        .metricResult("request-success-rate", (t, w) -> t.compareTo(minutes(2)) >= 0
            ? MetricResult.failed("connection refused") : MetricResult.value(99.9))
        .newRevisionAt(Duration.ZERO)
        .run(minutes(60));

    assertThat(r.outcome().phase()).as(describe(r)).isEqualTo(CanaryPhase.FAILED);
    assertThat(r.outcome().lastFailure().kind()).isEqualTo(CheckKind.METRIC_ERROR_BUDGET);
    assertThat(r.outcome().lastFailure().message()).isEqualTo("Rolling back podinfo.test metric "
        + "request-success-rate provider errors 5 in a row exceed consecutiveErrorLimit 4: Prometheus query "
        + "failed: connection refused");
    assertThat(r.outcome().failedChecks()).isZero();
    assertThat(r.outcomeCounts("request-success-rate")).containsEntry(OutcomeClass.PROVIDER_ERROR, 5);
  }

  @Test
  void withoutABudgetProviderErrorsAreFailedChecksAsInFlagger() {
    SimulationResult r = Simulation.of(Podinfo.canary(Podinfo.analysis().threshold(3).build()))
        .metricResult("request-success-rate", (t, w) -> t.compareTo(minutes(2)) >= 0
            ? MetricResult.failed("connection refused") : MetricResult.value(99.9))
        .newRevisionAt(Duration.ZERO)
        .run(minutes(60));

    assertThat(r.outcome().phase()).isEqualTo(CanaryPhase.FAILED);
    assertThat(r.outcome().lastFailure().kind()).isEqualTo(CheckKind.METRIC_ERROR);
    assertThat(r.outcome().failedChecks()).isEqualTo(3);
    assertThat(r.eventMessages()).contains("Rolling back podinfo.test failed checks threshold reached 3");
  }

  @Test
  void historyKeepsTheLastNMeasurementsWithValueBoundAndClass() {
    SimulationResult r = Simulation.of(Podinfo.canary(Podinfo.analysis().measurementRetention(4).build()))
        .metric("request-success-rate", (t, w) -> w >= 20 ? 95 : 99.5)
        .newRevisionAt(Duration.ZERO)
        .run(minutes(60));

    assertThat(r.timeline()).allSatisfy(t -> t.status().checks()
        .forEach(c -> assertThat(c.measurements()).hasSizeLessThanOrEqualTo(4)));
    CheckStatus last = r.timeline().get(r.timeline().size() - 1).status().check("request-success-rate").orElseThrow();
    // Threshold 3: three failures at weight 20, after a pass at weight 10.
    assertThat(last.measurements()).extracting(m -> m.outcome())
        .containsExactly(OutcomeClass.PASS, OutcomeClass.FAIL, OutcomeClass.FAIL, OutcomeClass.FAIL);
    assertThat(last.measurements().get(3).value()).isEqualTo(95.0);
    assertThat(last.measurements().get(3).bound()).isEqualTo("< 99");
    assertThat(last.measurements().get(0).value()).isEqualTo(99.5);
    assertThat(last.measurements().get(0).bound()).isEqualTo(">= 99");
    assertThat(last.measurements().get(0).time()).isBefore(last.measurements().get(3).time());
    assertThat(r.measurements("request-success-rate")).hasSizeGreaterThan(4);
  }

  @Test
  void poissonCountsHaveTheirMeanAndVariance() {
    var random = MonteCarlo.random(5, 0);
    for (double mean : new double[] {0.3, 4, 12, 250, 60_000}) {
      int n = 20_000;
      double sum = 0;
      double squares = 0;
      for (int i = 0; i < n; i++) {
        long k = Poisson.sample(random, mean);
        sum += k;
        squares += (double) k * k;
      }
      double m = sum / n;
      double variance = squares / n - m * m;
      assertThat(m).as("mean %s", mean).isBetween(mean - 5 * Math.sqrt(mean / n), mean + 5 * Math.sqrt(mean / n));
      assertThat(variance / mean).as("variance/mean at %s", mean).isBetween(0.93, 1.07);
    }
  }
}
