package io.canaryanalysis.simulation;

import static io.canaryanalysis.simulation.Podinfo.describe;
import static io.canaryanalysis.simulation.Podinfo.minutes;
import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.JudgeSpec;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CheckKind;
import io.canaryanalysis.api.status.JudgeStatus;
import io.canaryanalysis.api.status.LatencyEvidence;
import io.canaryanalysis.api.status.OutcomeClass;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The latency judge through the real engine on scripted traffic with latency per side. */
class LatencyJudgeSimulationTest {
  private static final MetricCheck LATENCY = MetricCheck.builder("latency").judge(JudgeSpec.latency(0.01)).build();
  private static final LatencyDistribution PRIMARY = new LatencyDistribution(50, 200);

  private static Analysis.Builder judged() {
    return Podinfo.analysis().stepWeight(10).maxWeight(50).metrics(List.of(LATENCY));
  }

  private static Traffic traffic(double rps, double p99Factor) {
    return Traffic.same(rps, 0.01).withLatency(PRIMARY, PRIMARY.withP99Times(p99Factor));
  }

  private static JudgeStatus lastJudge(SimulationResult r) {
    return r.timeline().stream().map(t -> t.status().check("latency"))
        .filter(c -> c.isPresent() && c.get().judge() != null).reduce((a, b) -> b).orElseThrow().get().judge();
  }

  @Test
  void aSlowerTailIsRolledBackAtOnceWithTheBoundAndBothP99sInTheStatus() {
    SimulationResult r = Simulation.of(Podinfo.canary(judged().build()))
        .traffic(TrafficTrace.constant(traffic(100, 2)), 1)
        .newRevisionAt(Duration.ZERO)
        .run(minutes(60));

    assertThat(r.outcome().phase()).as(describe(r)).isEqualTo(CanaryPhase.FAILED);
    assertThat(r.outcome().lastFailure().kind()).isEqualTo(CheckKind.JUDGE);
    assertThat(r.outcome().lastFailure().message()).startsWith("Rolling back podinfo.test judge latency "
        + "canary latency higher than primary's: e-value ").contains("requests slower than le=")
        .contains("p99 canary ");
    assertThat(r.outcome().failedChecks()).isZero();
    JudgeStatus judge = lastJudge(r);
    assertThat(judge.eValue()).isGreaterThanOrEqualTo(100);
    assertThat(judge.steps()).isEmpty();
    LatencyEvidence latency = judge.latency();
    assertThat(latency.bounds()).containsExactlyElementsOf(LatencyDistribution.BUCKETS);
    assertThat(latency.bound()).isBetween(100.0, 1000.0);
    assertThat(judge.ratioLower()).isGreaterThan(1.0);
    assertThat(latency.canaryP99()).isGreaterThan(latency.primaryP99());
    assertThat(latency.steps()).isNotEmpty().allSatisfy(s -> assertThat(s.weight()).isBetween(1, 99));
    assertThat(r.outcomeCounts("latency")).containsEntry(OutcomeClass.FAIL, 1);
  }

  @Test
  void anEqualCanaryIsPromotedAndPassIsAnnouncedOnceTheTrafficSuffices() {
    SimulationResult r = Simulation.of(Podinfo.canary(judged().build()))
        .traffic(TrafficTrace.constant(traffic(1000, 1)), 2)
        .newRevisionAt(Duration.ZERO)
        .run(minutes(60));

    assertThat(r.outcome().phase()).as(describe(r)).isEqualTo(CanaryPhase.SUCCEEDED);
    assertThat(r.outcomeCounts("latency")).doesNotContainKey(OutcomeClass.FAIL).containsKey(OutcomeClass.PASS);
    assertThat(r.eventMessages()).anyMatch(m -> m.startsWith("Judge latency canary latency not worse than 1.5x "
        + "primary's up to its p99: "));
    assertThat(lastJudge(r).latency().steps()).extracting(s -> s.weight()).containsExactly(10, 20, 30, 40, 50);
  }

  @Test
  void noCanaryTrafficIsNoDataAndHoldsWithoutCountingAFailedCheck() {
    SimulationResult r = Simulation.of(Podinfo.canary(judged().build()))
        .traffic(t -> Traffic.same(t.compareTo(minutes(5)) < 0 ? 0 : 100, 0.01).withLatency(PRIMARY, PRIMARY), 4)
        .newRevisionAt(Duration.ZERO)
        .run(minutes(60));

    assertThat(r.outcome().phase()).as(describe(r)).isEqualTo(CanaryPhase.SUCCEEDED);
    assertThat(r.outcomeCounts("latency").get(OutcomeClass.NO_DATA)).isGreaterThanOrEqualTo(2);
    assertThat(r.timeline()).allSatisfy(t -> assertThat(t.failedChecks()).isZero());
    assertThat(r.eventMessages()).contains("Halt podinfo.test advancement judge latency saw no canary requests");
  }

  @Test
  void flaggersDurationRuleReadsTheCanarysP99FromTheSameHistograms() {
    MetricCheck duration = MetricCheck.builder(MetricCheck.REQUEST_DURATION).thresholdRange(null, 500.0).build();
    SimulationResult slow = Simulation.of(Podinfo.canary(Podinfo.analysis().stepWeight(10).maxWeight(50)
            .threshold(2).metrics(List.of(duration)).build()))
        .traffic(TrafficTrace.constant(traffic(100, 5)), 3)
        .newRevisionAt(Duration.ZERO)
        .run(minutes(60));
    assertThat(slow.outcome().phase()).as(describe(slow)).isEqualTo(CanaryPhase.FAILED);
    assertThat(slow.eventMessages()).anyMatch(m -> m.startsWith("Halt podinfo.test advancement request duration "));

    SimulationResult fine = Simulation.of(Podinfo.canary(Podinfo.analysis().stepWeight(10).maxWeight(50)
            .threshold(2).metrics(List.of(duration)).build()))
        .traffic(TrafficTrace.constant(traffic(100, 1)), 3)
        .newRevisionAt(Duration.ZERO)
        .run(minutes(60));
    assertThat(fine.outcome().phase()).as(describe(fine)).isEqualTo(CanaryPhase.SUCCEEDED);
  }

  @Test
  void trafficWithoutScriptedLatencyIsNoDataForTheJudge() {
    SimulationResult r = Simulation.of(Podinfo.canary(judged().build()))
        .traffic(TrafficTrace.constant(Traffic.same(100, 0.01)), 5)
        .newRevisionAt(Duration.ZERO)
        .run(minutes(10));
    assertThat(r.outcomeCounts("latency")).containsOnlyKeys(OutcomeClass.NO_DATA);
  }
}
