package io.canaryanalysis.simulation;

import static io.canaryanalysis.simulation.Podinfo.describe;
import static io.canaryanalysis.simulation.Podinfo.minutes;
import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CapacityWait;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Rollback and promotion without a capacity cliff: with autoscalers, the primary shrank while the
 * canary took its share; the engine raises the primary's floor and moves the traffic only once the
 * primary has the ready replicas to carry it (or when the wait reaches the progress deadline).
 */
class CapacitySimulationTest {

  /** 6 pods carry all traffic; the canary fails its checks at 30%, where the primary runs 5 of them. */
  private static Simulation rollbackAt30() {
    return Simulation.of(Podinfo.canary(Podinfo.analysis().stepWeight(10).maxWeight(50).threshold(2).build()))
        .metric("request-success-rate", (t, weight) -> weight >= 30 ? 50 : 100)
        .newRevisionAt(Duration.ZERO);
  }

  @Test
  void aRollbackWaitsForThePrimaryToCarryTheTrafficThenMovesIt() {
    SimulationResult r = rollbackAt30().primaryAutoscaler(6, 10, Duration.ofSeconds(90)).run(minutes(60));
    String timeline = describe(r);

    assertThat(r.safetyViolations()).as(timeline).isEmpty();
    assertThat(r.outcome().phase()).as(timeline).isEqualTo(CanaryPhase.FAILED);
    assertThat(r.outcome().settled()).as(timeline).isTrue();
    assertThat(r.eventMessages()).as(timeline).containsSubsequence(
        "Rolling back podinfo.test failed checks threshold reached 2",
        "Rollback of podinfo.test waiting for podinfo-primary.test to carry the traffic: 5/7 replicas ready",
        "Rollback of podinfo.test waiting for podinfo-primary.test to carry the traffic: 5/7 replicas ready",
        "podinfo-primary.test carries the traffic: 7/7 replicas ready",
        "Canary failed! Scaling down podinfo.test");
    // The decision is persisted at once (Failed, with the wait), the traffic stays at 30% until the move.
    TickRecord decided = r.timeline().stream()
        .filter(t -> t.eventMessages().contains("Rolling back podinfo.test failed checks threshold reached 2"))
        .findFirst().orElseThrow();
    assertThat(decided.phase()).isEqualTo(CanaryPhase.FAILED);
    assertThat(decided.canaryWeight()).isEqualTo(30);
    CapacityWait wait = decided.status().capacityWait();
    assertThat(wait.move()).isEqualTo(CapacityWait.Move.ROLLBACK);
    assertThat(wait.message()).isEqualTo("waiting for podinfo-primary.test to carry the traffic: 5/7 replicas ready");
    assertThat(wait.readyReplicas()).isEqualTo(5);
    assertThat(wait.neededReplicas()).isEqualTo(7);
    assertThat(decided.status().pendingPostRollout()).as("post-rollout hooks wait for the move").isNull();
    TickRecord moved = r.timeline().stream()
        .filter(t -> t.eventMessages().contains("Canary failed! Scaling down podinfo.test"))
        .findFirst().orElseThrow();
    assertThat(Duration.between(wait.since(), moved.status().lastAnalysisTime())).isEqualTo(minutes(2));
    assertThat(moved.canaryWeight()).isZero();
    assertThat(moved.status().capacityWait()).isNull();
    assertThat(r.canaryWeights()).containsSubsequence(30, 30, 30, 0);
  }

  @Test
  void withoutAnAutoscalerTheRollbackMovesTheTrafficAtOnceAsFlagger() {
    SimulationResult r = rollbackAt30().run(minutes(60));
    assertThat(r.outcome().phase()).isEqualTo(CanaryPhase.FAILED);
    assertThat(r.eventMessages()).noneMatch(m -> m.contains("carry the traffic"));
    assertThat(r.timeline()).allMatch(t -> t.status().capacityWait() == null);
    int rolledBack = r.eventMessages().indexOf("Rolling back podinfo.test failed checks threshold reached 2");
    assertThat(r.eventMessages().get(rolledBack + 1)).isEqualTo("Canary failed! Scaling down podinfo.test");
  }

  @Test
  void theWaitIsBoundedByTheProgressDeadlineThenTheTrafficMovesWithAWarning() {
    SimulationResult r = Simulation.of(Podinfo.canary(CanarySpec.builder().deployment("podinfo")
            .service(CanaryService.ofPort(9898)).progressDeadlineSeconds(180)
            .analysis(Podinfo.analysis().stepWeight(10).maxWeight(50).threshold(2).build())))
        .metric("request-success-rate", (t, weight) -> weight >= 30 ? 50 : 100)
        .newRevisionAt(Duration.ZERO)
        .primaryAutoscaler(6, 10, minutes(30)) // the new primary pods never get ready in time
        .run(minutes(90));
    String timeline = describe(r);

    assertThat(r.safetyViolations()).as(timeline).isEmpty();
    assertThat(r.outcome().phase()).isEqualTo(CanaryPhase.FAILED);
    assertThat(r.outcome().settled()).as(timeline).isTrue();
    assertThat(r.eventMessages()).as(timeline).containsSubsequence(
        "Rollback of podinfo.test waiting for podinfo-primary.test to carry the traffic: 5/7 replicas ready",
        "Rollback of podinfo.test: podinfo-primary.test did not carry the traffic within 180s (5/7 replicas"
            + " ready), moving the traffic anyway",
        "Canary failed! Scaling down podinfo.test");
    long waitingTicks = r.timeline().stream().filter(t -> t.status().capacityWait() != null).count();
    assertThat(waitingTicks).isEqualTo(3); // 0s, 60s, 120s; at 180s the bound is reached
  }

