package io.canaryanalysis.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.api.status.CheckStatus;
import io.canaryanalysis.api.status.Measurement;
import io.canaryanalysis.api.status.OutcomeClass;
import io.canaryanalysis.simulation.Simulation;
import io.canaryanalysis.simulation.SimulationResult;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code canary_analysis_check_outcomes_total}: the outcome classes of the checks, scraped from a real registry. */
class CheckOutcomeMetersTest {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final CanaryMeters meters = CanaryMeters.builder(registry).build();

  private static Canary canary() {
    return FlaggerMetersPrometheusTest.canary("podinfo", "test", "podinfo", Analysis.builder()
        .interval(Duration.ofMinutes(1)).threshold(6).stepWeight(10).maxWeight(50)
        .metrics(List.of(MetricCheck.builder("request-success-rate").thresholdRange(99.0, null).build()))
        .build());
  }

  private static Map<String, String> labels(String outcome) {
    return Map.of("name", "podinfo", "namespace", "test", "metric", "request-success-rate",
        "outcome", outcome);
  }

  @Test
  void aRolloutsOutcomeClassesAreCountedAsTheStatusRecordsThem() {
    SimulationResult run = Simulation.of(canary()).observer(meters)
        .metricResult("request-success-rate", (t, weight) -> t.compareTo(Duration.ofMinutes(5)) < 0
            ? MetricResult.value(99.9)
            : t.compareTo(Duration.ofMinutes(7)) < 0 ? MetricResult.failed("Prometheus at http://p:9090: HTTP 503")
            : t.compareTo(Duration.ofMinutes(9)) < 0 ? MetricResult.noData("no values found")
            : MetricResult.value(50))
        .newRevisionAt(Duration.ZERO)
        .run(Duration.ofMinutes(30));
    assertThat(run.outcome().phase()).isEqualTo(CanaryPhase.FAILED);
    Map<OutcomeClass, Integer> expected = run.outcomeCounts("request-success-rate");
    assertThat(expected).containsKeys(OutcomeClass.PASS, OutcomeClass.FAIL, OutcomeClass.NO_DATA,
        OutcomeClass.PROVIDER_ERROR);

    Exposition scrape = Exposition.parse(registry.scrape());
    assertThat(scrape.types()).containsEntry("canary_analysis_check_outcomes_total", "counter");
    for (OutcomeClass outcome : OutcomeClass.values()) {
      int count = expected.getOrDefault(outcome, 0);
      assertThat(scrape.value("canary_analysis_check_outcomes_total", labels(outcome.manifestValue())))
          .as(outcome.manifestValue()).isEqualTo(count == 0 ? java.util.Optional.empty()
              : java.util.Optional.of((double) count));
    }
    assertThat(scrape.labelNamesBySeries().get("canary_analysis_check_outcomes_total"))
        .containsExactly("metric", "name", "namespace", "outcome");

    meters.remove(canary());
    assertThat(registry.scrape()).doesNotContain("canary_analysis_check_outcomes_total{");
  }

  @Test
  void aStatusSeenAgainOrFirstSeenAfterARestartCountsNothingTwice() {
    Instant t0 = Instant.parse("2026-12-01T10:00:00Z");
    Measurement pass = new Measurement(t0, OutcomeClass.PASS, 99.9, ">= 99");
    Measurement error = new Measurement(t0.plusSeconds(60), OutcomeClass.PROVIDER_ERROR, null, null);
    CanaryStatus before = CanaryStatus.builder().phase(CanaryPhase.PROGRESSING)
        .checks(List.of(new CheckStatus("request-success-rate", 0, List.of(pass), null))).build();
    CanaryStatus after = before.toBuilder()
        .checks(List.of(new CheckStatus("request-success-rate", 1, List.of(pass, error), null))).build();

    meters.recordStatus(canary(), before);      // the first status this process sees: marks only
    meters.recordStatus(canary(), after);
    meters.recordStatus(canary(), after);       // a tick that changed nothing
    Exposition scrape = Exposition.parse(registry.scrape());
    assertThat(scrape.value("canary_analysis_check_outcomes_total", labels("providerError"))).contains(1.0);
    assertThat(scrape.value("canary_analysis_check_outcomes_total", labels("pass"))).isEmpty();
  }
}
