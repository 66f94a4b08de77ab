package io.canaryanalysis.simulation;

import static io.canaryanalysis.simulation.Podinfo.describe;
import static io.canaryanalysis.simulation.Podinfo.hook;
import static io.canaryanalysis.simulation.Podinfo.minutes;
import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.WebhookResult;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Webhook;
import io.canaryanalysis.api.spec.WebhookType;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CheckKind;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every webhook type, with Flagger's gating semantics and texts. */
class WebhookSimulationTest {

  private static Analysis.Builder withHooks(Webhook... hooks) {
    return Podinfo.analysis().stepWeight(25).webhooks(List.of(hooks));
  }

  private static long calls(SimulationResult r, String hook) {
    return r.timeline().stream().flatMap(t -> t.hookCalls().stream())
        .filter(c -> c.name().equals(hook)).count();
  }

  @Test
  void confirmRolloutKeepsTheCanaryWaitingUntilTheGateOpens() {
    SimulationResult r = Simulation.of(Podinfo.canary(
            withHooks(hook("gate", WebhookType.CONFIRM_ROLLOUT)).build()))
        .metric("request-success-rate", (t, weight) -> 100)
        .hookOpenFrom("gate", minutes(3))
        .newRevisionAt(Duration.ZERO)
        .run(minutes(30));

    assertThat(describe(r)).startsWith(String.join("\n",
        "0m INITIALIZED 100/0 fc=0 it=0 [all the metrics providers are available!, Initialization done! podinfo.test]",
        "1m WAITING 100/0 fc=0 it=0 [Halt podinfo.test advancement waiting for approval gate]",
        "2m WAITING 100/0 fc=0 it=0 []",
        "3m PROGRESSING 100/0 fc=0 it=0 [Confirm-rollout check gate passed, New revision detected! Scaling up podinfo.test]",
        "4m PROGRESSING 75/25 fc=0 it=0 [Starting canary analysis for podinfo.test, Advance podinfo.test canary weight 25]"));
    assertThat(r.timeline().get(1).alertMessages()).containsExactly("Canary is waiting for approval.");
    assertThat(r.timeline().get(1).hookCalls().get(0).payload().phase()).isEqualTo("Initialized");
    assertThat(r.timeline().get(2).hookCalls().get(0).payload().phase()).isEqualTo("Waiting");
    assertThat(calls(r, "gate")).isEqualTo(3);
    assertThat(r.outcome().phase()).isEqualTo(CanaryPhase.SUCCEEDED);
  }

  @Test
  void preRolloutRunsOncePerRunAndItsFailureCounts() {
    SimulationResult r = Simulation.of(Podinfo.canary(
            withHooks(hook("smoke", WebhookType.PRE_ROLLOUT)).build()))
        .metric("request-success-rate", (t, weight) -> 100)
        .hook("smoke", t -> t.compareTo(minutes(3)) < 0
            ? WebhookResult.status(500, "smoke test failed") : WebhookResult.status(200))
        .newRevisionAt(Duration.ZERO)
        .run(minutes(30));

    assertThat(describe(r)).isEqualTo(String.join("\n",
        "0m INITIALIZED 100/0 fc=0 it=0 [all the metrics providers are available!, Initialization done! podinfo.test]",
        "1m PROGRESSING 100/0 fc=0 it=0 [New revision detected! Scaling up podinfo.test]",
        "2m PROGRESSING 100/0 fc=1 it=0 [Starting canary analysis for podinfo.test, Halt podinfo.test advancement pre-rollout check smoke failed smoke test failed]",
        "3m PROGRESSING 75/25 fc=1 it=0 [Pre-rollout check smoke passed, Advance podinfo.test canary weight 25]",
        "4m PROGRESSING 50/50 fc=1 it=0 [Advance podinfo.test canary weight 50]",
        "5m PROMOTING 50/50 fc=1 it=0 [Copying podinfo.test template spec to podinfo-primary.test]",
        "6m FINALISING 100/0 fc=1 it=0 [Routing all traffic to primary]",
        "7m SUCCEEDED 100/0 fc=1 it=0 [Promotion completed! Scaling down podinfo.test]"));
    assertThat(calls(r, "smoke")).isEqualTo(2);
    assertThat(r.timeline().get(2).hookCalls().get(0).payload().phase()).isEqualTo("Progressing");
    assertThat(r.outcome().lastFailure().kind()).isEqualTo(CheckKind.WEBHOOK);
    assertThat(r.outcome().lastFailure().check()).isEqualTo("smoke");
  }