  @Test
  void aPromotionRaisesThePrimaryBeforeRoutingEverythingToIt() {
    SimulationResult r = Simulation.of(Podinfo.canary(Podinfo.analysis().stepWeight(25).maxWeight(50).build()))
        .metric("request-success-rate", (t, weight) -> 100)
        .newRevisionAt(Duration.ZERO)
        .primaryAutoscaler(6, 10, Duration.ofSeconds(90))
        .run(minutes(60));
    String timeline = describe(r);

    assertThat(r.safetyViolations()).as(timeline).isEmpty();
    assertThat(r.outcome().phase()).as(timeline).isEqualTo(CanaryPhase.SUCCEEDED);
    assertThat(r.outcome().settled()).as(timeline).isTrue();
    assertThat(r.eventMessages()).as(timeline).containsSubsequence(
        "Copying podinfo.test template spec to podinfo-primary.test",
        "Promotion of podinfo.test waiting for podinfo-primary.test to carry the traffic: 3/6 replicas ready",
        "podinfo-primary.test carries the traffic: 6/6 replicas ready",
        "Routing all traffic to primary",
        "Promotion completed! Scaling down podinfo.test");
    List<CanaryPhase> phases = r.phases();
    assertThat(phases).containsSubsequence(CanaryPhase.PROMOTING, CanaryPhase.PROMOTING,
        CanaryPhase.PROMOTING, CanaryPhase.FINALISING, CanaryPhase.SUCCEEDED);
    assertThat(r.timeline().stream().filter(t -> t.status().capacityWait() != null)
        .map(t -> t.status().capacityWait().move()).distinct()).containsExactly(CapacityWait.Move.PROMOTION);
    assertThat(r.canaryWeights()).containsSubsequence(50, 50, 50, 0);
  }

  @Test
  void theSafetyCheckCatchesFlaggersMoveOfAllTrafficToAShrunkPrimary() {
    SimulatedAutoscaler autoscaler = new SimulatedAutoscaler(6, 10, Duration.ofSeconds(90), minutes(10));
    io.canaryanalysis.api.TrafficSplit at30 = io.canaryanalysis.api.TrafficSplit.canary(30);
    autoscaler.update(minutes(5), at30);
    assertThat(autoscaler.readyReplicas()).isEqualTo(5);
    assertThat(autoscaler.routed(minutes(5), at30, io.canaryanalysis.api.TrafficSplit.ALL_PRIMARY))
        .isEqualTo("routed 100% to the primary with 5/6 replicas ready at PT5M");
    assertThat(autoscaler.routed(minutes(5), at30, io.canaryanalysis.api.TrafficSplit.canary(40)))
        .as("less traffic to the primary is always safe").isNull();
    autoscaler.prepare(minutes(5), at30, true);
    assertThat(autoscaler.routed(minutes(6), at30, io.canaryanalysis.api.TrafficSplit.ALL_PRIMARY))
        .as("asked for 60s ago, still warming up").isEqualTo("routed 100% to the primary with 5/6 replicas ready at PT6M");
    assertThat(autoscaler.routed(minutes(7), at30, io.canaryanalysis.api.TrafficSplit.ALL_PRIMARY))
        .as("asked for 2m ago, ready now").isNull();
  }

  @Test
  void aBlueGreenPromotionWaitsForThePrimaryItsAutoscalerShrankToOnePod() {
    SimulationResult r = Simulation.of(Podinfo.canary(io.canaryanalysis.api.spec.Analysis.builder()
            .interval(Podinfo.MINUTE).threshold(2).iterations(2)
            .metrics(List.of(Podinfo.successRate())).build()))
        .metric("request-success-rate", (t, weight) -> 100)
        .newRevisionAt(Duration.ZERO)
        .primaryAutoscaler(6, 10, Duration.ofSeconds(90))
        .run(minutes(60));
    String timeline = describe(r);

    assertThat(r.safetyViolations()).as(timeline).isEmpty();
    assertThat(r.outcome().phase()).as(timeline).isEqualTo(CanaryPhase.SUCCEEDED);
    assertThat(r.eventMessages()).as(timeline).containsSubsequence(
        "Routing all traffic to canary",
        "Promotion of podinfo.test waiting for podinfo-primary.test to carry the traffic: 1/7 replicas ready",
        "podinfo-primary.test carries the traffic: 7/7 replicas ready",
        "Routing all traffic to primary");
  }

  /**
   * The simulated autoscalers take the split as the traffic share, which an A/B match is not (the
   * canary gets only the matched requests), so their safety check does not apply here.
   */
  @Test
  void anAbTestOnlySendsTheMatchedRequestsToTheCanaryAndNeverWaits() {
    SimulationResult r = Simulation.of(Podinfo.canary(io.canaryanalysis.api.spec.Analysis.builder()
            .interval(Podinfo.MINUTE).threshold(2).iterations(2)
            .match(List.of(io.canaryanalysis.api.spec.HttpMatch.headers(java.util.Map.of("x-canary",
                io.canaryanalysis.api.spec.StringMatch.exact("insider")))))
            .metrics(List.of(Podinfo.successRate())).build()))
        .metric("request-success-rate", (t, weight) -> t.compareTo(minutes(3)) < 0 ? 100 : 50)
        .newRevisionAt(Duration.ZERO)
        .primaryAutoscaler(6, 10, Duration.ofSeconds(90))
        .run(minutes(60));

    assertThat(r.outcome().phase()).isEqualTo(CanaryPhase.FAILED);
    assertThat(r.timeline()).allMatch(t -> t.status().capacityWait() == null);
  }
}
