package io.canaryanalysis.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.Readiness;
import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.WebhookResult;
import io.canaryanalysis.api.WorkloadSnapshot;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.Webhook;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CanaryStateMachineTest {
  private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");

  private static Canary canary(Analysis analysis) {
    return Canary.of("podinfo", "test", CanarySpec.builder().deployment("podinfo")
        .service(CanaryService.ofPort(9898)).analysis(analysis).build());
  }

  private static Analysis.Builder analysis() {
    return Analysis.builder().interval(Duration.ofMinutes(1)).threshold(2).stepWeight(10).maxWeight(50)
        .metrics(List.of(MetricCheck.builder("request-success-rate").thresholdRange(99.0, null).build()));
  }

  private static WorkloadSnapshot workload(String revision, Readiness primary) {
    return new WorkloadSnapshot(revision, Map.of(), Readiness.READY, primary);
  }

  /** Checks with fixed answers that count how often the router was read. */
  private static final class FixedChecks implements TickChecks {
    final TrafficSplit routes;
    final double successRate;
    int routeReads;

    FixedChecks(TrafficSplit routes, double successRate) {
      this.routes = routes;
      this.successRate = successRate;
    }

    @Override
    public WebhookResult callWebhook(Webhook hook, CanaryPhase payloadPhase) {
      return WebhookResult.status(200);
    }

    @Override
    public MetricOutcome evaluate(MetricCheck check) {
      return new MetricOutcome.Measured(MetricResult.value(successRate));
    }

    @Override
    public java.util.List<String> metricProviderProblems() {
      return java.util.List.of();
    }
  }

  private static CanaryStatus progressing(int weight) {
    return CanaryStatus.builder().phase(CanaryPhase.PROGRESSING).canaryWeight(weight)
        .lastAppliedSpec("rev-2").lastPromotedSpec("rev-1").preRolloutPassed(true)
        .lastAnalysisTime(T0).build();
  }

  private static TickInput input(Canary canary, CanaryStatus status, Instant now, WorkloadSnapshot w) {
    return new TickInput(canary, status, now, w, "istio", RouterCapabilities.WEIGHTS_ONLY);
  }

  @Test
  void aTickBeforeTheIntervalDoesNothingAndReportsTheRemainingDelay() {
    FixedChecks checks = new FixedChecks(TrafficSplit.canary(10), 100);
    CanaryStatus status = progressing(10);
    assertThat(CanaryStateMachine.plan(canary(analysis().build()), status, T0.plusSeconds(45)))
        .isEqualTo(new CanaryStateMachine.Plan.Wait(Duration.ofSeconds(15)));
    assertThat(CanaryStateMachine.plan(canary(analysis().build()), status, T0.plusSeconds(60)))
        .isEqualTo(new CanaryStateMachine.Plan.Run());

    TickResult due = CanaryStateMachine.tick(input(canary(analysis().build()), status,
        T0.plusSeconds(60), workload("rev-2", Readiness.READY)), checks);
    assertThat(due.analysed()).isTrue();
    assertThat(due.status().lastAnalysisTime()).isEqualTo(T0.plusSeconds(60));
    assertThat(due.status().canaryWeight()).isEqualTo(20);
    assertThat(due.nextTickIn()).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void intervalsBelowTenSecondsAreClampedToTen() {
    Canary canary = canary(analysis().interval(Duration.ofSeconds(2)).build());
    assertThat(CanaryStateMachine.plan(canary, progressing(10), T0.plusSeconds(5)))
        .isEqualTo(new CanaryStateMachine.Plan.Wait(Duration.ofSeconds(5)));
  }

  @Test
  void idleCanariesDecideNothing() {
    CanaryStatus succeeded = CanaryStatus.builder().phase(CanaryPhase.SUCCEEDED)
        .lastAppliedSpec("rev-2").lastPromotedSpec("rev-2").build();
    FixedChecks checks = new FixedChecks(TrafficSplit.ALL_PRIMARY, 100);
    TickResult result = CanaryStateMachine.tick(input(canary(analysis().build()), succeeded, T0,
        workload("rev-2", Readiness.READY)), checks);
    assertThat(result.actions()).isEmpty();
    assertThat(result.analysed()).isFalse();
  }

  @Test
  void aWeightOffTheLadderGoesToTheNextRungAboveIt() {
    Analysis ladder = analysis().stepWeight(0).maxWeight(null).stepWeights(List.of(1, 2, 10, 80)).build();
    assertThat(StrategyStep.nextStepWeight(ladder, 0)).isEqualTo(1);
    assertThat(StrategyStep.nextStepWeight(ladder, 2)).isEqualTo(8);
    assertThat(StrategyStep.nextStepWeight(ladder, 5)).isEqualTo(5);
    TickResult result = CanaryStateMachine.tick(input(canary(ladder), progressing(5), T0.plusSeconds(60),
        workload("rev-2", Readiness.READY)), new FixedChecks(TrafficSplit.canary(5), 100));
    assertThat(result.actions()).containsExactly(
        new Action.SetRoutes(TrafficSplit.canary(10)),
        new Action.RecordEvent(io.canaryanalysis.api.EventType.NORMAL, "Advance podinfo.test canary weight 10", null));
  }

  @Test
  void illegalPhaseTransitionsAreRejected() {
    assertThatThrownBy(() -> PhaseTransitions.check(CanaryPhase.SUCCEEDED, CanaryPhase.PROMOTING))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("illegal canary phase transition Succeeded -> Promoting");
    assertThatThrownBy(() -> PhaseTransitions.check(CanaryPhase.INITIALIZING, CanaryPhase.PROGRESSING))
        .isInstanceOf(IllegalStateException.class);
    PhaseTransitions.check(CanaryPhase.PROGRESSING, CanaryPhase.FAILED);
    PhaseTransitions.check(CanaryPhase.FINALISING, CanaryPhase.FINALISING);
  }

  @Test
  void failedChecksRaisedByAnOperatorRollBackAtTheStartOfTheTick() {
    CanaryStatus status = progressing(20).toBuilder().failedChecks(2).build();
    FixedChecks checks = new FixedChecks(TrafficSplit.canary(20), 100);
    TickResult result = CanaryStateMachine.tick(input(canary(analysis().build()), status,
        T0.plusSeconds(60), workload("rev-2", Readiness.READY)), checks);
    assertThat(result.status().phase()).isEqualTo(CanaryPhase.FAILED);
    assertThat(result.status().failedChecks()).isEqualTo(2);
    assertThat(result.status().lastFailure().message())
        .isEqualTo("Rolling back podinfo.test failed checks threshold reached 2");
    assertThat(result.actions()).contains(new Action.SetRoutes(TrafficSplit.ALL_PRIMARY),
        new Action.ScaleToZero());
    // No post-rollout hook in the spec: nothing is owed, so the ending tick is one status write.
    assertThat(result.status().pendingPostRollout()).isNull();
    assertThat(result.actions()).doesNotContain(new Action.RunPostRolloutHooks());

    Canary hooked = canary(analysis().webhooks(List.of(io.canaryanalysis.api.spec.Webhook.of("notify",
        io.canaryanalysis.api.spec.WebhookType.POST_ROLLOUT, "http://notifier/"))).build());
    TickResult owed = CanaryStateMachine.tick(input(hooked, status, T0.plusSeconds(60),
        workload("rev-2", Readiness.READY)), checks);
    assertThat(owed.status().pendingPostRollout()).isEqualTo(CanaryPhase.FAILED);
    assertThat(owed.actions()).contains(new Action.RunPostRolloutHooks());
  }

  @Test
  void aNewRevisionOfAFailedCanaryIsNotLostWhenThePrimaryIsNotReady() {
    CanaryStatus failed = CanaryStatus.builder().phase(CanaryPhase.FAILED)
        .lastAppliedSpec("rev-2").lastPromotedSpec("rev-1").failedChecks(2).build();
    Canary canary = canary(analysis().build());
    TickResult waiting = CanaryStateMachine.tick(input(canary, failed, T0,
        workload("rev-3", Readiness.waiting("podinfo-primary.test not ready"))),
        new FixedChecks(TrafficSplit.ALL_PRIMARY, 100));
    assertThat(waiting.status().phase()).isEqualTo(CanaryPhase.FAILED);
    assertThat(waiting.status().lastAppliedSpec()).isEqualTo("rev-2");
    assertThat(waiting.status().notReadySince()).isEqualTo(T0);

    TickResult started = CanaryStateMachine.tick(input(canary, waiting.status(), T0.plusSeconds(60),
        workload("rev-3", Readiness.READY)), new FixedChecks(TrafficSplit.ALL_PRIMARY, 100));
    assertThat(started.status().phase()).isEqualTo(CanaryPhase.PROGRESSING);
    assertThat(started.status().lastAppliedSpec()).isEqualTo("rev-3");
    assertThat(started.status().failedChecks()).isZero();
    assertThat(started.actions()).contains(new Action.ScaleUp());
  }

  @Test
  void theSameInputsGiveTheSameOutputs() {
    Canary canary = canary(analysis().build());
    TickInput in = input(canary, progressing(20), T0.plusSeconds(60), workload("rev-2", Readiness.READY));
    TickResult first = CanaryStateMachine.tick(in, new FixedChecks(TrafficSplit.canary(20), 42));
    TickResult second = CanaryStateMachine.tick(in, new FixedChecks(TrafficSplit.canary(20), 42));
    assertThat(second).isEqualTo(first);
    assertThat(first.status().failedChecks()).isEqualTo(1);
    assertThat(first.status().lastTransitionTime()).isEqualTo(T0.plusSeconds(60));
  }
}
