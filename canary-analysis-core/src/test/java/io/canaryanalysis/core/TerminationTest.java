package io.canaryanalysis.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.EventType;
import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.Readiness;
import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.Workload;
import io.canaryanalysis.api.WorkloadSnapshot;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.api.status.ConditionStatus;
import io.canaryanalysis.api.status.StatusCondition;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Deleting a canary with revertOnDeletion: Flagger's finalizer steps, in order, with their events. */
class TerminationTest {
  private static final Instant NOW = Instant.parse("2024-05-01T10:00:00Z");

  private final List<String> calls = new ArrayList<>();
  private Readiness targetReadiness = Readiness.READY;
  private boolean targetScaledUp = true;
  private RuntimeException finalizeFailure;

  private final Workload workload = new Workload() {
    @Override
    public void initialize(Canary canary) {
      calls.add("initialize");
    }

    @Override
    public WorkloadSnapshot observe(Canary canary) {
      calls.add("observe");
      return new WorkloadSnapshot("rev-2", Map.of(), targetReadiness, Readiness.READY,
          targetScaledUp ? 2 : 0, "rev-1");
    }

    @Override
    public void scaleUp(Canary canary) {
      calls.add("scaleUp");
    }

    @Override
    public void scaleToZero(Canary canary) {
      calls.add("scaleToZero");
    }

    @Override
    public void promote(Canary canary) {
      calls.add("promote");
    }

    @Override
    public void revert(Canary canary) {
      calls.add("revert");
    }
  };

  private final TrafficRouter router = new TrafficRouter() {
    @Override
    public String kind() {
      return "traefik";
    }

    @Override
    public RouterCapabilities capabilities() {
      return RouterCapabilities.WEIGHTS_ONLY;
    }

    @Override
    public void reconcile(Canary canary) {
      calls.add("reconcile");
    }

    @Override
    public void setRoutes(Canary canary, TrafficSplit split) {
      calls.add("setRoutes");
    }

    @Override
    public TrafficSplit getRoutes(Canary canary) {
      return TrafficSplit.ALL_PRIMARY;
    }

    @Override
    public void finalizeRoutes(Canary canary) {
      if (finalizeFailure != null) {
        throw finalizeFailure;
      }
      calls.add("finalizeRoutes");
    }
  };

  private final AnalysisEngine engine = AnalysisEngine.builder()
      .router(router)
      .workload(workload)
      .statusStore(new InMemoryStatusStore())
      .clock(InstantSource.fixed(NOW))
      .build();

  private static final Canary CANARY = Canary.of("podinfo", "test", CanarySpec.builder()
      .deployment("podinfo").service(CanaryService.ofPort(9898)).revertOnDeletion(true)
      .analysis(Analysis.builder().stepWeight(10).maxWeight(50).build()).build());

  private static CanaryStatus progressing() {
    return CanaryStatus.builder().phase(CanaryPhase.PROGRESSING).canaryWeight(20)
        .lastAppliedSpec("rev-2").lastPromotedSpec("rev-1").build();
  }

  private static List<String> messages(TickReport report) {
    return report.events().stream().map(CanaryEvent::message).toList();
  }

  @Test
  void aReadyTargetIsRestoredThenTheServiceAndTheRoutesAreHandedBack() {
    TickReport report = engine.terminate(CANARY, progressing());

    assertThat(calls).containsExactly("scaleUp", "observe", "revert", "finalizeRoutes");
    assertThat(messages(report))
        .containsExactly("Terminating canary podinfo.test", "Terminated canary podinfo.test");
    assertThat(report.status().phase()).isEqualTo(CanaryPhase.TERMINATED);
    StatusCondition promoted = report.status().condition(StatusCondition.PROMOTED).orElseThrow();
    assertThat(promoted.status()).isEqualTo(ConditionStatus.UNKNOWN);
    assertThat(promoted.reason()).isEqualTo("Terminated");
    assertThat(promoted.message()).isEqualTo("Canary deleted, traffic handed back to the Deployment.");
  }

  @Test
  void nothingIsHandedBackToATargetThatIsNotReadyYet() {
    targetReadiness = Readiness.waiting(
        "canary deployment podinfo.test not ready: waiting for rollout to finish: 0 of 2 updated replicas are available");

    TickReport waiting = engine.terminate(CANARY, progressing());

    assertThat(calls).containsExactly("scaleUp", "observe");
    assertThat(waiting.status().phase()).isEqualTo(CanaryPhase.TERMINATING);
    assertThat(waiting.events()).extracting(CanaryEvent::type, CanaryEvent::message).containsExactly(
        org.assertj.core.groups.Tuple.tuple(EventType.NORMAL, "Terminating canary podinfo.test"),
        org.assertj.core.groups.Tuple.tuple(EventType.WARNING, targetReadiness.message()));

    calls.clear();
    targetReadiness = Readiness.READY;
    TickReport done = engine.terminate(CANARY, waiting.status());

    assertThat(calls).containsExactly("observe", "revert", "finalizeRoutes");
    assertThat(messages(done)).containsExactly("Terminated canary podinfo.test");
    assertThat(done.status().phase()).isEqualTo(CanaryPhase.TERMINATED);
  }

  @Test
  void aRouterFailureKeepsTheCanaryTerminatingForARetry() {
    finalizeFailure = new ProviderException("VirtualService podinfo.test: 503 Service Unavailable", true);

    TickReport report = engine.terminate(CANARY, progressing());

    assertThat(report.status().phase()).isEqualTo(CanaryPhase.TERMINATING);
    assertThat(messages(report)).containsExactly("Terminating canary podinfo.test",
        "Error finalizing the traefik routes for podinfo.test: VirtualService podinfo.test: 503 Service Unavailable");
  }

  @Test
  void aTerminatedCanaryIsLeftAlone() {
    CanaryStatus terminated = engine.terminate(CANARY, progressing()).status();
    calls.clear();

    TickReport again = engine.terminate(CANARY, terminated);

    assertThat(calls).isEmpty();
    assertThat(again.events()).isEmpty();
    assertThat(again.status()).isSameAs(terminated);
  }

  @Test
  void aTerminatingCanaryIsNotAnalysedAnyMore() {
    CanaryStatus terminating = progressing().toBuilder().phase(CanaryPhase.TERMINATING).build();

    TickReport report = engine.reconcile(CANARY, terminating);

    assertThat(report.status().phase()).isEqualTo(CanaryPhase.TERMINATING);
    assertThat(calls).doesNotContain("setRoutes", "promote", "scaleToZero");
  }
}
