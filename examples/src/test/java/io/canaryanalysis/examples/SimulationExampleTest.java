package io.canaryanalysis.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.manifest.CanaryManifests;
import io.canaryanalysis.simulation.Simulation;
import io.canaryanalysis.simulation.SimulationResult;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Unit-testing a canary configuration with a simulation, as the README shows. */
class SimulationExampleTest {

  // podinfo.test: every minute, +5% canary traffic up to 50%, success rate must stay >= 99%,
  // three failed checks roll back.
  static final Canary PODINFO = Canary.of("podinfo", "test", CanarySpec.builder()
      .deployment("podinfo")
      .service(CanaryService.ofPort(9898))
      .analysis(Analysis.builder()
          .interval(Duration.ofMinutes(1))
          .threshold(3)
          .stepWeight(5)
          .maxWeight(50)
          .metrics(List.of(MetricCheck.builder("request-success-rate").thresholdRange(99.0, null).build()))
          .build())
      .build());

  @Test
  void rollsBackTwoMinutesAfterTheSuccessRateDrops() {
    SimulationResult result = Simulation.of(PODINFO)
        .metric("request-success-rate",
            (time, canaryWeight) -> time.compareTo(Duration.ofMinutes(4)) < 0 ? 99.9 : 53.42)
        .newRevisionAt(Duration.ZERO)
        .run(Duration.ofMinutes(30));

    assertThat(result.outcome().phase()).isEqualTo(CanaryPhase.FAILED);
    assertThat(result.outcome().timeToRollback()).contains(Duration.ofMinutes(6));
    assertThat(result.eventMessages()).containsSubsequence(
        "Halt podinfo.test advancement success rate 53.42% < 99%",
        "Halt podinfo.test advancement success rate 53.42% < 99%",
        "Halt podinfo.test advancement success rate 53.42% < 99%",
        "Rolling back podinfo.test failed checks threshold reached 3");
  }

  @Test
  void rollsBackWhenTheCanaryDegradesUnderLoad() {
    SimulationResult result = Simulation.of(PODINFO)
        .metric("request-success-rate", (time, canaryWeight) -> canaryWeight >= 30 ? 98.2 : 99.8)
        .newRevisionAt(Duration.ZERO)
        .run(Duration.ofMinutes(30));

    assertThat(result.outcome().phase()).isEqualTo(CanaryPhase.FAILED);
    assertThat(result.canaryWeights()).doesNotContain(35);
  }

  @Test
  void promotesAHealthyCanaryReadFromItsManifest() {
    Canary canary = CanaryManifests.readCanary("""
        apiVersion: flagger.app/v1beta1
        kind: Canary
        metadata:
          name: podinfo
          namespace: test
        spec:
          targetRef:
            apiVersion: apps/v1
            kind: Deployment
            name: podinfo
          service:
            port: 9898
          analysis:
            interval: 1m
            threshold: 3
            maxWeight: 50
            stepWeight: 10
            metrics:
              - name: request-success-rate
                thresholdRange:
                  min: 99
        """).canary();

    SimulationResult result = Simulation.of(canary)
        .metric("request-success-rate", (time, canaryWeight) -> 99.9)
        .newRevisionAt(Duration.ZERO)
        .run(Duration.ofMinutes(30));

    assertThat(result.outcome().phase()).isEqualTo(CanaryPhase.SUCCEEDED);
    assertThat(result.outcome().timeToPromotion()).contains(Duration.ofMinutes(9));
    assertThat(result.canaryWeights()).contains(10, 20, 30, 40, 50);
    assertThat(result.eventMessages()).contains("Promotion completed! Scaling down podinfo.test");
  }
}