  @Test
  void rolloutHookFailureHaltsAndCountsBeforeMetricsRun() {
    SimulationResult r = Simulation.of(Podinfo.canary(
            withHooks(hook("load", WebhookType.ROLLOUT)).build()))
        .metric("request-success-rate", (t, weight) -> 100)
        .hook("load", t -> t.equals(minutes(3))
            ? WebhookResult.transportFailure("timeout after 10s") : WebhookResult.status(202))
        .newRevisionAt(Duration.ZERO)
        .run(minutes(30));

    assertThat(describe(r)).contains(String.join("\n",
        "2m PROGRESSING 75/25 fc=0 it=0 [Starting canary analysis for podinfo.test, Advance podinfo.test canary weight 25]",
        "3m PROGRESSING 75/25 fc=1 it=0 [Halt podinfo.test advancement external check load failed timeout after 10s]",
        "4m PROGRESSING 50/50 fc=1 it=0 [Advance podinfo.test canary weight 50]"));
    // Not called on the pre-rollout tick, nor during Promoting/Finalising.
    assertThat(calls(r, "load")).isEqualTo(3);
  }

  @Test
  void confirmTrafficIncreaseGatesEachStepButNotThePromotion() {
    SimulationResult r = Simulation.of(Podinfo.canary(
            withHooks(hook("traffic", WebhookType.CONFIRM_TRAFFIC_INCREASE)).build()))
        .metric("request-success-rate", (t, weight) -> 100)
        .hookOpenFrom("traffic", minutes(4))
        .newRevisionAt(Duration.ZERO)
        .run(minutes(30));

    assertThat(describe(r)).isEqualTo(String.join("\n",
        "0m INITIALIZED 100/0 fc=0 it=0 [all the metrics providers are available!, Initialization done! podinfo.test]",
        "1m PROGRESSING 100/0 fc=0 it=0 [New revision detected! Scaling up podinfo.test]",
        "2m PROGRESSING 100/0 fc=0 it=0 [Starting canary analysis for podinfo.test, Halt podinfo.test advancement waiting for traffic increase approval traffic]",
        "3m PROGRESSING 100/0 fc=0 it=0 [Halt podinfo.test advancement waiting for traffic increase approval traffic]",
        "4m PROGRESSING 75/25 fc=0 it=0 [Confirm-traffic-increase check traffic passed, Advance podinfo.test canary weight 25]",
        "5m PROGRESSING 50/50 fc=0 it=0 [Confirm-traffic-increase check traffic passed, Advance podinfo.test canary weight 50]",
        "6m PROMOTING 50/50 fc=0 it=0 [Copying podinfo.test template spec to podinfo-primary.test]",
        "7m FINALISING 100/0 fc=0 it=0 [Routing all traffic to primary]",
        "8m SUCCEEDED 100/0 fc=0 it=0 [Promotion completed! Scaling down podinfo.test]"));
    assertThat(r.timeline().get(2).alertMessages())
        .containsExactly("Canary traffic increase is waiting for approval.");
    assertThat(calls(r, "traffic")).isEqualTo(4);
  }

  @Test
  void confirmPromotionHoldsInWaitingPromotionKeepingTheRealWeight() {
    SimulationResult r = Simulation.of(Podinfo.canary(
            withHooks(hook("promotion", WebhookType.CONFIRM_PROMOTION)).build()))
        .metric("request-success-rate", (t, weight) -> 100)
        .hookOpenFrom("promotion", minutes(6))
        .newRevisionAt(Duration.ZERO)
        .run(minutes(30));

    assertThat(describe(r)).isEqualTo(String.join("\n",
        "0m INITIALIZED 100/0 fc=0 it=0 [all the metrics providers are available!, Initialization done! podinfo.test]",
        "1m PROGRESSING 100/0 fc=0 it=0 [New revision detected! Scaling up podinfo.test]",
        "2m PROGRESSING 75/25 fc=0 it=0 [Starting canary analysis for podinfo.test, Advance podinfo.test canary weight 25]",
        "3m PROGRESSING 50/50 fc=0 it=0 [Advance podinfo.test canary weight 50]",
        "4m WAITING_PROMOTION 50/50 fc=0 it=0 [Halt podinfo.test advancement waiting for promotion approval promotion]",
        "5m WAITING_PROMOTION 50/50 fc=0 it=0 []",
        "6m PROMOTING 50/50 fc=0 it=0 [Confirm-promotion check promotion passed, Copying podinfo.test template spec to podinfo-primary.test]",
        "7m FINALISING 100/0 fc=0 it=0 [Routing all traffic to primary]",
        "8m SUCCEEDED 100/0 fc=0 it=0 [Promotion completed! Scaling down podinfo.test]"));
    assertThat(r.timeline().get(4).status().canaryWeight()).isEqualTo(50);
    assertThat(r.timeline().get(4).status().iterations()).isZero();
    assertThat(r.timeline().get(4).alertMessages())
        .containsExactly("Canary promotion is waiting for approval.");
  }

