package io.canaryanalysis.simulation;

import static io.canaryanalysis.simulation.Podinfo.minutes;
import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.MetricKind;
import io.canaryanalysis.api.spec.NoDataPolicy;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CheckKind;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Threshold ranges, no-data policies, query errors and alert-kind metrics. */
class MetricPolicySimulationTest {

  private static Analysis analysis(MetricCheck check) {
    return Podinfo.analysis().threshold(2).metrics(List.of(check)).build();
  }

  /** The events of the first analysed tick after the pre-rollout tick (minute 3). */
  private static List<String> minute3(SimulationResult r) {
    return r.timeline().get(3).eventMessages();
  }

  @Test
  void customMetricMaxBound() {
    MetricCheck check = MetricCheck.builder("404s percentage").templateRef("not-found-percentage")
        .thresholdRange(null, 5.0).build();
    SimulationResult r = Simulation.of(Podinfo.canary(analysis(check)))
        .metric("404s percentage", (t, w) -> 6.2)
        .newRevisionAt(Duration.ZERO).run(minutes(30));
    assertThat(minute3(r)).containsExactly("Halt podinfo.test advancement 404s percentage 6.20 > 5");
    assertThat(r.outcome().lastFailure().bound()).isEqualTo("> 5");
    assertThat(r.outcome().phase()).isEqualTo(CanaryPhase.FAILED);
  }

  @Test
  void customMetricMinBound() {
    MetricCheck check = MetricCheck.builder("throughput").query("sum(rate(http_requests_total[1m]))")
        .thresholdRange(100.0, null).build();
    SimulationResult r = Simulation.of(Podinfo.canary(analysis(check)))
        .metric("throughput", (t, w) -> 42.5)
        .newRevisionAt(Duration.ZERO).run(minutes(30));
    assertThat(minute3(r)).containsExactly("Halt podinfo.test advancement throughput 42.50 < 100");
  }

  @Test
  void requestDurationUsesGoDurations() {
    SimulationResult r = Simulation.of(Podinfo.canary(analysis(Podinfo.duration())))
        .metric("request-duration", (t, w) -> 1515.7)
        .newRevisionAt(Duration.ZERO).run(minutes(30));
    assertThat(minute3(r)).containsExactly("Halt podinfo.test advancement request duration 1.515s > 500ms");
    assertThat(r.outcome().lastFailure().value()).isEqualTo(1515.7);
    assertThat(r.outcome().lastFailure().bound()).isEqualTo("> 500ms");
  }

  @Test
  void valuesOnTheBoundsPass() {
    MetricCheck check = MetricCheck.builder("latency").query("q").thresholdRange(10.0, 20.0).build();
    SimulationResult r = Simulation.of(Podinfo.canary(analysis(check)))
        .metric("latency", (t, w) -> w % 10 == 0 ? 10.0 : 20.0)
        .newRevisionAt(Duration.ZERO).run(minutes(30));
    assertThat(r.outcome().phase()).isEqualTo(CanaryPhase.SUCCEEDED);
  }

  @Test
  void noDataFailsByDefault() {
    SimulationResult r = Simulation.of(Podinfo.canary(analysis(Podinfo.successRate())))
        .metricResult("request-success-rate", (t, w) -> MetricResult.noData("empty result"))
        .newRevisionAt(Duration.ZERO).run(minutes(30));
    assertThat(minute3(r)).containsExactly("Halt advancement no values found for istio metric "
        + "request-success-rate probably podinfo.test is not receiving traffic: empty result");
    assertThat(r.outcome().lastFailure().kind()).isEqualTo(CheckKind.METRIC_NO_DATA);
    assertThat(r.outcome().timeToRollback()).contains(minutes(4));
  }

  @Test
  void noDataPassPolicyPasses() {
    MetricCheck check = Podinfo.successRate().toBuilder().onNoData(NoDataPolicy.PASS).build();
    SimulationResult r = Simulation.of(Podinfo.canary(analysis(check)))
        .metricResult("request-success-rate", (t, w) -> MetricResult.noData("empty result"))
        .newRevisionAt(Duration.ZERO).run(minutes(30));
    assertThat(r.outcome().phase()).isEqualTo(CanaryPhase.SUCCEEDED);
    assertThat(r.outcome().failedChecks()).isZero();
  }

