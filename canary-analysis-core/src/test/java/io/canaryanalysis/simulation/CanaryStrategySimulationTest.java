package io.canaryanalysis.simulation;

import static io.canaryanalysis.simulation.Podinfo.describe;
import static io.canaryanalysis.simulation.Podinfo.minutes;
import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.AlertSeverity;
import io.canaryanalysis.api.CanaryAlert;
import io.canaryanalysis.api.EventType;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CheckKind;
import io.canaryanalysis.api.status.ConditionStatus;
import io.canaryanalysis.api.status.StatusCondition;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The canary (weight stepping) strategy, tick by tick, with Flagger's exact event texts. */
class CanaryStrategySimulationTest {

  @Test
  void stepWeight5MaxWeight50PromotesAfterTenSteps() {
    SimulationResult r = Simulation.of(Podinfo.canary(Podinfo.analysis().build()))
        .metric("request-success-rate", (t, weight) -> 99.9)
        .newRevisionAt(Duration.ZERO)
        .run(minutes(30));

    assertThat(describe(r)).isEqualTo(String.join("\n",
        "0m INITIALIZED 100/0 fc=0 it=0 [all the metrics providers are available!, Initialization done! podinfo.test]",
        "1m PROGRESSING 100/0 fc=0 it=0 [New revision detected! Scaling up podinfo.test]",
        "2m PROGRESSING 95/5 fc=0 it=0 [Starting canary analysis for podinfo.test, Advance podinfo.test canary weight 5]",
        "3m PROGRESSING 90/10 fc=0 it=0 [Advance podinfo.test canary weight 10]",
        "4m PROGRESSING 85/15 fc=0 it=0 [Advance podinfo.test canary weight 15]",
        "5m PROGRESSING 80/20 fc=0 it=0 [Advance podinfo.test canary weight 20]",
        "6m PROGRESSING 75/25 fc=0 it=0 [Advance podinfo.test canary weight 25]",
        "7m PROGRESSING 70/30 fc=0 it=0 [Advance podinfo.test canary weight 30]",
        "8m PROGRESSING 65/35 fc=0 it=0 [Advance podinfo.test canary weight 35]",
        "9m PROGRESSING 60/40 fc=0 it=0 [Advance podinfo.test canary weight 40]",
        "10m PROGRESSING 55/45 fc=0 it=0 [Advance podinfo.test canary weight 45]",
        "11m PROGRESSING 50/50 fc=0 it=0 [Advance podinfo.test canary weight 50]",
        "12m PROMOTING 50/50 fc=0 it=0 [Copying podinfo.test template spec to podinfo-primary.test]",
        "13m FINALISING 100/0 fc=0 it=0 [Routing all traffic to primary]",
        "14m SUCCEEDED 100/0 fc=0 it=0 [Promotion completed! Scaling down podinfo.test]"));
    assertThat(r.outcome().phase()).isEqualTo(CanaryPhase.SUCCEEDED);
    assertThat(r.outcome().timeToPromotion()).contains(minutes(14));
    assertThat(r.outcome().lastFailure()).isNull();

    TickRecord last = r.timeline().get(r.timeline().size() - 1);
    assertThat(last.status().lastPromotedSpec()).isEqualTo("rev-2");
    assertThat(last.alerts()).extracting(CanaryAlert::message, CanaryAlert::severity)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(
            "Canary analysis completed successfully, promotion finished.", AlertSeverity.INFO));
    StatusCondition promoted = last.status().condition(StatusCondition.PROMOTED).orElseThrow();
    assertThat(promoted.status()).isEqualTo(ConditionStatus.TRUE);
    assertThat(promoted.reason()).isEqualTo("Succeeded");
    assertThat(promoted.message()).isEqualTo("Canary analysis completed successfully, promotion finished.");
    assertThat(r.timeline().get(5).status().condition(StatusCondition.PROMOTED).orElseThrow().status())
        .isEqualTo(ConditionStatus.UNKNOWN);
  }

  @Test
  void thresholdRollbackHappensInTheTickThatReachesTheThreshold() {
    SimulationResult r = Simulation.of(Podinfo.canary(Podinfo.analysis().build()))
        .metric("request-success-rate",
            (t, weight) -> t.compareTo(minutes(4)) < 0 ? 99.9 : 53.42)
        .newRevisionAt(Duration.ZERO)
        .run(minutes(30));

    assertThat(describe(r)).isEqualTo(String.join("\n",
        "0m INITIALIZED 100/0 fc=0 it=0 [all the metrics providers are available!, Initialization done! podinfo.test]",
        "1m PROGRESSING 100/0 fc=0 it=0 [New revision detected! Scaling up podinfo.test]",
        "2m PROGRESSING 95/5 fc=0 it=0 [Starting canary analysis for podinfo.test, Advance podinfo.test canary weight 5]",
        "3m PROGRESSING 90/10 fc=0 it=0 [Advance podinfo.test canary weight 10]",
        "4m PROGRESSING 90/10 fc=1 it=0 [Halt podinfo.test advancement success rate 53.42% < 99%]",
        "5m PROGRESSING 90/10 fc=2 it=0 [Halt podinfo.test advancement success rate 53.42% < 99%]",
        "6m FAILED 100/0 fc=3 it=0 [Halt podinfo.test advancement success rate 53.42% < 99%, "
            + "Rolling back podinfo.test failed checks threshold reached 3, "
            + "Canary failed! Scaling down podinfo.test]"));
    assertThat(r.outcome().phase()).isEqualTo(CanaryPhase.FAILED);
    assertThat(r.outcome().timeToRollback()).contains(minutes(6));
    assertThat(r.outcome().failedChecks()).isEqualTo(3);
    assertThat(r.outcome().lastFailure().kind()).isEqualTo(CheckKind.METRIC);
    assertThat(r.outcome().lastFailure().check()).isEqualTo("request-success-rate");
    assertThat(r.outcome().lastFailure().value()).isEqualTo(53.42);
    assertThat(r.outcome().lastFailure().bound()).isEqualTo("< 99");
    TickRecord last = r.timeline().get(r.timeline().size() - 1);
    assertThat(last.events()).extracting(e -> e.type()).containsOnly(EventType.WARNING);
    assertThat(last.alertMessages()).containsExactly("Failed checks threshold reached 3");
    assertThat(last.status().condition(StatusCondition.PROMOTED).orElseThrow().message())
        .isEqualTo("Canary analysis failed, Deployment scaled to zero.");
  }

  @Test
  void stepWeightsLadder() {
    Analysis analysis = Podinfo.analysis().stepWeight(0).maxWeight(null)
        .stepWeights(List.of(1, 2, 10, 80)).build();
    SimulationResult r = Simulation.of(Podinfo.canary(analysis))
        .metric("request-success-rate", (t, weight) -> 100)
        .newRevisionAt(Duration.ZERO)
        .run(minutes(30));

    assertThat(describe(r)).isEqualTo(String.join("\n",
        "0m INITIALIZED 100/0 fc=0 it=0 [all the metrics providers are available!, Initialization done! podinfo.test]",
        "1m PROGRESSING 100/0 fc=0 it=0 [New revision detected! Scaling up podinfo.test]",
        "2m PROGRESSING 99/1 fc=0 it=0 [Starting canary analysis for podinfo.test, Advance podinfo.test canary weight 1]",
        "3m PROGRESSING 98/2 fc=0 it=0 [Advance podinfo.test canary weight 2]",
        "4m PROGRESSING 90/10 fc=0 it=0 [Advance podinfo.test canary weight 10]",
        "5m PROGRESSING 20/80 fc=0 it=0 [Advance podinfo.test canary weight 80]",
        "6m PROMOTING 20/80 fc=0 it=0 [Copying podinfo.test template spec to podinfo-primary.test]",
        "7m FINALISING 100/0 fc=0 it=0 [Routing all traffic to primary]",
        "8m SUCCEEDED 100/0 fc=0 it=0 [Promotion completed! Scaling down podinfo.test]"));
  }

  @Test
  void stepWeightPromotionShiftsTrafficBackGradually() {
    Analysis analysis = Podinfo.analysis().stepWeight(25).stepWeightPromotion(20).build();
    SimulationResult r = Simulation.of(Podinfo.canary(analysis))
        .metric("request-success-rate", (t, weight) -> 100)
        .newRevisionAt(Duration.ZERO)
        .run(minutes(30));

    assertThat(describe(r)).isEqualTo(String.join("\n",
        "0m INITIALIZED 100/0 fc=0 it=0 [all the metrics providers are available!, Initialization done! podinfo.test]",
        "1m PROGRESSING 100/0 fc=0 it=0 [New revision detected! Scaling up podinfo.test]",
        "2m PROGRESSING 75/25 fc=0 it=0 [Starting canary analysis for podinfo.test, Advance podinfo.test canary weight 25]",
        "3m PROGRESSING 50/50 fc=0 it=0 [Advance podinfo.test canary weight 50]",
        "4m PROMOTING 50/50 fc=0 it=0 [Copying podinfo.test template spec to podinfo-primary.test]",
        "5m PROMOTING 70/30 fc=0 it=0 [Advance podinfo.test primary weight 70]",
        "6m PROMOTING 90/10 fc=0 it=0 [Advance podinfo.test primary weight 90]",
        "7m FINALISING 100/0 fc=0 it=0 [Advance podinfo.test primary weight 100]",
        "8m SUCCEEDED 100/0 fc=0 it=0 [Promotion completed! Scaling down podinfo.test]"));
  }

  @Test
  void stepWeightNeverOvershootsMaxWeight() {
    Analysis analysis = Podinfo.analysis().stepWeight(20).maxWeight(50).build();
    SimulationResult r = Simulation.of(Podinfo.canary(analysis))
        .metric("request-success-rate", (t, weight) -> 100)
        .newRevisionAt(Duration.ZERO)
        .run(minutes(30));

    // Flagger would go 20, 40, 60.
    assertThat(r.canaryWeights()).containsExactly(0, 0, 20, 40, 50, 50, 0, 0);
    assertThat(r.outcome().phase()).isEqualTo(CanaryPhase.SUCCEEDED);
  }

  @Test
  void sameInputsGiveTheSameTimeline() {
    Canary canary = Podinfo.canary(Podinfo.analysis().build());
    Simulation simulation = Simulation.of(canary)
        .metric("request-success-rate", (t, weight) -> weight >= 30 ? 97.5 : 99.5)
        .newRevisionAt(Duration.ofSeconds(30));
    SimulationResult first = simulation.run(minutes(30));
    SimulationResult second = simulation.run(minutes(30));
    assertThat(second).isEqualTo(first);
    assertThat(first.outcome().phase()).isEqualTo(CanaryPhase.FAILED);
  }
}