  @Test
  void metricsKeepRunningInWaitingPromotionAndCanRollBack() {
    SimulationResult r = Simulation.of(Podinfo.canary(
            withHooks(hook("promotion", WebhookType.CONFIRM_PROMOTION)).threshold(1).build()))
        .metric("request-success-rate", (t, weight) -> t.compareTo(minutes(5)) < 0 ? 100 : 90)
        .hookOpenFrom("promotion", minutes(60))
        .newRevisionAt(Duration.ZERO)
        .run(minutes(30));

    assertThat(describe(r)).endsWith(String.join("\n",
        "4m WAITING_PROMOTION 50/50 fc=0 it=0 [Halt podinfo.test advancement waiting for promotion approval promotion]",
        "5m FAILED 100/0 fc=1 it=0 [Halt podinfo.test advancement success rate 90.00% < 99%, "
            + "Rolling back podinfo.test failed checks threshold reached 1, Canary failed! Scaling down podinfo.test]"));
  }

  @Test
  void postRolloutHooksRunAfterSuccessAndFailure() {
    Analysis analysis = withHooks(hook("notify", WebhookType.POST_ROLLOUT)).threshold(1).build();
    SimulationResult success = Simulation.of(Podinfo.canary(analysis))
        .metric("request-success-rate", (t, weight) -> 100)
        .newRevisionAt(Duration.ZERO)
        .run(minutes(30));
    TickRecord last = success.timeline().get(success.timeline().size() - 1);
    assertThat(last.eventMessages()).containsExactly("Post-rollout check notify passed",
        "Promotion completed! Scaling down podinfo.test");
    assertThat(last.hookCalls()).extracting(c -> c.payload().phase()).containsExactly("Succeeded");

    SimulationResult failure = Simulation.of(Podinfo.canary(analysis))
        .metric("request-success-rate", (t, weight) -> 50)
        .hook("notify", t -> WebhookResult.status(503))
        .newRevisionAt(Duration.ZERO)
        .run(minutes(30));
    TickRecord failed = failure.timeline().get(failure.timeline().size() - 1);
    assertThat(failed.eventMessages()).containsExactly(
        "Halt podinfo.test advancement success rate 50.00% < 99%",
        "Rolling back podinfo.test failed checks threshold reached 1",
        "Canary failed! Scaling down podinfo.test",
        "Post-rollout hook notify failed status 503");
    assertThat(failed.hookCalls()).extracting(c -> c.payload().phase()).containsExactly("Failed");
  }

  @Test
  void rollbackHookRollsTheCanaryBackWhenItPasses() {
    SimulationResult r = Simulation.of(Podinfo.canary(
            withHooks(hook("rollback", WebhookType.ROLLBACK)).build()))
        .metric("request-success-rate", (t, weight) -> 100)
        .hookOpenFrom("rollback", minutes(3))
        .newRevisionAt(Duration.ZERO)
        .run(minutes(30));

    assertThat(describe(r)).isEqualTo(String.join("\n",
        "0m INITIALIZED 100/0 fc=0 it=0 [all the metrics providers are available!, Initialization done! podinfo.test]",
        "1m PROGRESSING 100/0 fc=0 it=0 [New revision detected! Scaling up podinfo.test]",
        "2m PROGRESSING 75/25 fc=0 it=0 [Rollback hook rollback not signaling a rollback, Starting canary analysis for podinfo.test, Advance podinfo.test canary weight 25]",
        "3m FAILED 100/0 fc=0 it=0 [Rollback check rollback passed, Rolling back podinfo.test manual webhook invoked, Canary failed! Scaling down podinfo.test]"));
    assertThat(r.outcome().lastFailure().kind()).isEqualTo(CheckKind.ROLLBACK_WEBHOOK);
    assertThat(r.timeline().get(3).alertMessages()).containsExactly("Rolling back manual webhook invoked");
  }

  @Test
  void eventHooksReceiveEveryEventWithFlaggerMetadata() {
    Webhook events = hook("events", WebhookType.EVENT).withMetadata(Map.of("team", "web",
        "eventType", "overridden?"));
    SimulationResult r = Simulation.of(Podinfo.canary(withHooks(events).build()))
        .metric("request-success-rate", (t, weight) -> 100)
        .newRevisionAt(Duration.ZERO)
        .run(minutes(30));

    for (TickRecord tick : r.timeline()) {
      List<HookCall> calls = tick.hookCalls().stream()
          .filter(c -> c.type() == WebhookType.EVENT).toList();
      assertThat(calls).extracting(c -> c.payload().metadata().get("eventMessage"))
          .containsExactlyElementsOf(tick.eventMessages());
      for (HookCall call : calls) {
        assertThat(call.payload().metadata()).containsEntry("eventType", "Normal")
            .containsEntry("team", "web")
            .containsEntry("timestamp", Long.toString(
                Simulation.DEFAULT_START.plus(tick.time()).toEpochMilli()));
        assertThat(call.payload().name()).isEqualTo("podinfo");
        assertThat(call.payload().namespace()).isEqualTo("test");
      }
    }
    assertThat(r.timeline().get(1).hookCalls().get(0).payload().phase()).isEqualTo("Progressing");
  }
}