  @Test
  void noDataHoldPolicyHaltsWithoutCounting() {
    MetricCheck check = MetricCheck.builder("errors").templateRef("errors").thresholdRange(null, 1.0)
        .onNoData(NoDataPolicy.HOLD).build();
    SimulationResult r = Simulation.of(Podinfo.canary(analysis(check)))
        .metricResult("errors", (t, w) -> t.compareTo(minutes(6)) < 0
            ? MetricResult.noData("no series") : MetricResult.value(0))
        .newRevisionAt(Duration.ZERO).run(minutes(30));
    assertThat(minute3(r)).containsExactly("Halt advancement no values found for custom metric: errors: no series");
    assertThat(r.timeline().subList(2, 6)).extracting(TickRecord::canaryWeight).containsOnly(5);
    assertThat(r.timeline()).extracting(TickRecord::failedChecks).containsOnly(0);
    assertThat(r.timeline().get(6).eventMessages()).containsExactly("Advance podinfo.test canary weight 10");
    assertThat(r.outcome().phase()).isEqualTo(CanaryPhase.SUCCEEDED);
  }

  @Test
  void queryErrorsCountAsFailedChecks() {
    MetricCheck inline = MetricCheck.builder("errors").query("sum(errors)").thresholdRange(null, 1.0).build();
    SimulationResult r = Simulation.of(Podinfo.canary(analysis(inline)))
        .metricResult("errors", (t, w) -> MetricResult.failed("connection refused"))
        .newRevisionAt(Duration.ZERO).run(minutes(30));
    assertThat(minute3(r)).containsExactly("Prometheus query failed for errors: connection refused");
    assertThat(r.outcome().lastFailure().kind()).isEqualTo(CheckKind.METRIC_ERROR);
    assertThat(r.outcome().phase()).isEqualTo(CanaryPhase.FAILED);

    SimulationResult builtin = Simulation.of(Podinfo.canary(analysis(Podinfo.successRate())))
        .metricResult("request-success-rate", (t, w) -> MetricResult.failed("HTTP 503"))
        .newRevisionAt(Duration.ZERO).run(minutes(30));
    assertThat(minute3(builtin)).containsExactly("Prometheus query failed: HTTP 503");
  }

  @Test
  void alertKindMetricPassesWithNoSeriesAndFailsWithAny() {
    MetricCheck alert = MetricCheck.builder("error-alerts").templateRef("error-alerts")
        .kind(MetricKind.ALERT).build();
    SimulationResult r = Simulation.of(Podinfo.canary(analysis(alert)))
        .metric("error-alerts", (t, w) -> t.compareTo(minutes(4)) < 0 ? 0 : 2)
        .newRevisionAt(Duration.ZERO).run(minutes(30));
    assertThat(minute3(r)).containsExactly("Advance podinfo.test canary weight 10");
    assertThat(r.timeline().get(4).eventMessages())
        .containsExactly("Halt podinfo.test advancement error-alerts alert firing: 2 series matched");
    assertThat(r.outcome().lastFailure().value()).isEqualTo(2.0);
    assertThat(r.outcome().phase()).isEqualTo(CanaryPhase.FAILED);
  }

  @Test
  void theFirstFailingMetricStopsTheTick() {
    MetricCheck template = MetricCheck.builder("latency").templateRef("latency").thresholdRange(null, 1.0).build();
    Analysis analysis = Podinfo.analysis().metrics(List.of(template, Podinfo.successRate())).build();
    SimulationResult r = Simulation.of(Podinfo.canary(analysis))
        .metric("latency", (t, w) -> 5)
        .metric("request-success-rate", (t, w) -> 10)
        .newRevisionAt(Duration.ZERO).run(minutes(30));
    // Builtin metrics run before template metrics, whatever the spec order.
    assertThat(minute3(r)).containsExactly("Halt podinfo.test advancement success rate 10.00% < 99%");
  }
}
