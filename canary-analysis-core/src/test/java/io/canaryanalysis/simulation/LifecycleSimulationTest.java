package io.canaryanalysis.simulation;

import static io.canaryanalysis.simulation.Podinfo.describe;
import static io.canaryanalysis.simulation.Podinfo.hook;
import static io.canaryanalysis.simulation.Podinfo.minutes;
import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.Readiness;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.spec.WebhookType;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CheckKind;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** New revisions, skipAnalysis, suspend, readiness deadlines and failed promotions. */
class LifecycleSimulationTest {
  private static final String CANARY_NOT_READY = "canary deployment podinfo.test not ready: waiting "
      + "for rollout to finish: 0 of 1 (readyThreshold 100%) updated replicas are available";
  private static final String PRIMARY_NOT_READY = "podinfo-primary.test not ready: waiting for "
      + "rollout to finish: 1 old replicas are pending termination";

  private static CanarySpec.Builder spec(Analysis analysis) {
    return CanarySpec.builder().deployment("podinfo").service(CanaryService.ofPort(9898))
        .analysis(analysis);
  }

  @Test
  void newRevisionMidAnalysisRestartsAtWeightZeroWithoutAskingConfirmRolloutAgain() {
    Analysis analysis = Podinfo.analysis()
        .webhooks(List.of(hook("gate", WebhookType.CONFIRM_ROLLOUT))).build();
    SimulationResult r = Simulation.of(Podinfo.canary(analysis))
        .metric("request-success-rate", (t, weight) -> t.equals(minutes(3)) ? 10 : 100)
        .newRevisionAt(Duration.ZERO)
        .newRevisionAt(Duration.ofSeconds(210))
        .run(minutes(60));

    assertThat(describe(r)).startsWith(String.join("\n",
        "0m INITIALIZED 100/0 fc=0 it=0 [all the metrics providers are available!, Initialization done! podinfo.test]",
        "1m PROGRESSING 100/0 fc=0 it=0 [Confirm-rollout check gate passed, New revision detected! Scaling up podinfo.test]",
        "2m PROGRESSING 95/5 fc=0 it=0 [Starting canary analysis for podinfo.test, Advance podinfo.test canary weight 5]",
        "3m PROGRESSING 95/5 fc=1 it=0 [Halt podinfo.test advancement success rate 10.00% < 99%]",
        "4m PROGRESSING 100/0 fc=0 it=0 [New revision detected! Restarting analysis for podinfo.test]",
        "5m PROGRESSING 95/5 fc=0 it=0 [Starting canary analysis for podinfo.test, Advance podinfo.test canary weight 5]"));
    assertThat(r.timeline().get(4).status().lastAppliedSpec()).isEqualTo("rev-3");
    assertThat(r.timeline().get(4).status().lastFailure()).isNull();
    assertThat(r.timeline().stream().flatMap(t -> t.hookCalls().stream())
        .filter(c -> c.name().equals("gate"))).hasSize(1);
    assertThat(r.outcome().phase()).isEqualTo(CanaryPhase.SUCCEEDED);
    assertThat(r.timeline().get(r.timeline().size() - 1).status().lastPromotedSpec()).isEqualTo("rev-3");
  }

  @Test
  void skipAnalysisPromotesAsSoonAsTheCanaryIsReady() {
    SimulationResult r = Simulation.of(Podinfo.canary(spec(Podinfo.analysis().build()).skipAnalysis(true)))
        .canaryReadiness(t -> t.compareTo(minutes(2)) <= 0 ? Readiness.waiting(CANARY_NOT_READY) : Readiness.READY)
        .newRevisionAt(Duration.ZERO)
        .run(minutes(30));

    assertThat(describe(r)).isEqualTo(String.join("\n",
        "0m INITIALIZED 100/0 fc=0 it=0 [Initialization done! podinfo.test]",
        "1m PROGRESSING 100/0 fc=0 it=0 [New revision detected! Scaling up podinfo.test]",
        "2m PROGRESSING 100/0 fc=0 it=0 [" + CANARY_NOT_READY + "]",
        "3m SUCCEEDED 100/0 fc=0 it=0 [Copying podinfo.test template spec to podinfo-primary.test, "
            + "Promotion completed! Canary analysis was skipped for podinfo.test]"));
    assertThat(r.timeline().get(3).alertMessages())
        .containsExactly("Canary analysis was skipped, promotion finished.");
  }

