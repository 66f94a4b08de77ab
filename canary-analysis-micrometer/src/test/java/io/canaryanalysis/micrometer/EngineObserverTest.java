package io.canaryanalysis.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.simulation.Simulation;
import io.canaryanalysis.simulation.SimulationResult;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The real engine (through the simulation harness) feeds the meters as its observer. */
class EngineObserverTest {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final CanaryMeters meters = CanaryMeters.builder(registry).info("1.44.0", "istio").build();

  private static Canary canary() {
    return FlaggerMetersPrometheusTest.canary("podinfo", "test", "podinfo", Analysis.builder()
        .interval(Duration.ofMinutes(1)).threshold(2).stepWeight(25).maxWeight(50)
        .metrics(List.of(MetricCheck.builder("request-success-rate").thresholdRange(99.0, null).build()))
        .build());
  }

  @Test
  void aSimulatedRolloutLeavesFlaggersSeriesForEachPhase() {
    SimulationResult promoted = Simulation.of(canary()).observer(meters)
        .metric("request-success-rate", (t, weight) -> 99.5)
        .newRevisionAt(Duration.ZERO)
        .run(Duration.ofMinutes(30));
    assertThat(promoted.outcome().phase()).isEqualTo(CanaryPhase.SUCCEEDED);

    Exposition scrape = Exposition.parse(registry.scrape());
    Map<String, String> canary = Map.of("name", "podinfo", "namespace", "test");
    assertThat(scrape.value("flagger_canary_status", canary)).contains(1.0);
    assertThat(scrape.value("flagger_canary_successes_total",
        Map.of("name", "podinfo", "namespace", "test", "deployment_strategy", "canary",
            "analysis_status", "completed"))).contains(1.0);
    assertThat(scrape.value("flagger_canary_metric_analysis",
        Map.of("name", "podinfo", "namespace", "test", "metric", "request-success-rate"))).contains(99.5);
    assertThat(registry.scrape()).contains("canary_analysis_provider_call_seconds_count{kind=\"metrics\"");

    Simulation.of(canary()).observer(meters)
        .metric("request-success-rate", (t, weight) -> 50)
        .newRevisionAt(Duration.ZERO)
        .run(Duration.ofMinutes(30));
    assertThat(Exposition.parse(registry.scrape()).value("flagger_canary_status", canary)).contains(2.0);
  }
}
