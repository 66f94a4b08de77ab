package io.canaryanalysis.simulation;

import static io.canaryanalysis.simulation.Podinfo.minutes;
import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Simulation#validateWith} applies a real router's checks; {@link Simulation#startingFrom} a stored status. */
class RouterValidationSimulationTest {

  /** A router that refuses every canary and fails any call that would touch routes. */
  static final class RefusingRouter implements TrafficRouter {
    @Override
    public String kind() {
      return "nginx";
    }

    @Override
    public RouterCapabilities capabilities() {
      return RouterCapabilities.WEIGHTS_ONLY;
    }

    @Override
    public List<SpecProblem> validate(Canary canary) {
      return List.of(new SpecProblem("spec.service.port", "refused by the real router"));
    }

    @Override
    public void reconcile(Canary canary) {
      throw new AssertionError("the simulation must not call the validating router");
    }

    @Override
    public void setRoutes(Canary canary, TrafficSplit split) {
      throw new AssertionError("the simulation must not call the validating router");
    }

    @Override
    public TrafficSplit getRoutes(Canary canary) {
      throw new AssertionError("the simulation must not call the validating router");
    }

    @Override
    public void finalizeRoutes(Canary canary) {
      throw new AssertionError("the simulation must not call the validating router");
    }
  }

  @Test
  void aCanaryTheRealRouterRefusesNeverStarts() {
    SimulationResult r = Simulation.of(Podinfo.canary(Podinfo.analysis().build()))
        .metric("request-success-rate", (t, weight) -> 100)
        .validateWith("traefik", new RefusingRouter())
        .newRevisionAt(Duration.ZERO)
        .run(minutes(10));
    assertThat(r.eventMessages()).anyMatch(m -> m.contains("spec.service.port: refused by the real router"));
    assertThat(r.canaryWeights()).containsOnly(0);
    assertThat(r.outcome().phase()).isNotEqualTo(CanaryPhase.SUCCEEDED);
  }

  @Test
  void theSameCanaryRunsWhenValidatedOnlyByCapabilities() {
    SimulationResult r = Simulation.of(Podinfo.canary(Podinfo.analysis().build()))
        .metric("request-success-rate", (t, weight) -> 100)
        .router("traefik", RouterCapabilities.WEIGHTS_ONLY)
        .newRevisionAt(Duration.ZERO)
        .run(minutes(30));
    assertThat(r.outcome().phase()).isEqualTo(CanaryPhase.SUCCEEDED);
  }

  @Test
  void aRunCanStartFromAStoredStatus() {
    CanaryStatus stored = CanaryStatus.builder().phase(CanaryPhase.SUCCEEDED).lastAppliedSpec("rev-1")
        .lastPromotedSpec("rev-1").build();
    SimulationResult r = Simulation.of(Podinfo.canary(Podinfo.analysis().build()))
        .metric("request-success-rate", (t, weight) -> 100)
        .startingFrom(stored)
        .run(minutes(5));
    assertThat(r.phases()).doesNotContain(CanaryPhase.INITIALIZING, CanaryPhase.INITIALIZED);
  }
}