  @Test
  void suspendedCanaryDoesNothingButSayWhy() {
    SimulationResult r = Simulation.of(Podinfo.canary(spec(Podinfo.analysis().build()).suspend(true)))
        .newRevisionAt(Duration.ZERO)
        .run(minutes(2));

    assertThat(describe(r)).isEqualTo(String.join("\n",
        "0m INITIALIZING 100/0 fc=0 it=0 [skipping canary run as object is suspended]",
        "1m INITIALIZING 100/0 fc=0 it=0 [skipping canary run as object is suspended]",
        "2m INITIALIZING 100/0 fc=0 it=0 [skipping canary run as object is suspended]"));
    assertThat(r.outcome().settled()).isFalse();
  }

  @Test
  void canaryNotReadyPastTheProgressDeadlineRollsBackWithAnAlert() {
    SimulationResult r = Simulation.of(Podinfo.canary(spec(Podinfo.analysis().build())
            .progressDeadlineSeconds(120)))
        .metric("request-success-rate", (t, weight) -> 100)
        .canaryReadiness(t -> t.compareTo(minutes(3)) < 0 ? Readiness.READY : Readiness.waiting(CANARY_NOT_READY))
        .newRevisionAt(Duration.ZERO)
        .run(minutes(30));

    assertThat(describe(r)).isEqualTo(String.join("\n",
        "0m INITIALIZED 100/0 fc=0 it=0 [all the metrics providers are available!, Initialization done! podinfo.test]",
        "1m PROGRESSING 100/0 fc=0 it=0 [New revision detected! Scaling up podinfo.test]",
        "2m PROGRESSING 95/5 fc=0 it=0 [Starting canary analysis for podinfo.test, Advance podinfo.test canary weight 5]",
        "3m PROGRESSING 95/5 fc=0 it=0 [" + CANARY_NOT_READY + "]",
        "4m PROGRESSING 95/5 fc=0 it=0 [" + CANARY_NOT_READY + "]",
        "5m FAILED 100/0 fc=0 it=0 [Rolling back podinfo.test progress deadline exceeded " + CANARY_NOT_READY
            + ", Canary failed! Scaling down podinfo.test]"));
    assertThat(r.timeline().get(3).status().notReadySince())
        .isEqualTo(Simulation.DEFAULT_START.plus(minutes(3)));
    assertThat(r.timeline().get(5).alertMessages())
        .containsExactly("Progress deadline exceeded " + CANARY_NOT_READY);
    assertThat(r.outcome().lastFailure().kind()).isEqualTo(CheckKind.READINESS);
    assertThat(r.outcome().lastFailure().check()).isEqualTo("canary");
  }

  @Test
  void aFailedReadinessEndsTheWaitAtOnce() {
    SimulationResult r = Simulation.of(Podinfo.canary(Podinfo.analysis().build()))
        .metric("request-success-rate", (t, weight) -> 100)
        .canaryReadiness(t -> t.compareTo(minutes(3)) < 0 ? Readiness.READY
            : Readiness.failed("canary deployment podinfo.test not ready: image pull back-off"))
        .newRevisionAt(Duration.ZERO)
        .run(minutes(30));

    assertThat(r.timeline().get(3).eventMessages()).containsExactly(
        "Rolling back podinfo.test readiness failed canary deployment podinfo.test not ready: image pull back-off",
        "Canary failed! Scaling down podinfo.test");
    assertThat(r.outcome().timeToRollback()).contains(minutes(3));
  }

  @Test
  void primaryNeverReadyDuringPromotionKeepsTrafficOnTheCanary() {
    SimulationResult r = Simulation.of(Podinfo.canary(spec(Podinfo.analysis().stepWeight(25).build())
            .progressDeadlineSeconds(120)))
        .metric("request-success-rate", (t, weight) -> 100)
        .primaryReadinessAfterPromotion(t -> t.isZero() ? Readiness.READY : Readiness.waiting(PRIMARY_NOT_READY))
        .newRevisionAt(Duration.ZERO)
        .run(minutes(30));

    assertThat(describe(r)).isEqualTo(String.join("\n",
        "0m INITIALIZED 100/0 fc=0 it=0 [all the metrics providers are available!, Initialization done! podinfo.test]",
        "1m PROGRESSING 100/0 fc=0 it=0 [New revision detected! Scaling up podinfo.test]",
        "2m PROGRESSING 75/25 fc=0 it=0 [Starting canary analysis for podinfo.test, Advance podinfo.test canary weight 25]",
        "3m PROGRESSING 50/50 fc=0 it=0 [Advance podinfo.test canary weight 50]",
        "4m PROMOTING 50/50 fc=0 it=0 [Copying podinfo.test template spec to podinfo-primary.test]",
        "5m PROMOTING 50/50 fc=0 it=0 [" + PRIMARY_NOT_READY + "]",
        "6m PROMOTING 50/50 fc=0 it=0 [" + PRIMARY_NOT_READY + "]",
        "7m FAILED 0/100 fc=0 it=0 [Promotion of podinfo.test failed, primary not ready: " + PRIMARY_NOT_READY
            + " (progress deadline 120s exceeded)]"));
    TickRecord last = r.timeline().get(7);
    assertThat(last.status().canaryWeight()).isEqualTo(100);
    assertThat(last.alertMessages()).containsExactly("Promotion failed, primary not ready: "
        + PRIMARY_NOT_READY + " (progress deadline 120s exceeded)");
    assertThat(r.outcome().lastFailure().check()).isEqualTo("primary");
  }

  @Test
  void revertingToThePromotedRevisionDoesNotStartARun() {
    SimulationResult r = Simulation.of(Podinfo.canary(Podinfo.analysis().threshold(1).build()))
        .metric("request-success-rate", (t, weight) -> 50)
        .newRevisionAt(Duration.ZERO)
        .revisionAt(minutes(5), "rev-1")
        .run(minutes(30));

    assertThat(describe(r)).endsWith(String.join("\n",
        "3m FAILED 100/0 fc=1 it=0 [Halt podinfo.test advancement success rate 50.00% < 99%, "
            + "Rolling back podinfo.test failed checks threshold reached 1, Canary failed! Scaling down podinfo.test]",
        "4m FAILED 100/0 fc=1 it=0 []",
        "5m FAILED 100/0 fc=1 it=0 []"));
    assertThat(r.outcome().settled()).isTrue();
  }

  @Test
  void aFailedCanaryStartsAgainOnTheNextRevision() {
    SimulationResult r = Simulation.of(Podinfo.canary(Podinfo.analysis().threshold(1).build()))
        .metric("request-success-rate", (t, weight) -> t.compareTo(minutes(5)) < 0 ? 50 : 100)
        .newRevisionAt(Duration.ZERO)
        .newRevisionAt(minutes(5))
        .run(minutes(60));

    assertThat(describe(r)).contains(String.join("\n",
        "4m FAILED 100/0 fc=1 it=0 []",
        "5m PROGRESSING 100/0 fc=0 it=0 [New revision detected! Scaling up podinfo.test]",
        "6m PROGRESSING 95/5 fc=0 it=0 [Starting canary analysis for podinfo.test, Advance podinfo.test canary weight 5]"));
    assertThat(r.outcome().phase()).isEqualTo(CanaryPhase.SUCCEEDED);
  }
}
