package io.canaryanalysis.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Scrapes a real {@link PrometheusMeterRegistry} and compares the exposition with Flagger's
 * {@code pkg/metrics/recorder.go} (v1.44.0): series names, label names, types and values.
 */
class FlaggerMetersPrometheusTest {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final CanaryMeters meters = CanaryMeters.builder(registry).info("1.44.0", "istio").build();

  static Canary podinfo() {
    return canary("podinfo-canary", "test", "podinfo", Analysis.builder().stepWeight(10).build());
  }

  static Canary canary(String name, String namespace, String target, Analysis analysis) {
    return Canary.of(name, namespace, CanarySpec.builder().deployment(target)
        .service(CanaryService.ofPort(9898)).analysis(analysis).build());
  }

  static CanaryStatus status(CanaryPhase phase, int weight) {
    return CanaryStatus.builder().phase(phase).canaryWeight(weight).build();
  }

  private Exposition scrape() {
    return Exposition.parse(registry.scrape());
  }

  private void fullRollback(Canary canary) {
    meters.recordStatus(canary, status(CanaryPhase.INITIALIZED, 0));
    meters.recordStatus(canary, status(CanaryPhase.PROGRESSING, 10));
    meters.recordMetricAnalysis(canary, "request-success-rate", 53.42);
    meters.recordMetricAnalysis(canary, "request-duration", 0.120);
    meters.recordTick(canary, Duration.ofMillis(30));
    meters.recordStatus(canary, status(CanaryPhase.FAILED, 0));
  }

  @Test
  void exposesFlaggersSeriesAndLabelNamesExactly() {
    Canary canary = podinfo();
    fullRollback(canary);
    meters.recordStatus(canary, status(CanaryPhase.PROGRESSING, 10));
    meters.recordStatus(canary, status(CanaryPhase.SUCCEEDED, 0));

    Map<String, Set<String>> flagger = scrape().labelNamesBySeries().entrySet().stream()
        .filter(e -> e.getKey().startsWith("flagger_"))
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));

    assertThat(flagger).containsOnly(
        Map.entry("flagger_info", Set.of("version", "mesh_provider")),
        Map.entry("flagger_canary_total", Set.of("namespace")),
        Map.entry("flagger_canary_status", Set.of("name", "namespace")),
        Map.entry("flagger_canary_weight", Set.of("workload", "namespace")),
        Map.entry("flagger_canary_duration_seconds_bucket", Set.of("name", "namespace", "le")),
        Map.entry("flagger_canary_duration_seconds_count", Set.of("name", "namespace")),
        Map.entry("flagger_canary_duration_seconds_sum", Set.of("name", "namespace")),
        // Micrometer adds a max gauge to every timer; dashboards ignore the extra series.
        Map.entry("flagger_canary_duration_seconds_max", Set.of("name", "namespace")),
        Map.entry("flagger_canary_metric_analysis", Set.of("name", "namespace", "metric")),
        Map.entry("flagger_canary_successes_total",
            Set.of("name", "namespace", "deployment_strategy", "analysis_status")),
        Map.entry("flagger_canary_failures_total",
            Set.of("name", "namespace", "deployment_strategy", "analysis_status")));
  }

  @Test
  void metricTypesMatchFlagger() {
    fullRollback(podinfo());
    meters.recordStatus(podinfo(), status(CanaryPhase.PROGRESSING, 10));
    meters.recordStatus(podinfo(), status(CanaryPhase.SUCCEEDED, 0));
    Map<String, String> types = scrape().types();
    assertThat(types).containsEntry("flagger_info", "gauge")
        // a gauge in Flagger; the Prometheus Java client only allows "_total" on counters
        .containsEntry("flagger_canary_total", "counter")
        .containsEntry("flagger_canary_status", "gauge")
        .containsEntry("flagger_canary_weight", "gauge")
        .containsEntry("flagger_canary_duration_seconds", "histogram")
        .containsEntry("flagger_canary_metric_analysis", "gauge")
        .containsEntry("flagger_canary_successes_total", "counter")
        .containsEntry("flagger_canary_failures_total", "counter");
  }

  @Test
  void rollbackShowsStatusTwoAndOneFailure() {
    fullRollback(podinfo());
    Exposition e = scrape();
    assertThat(e.value("flagger_canary_status", Map.of("name", "podinfo", "namespace", "test")))
        .contains(2.0);
    assertThat(e.value("flagger_canary_failures_total", Map.of("name", "podinfo",
        "namespace", "test", "deployment_strategy", "canary", "analysis_status", "completed")))
        .contains(1.0);
    assertThat(e.value("flagger_canary_weight", Map.of("workload", "podinfo-primary",
        "namespace", "test"))).contains(100.0);
    assertThat(e.value("flagger_canary_weight", Map.of("workload", "podinfo", "namespace", "test")))
        .contains(0.0);
    assertThat(e.value("flagger_canary_metric_analysis", Map.of("name", "podinfo",
        "namespace", "test", "metric", "request-success-rate"))).contains(53.42);
    assertThat(e.value("flagger_info", Map.of("version", "1.44.0", "mesh_provider", "istio")))
        .contains(1.0);
    assertThat(e.value("flagger_canary_total", Map.of("namespace", "test"))).contains(1.0);
  }

  @Test
  void statusFollowsFlaggersMapping() {
    Canary canary = podinfo();
    Map<String, String> labels = Map.of("name", "podinfo", "namespace", "test");
    meters.recordStatus(canary, status(CanaryPhase.PROGRESSING, 20));
    assertThat(scrape().value("flagger_canary_status", labels)).contains(0.0);
    assertThat(scrape().value("flagger_canary_weight",
        Map.of("workload", "podinfo-primary", "namespace", "test"))).contains(80.0);
    for (CanaryPhase phase : new CanaryPhase[] {CanaryPhase.WAITING, CanaryPhase.PROMOTING,
        CanaryPhase.INITIALIZED, CanaryPhase.SUCCEEDED, CanaryPhase.WAITING_PROMOTION}) {
      meters.recordStatus(canary, status(phase, 0));
      assertThat(scrape().value("flagger_canary_status", labels)).as(phase.name()).contains(1.0);
    }
  }

  @Test
  void durationHistogramUsesPrometheusDefaultBuckets() {
    Canary canary = podinfo();
    meters.recordTick(canary, Duration.ofMillis(30));
    meters.recordTick(canary, Duration.ofSeconds(3));
    Exposition e = scrape();
    Set<String> bounds = e.samples().stream()
        .filter(s -> s.name().equals("flagger_canary_duration_seconds_bucket"))
        .map(s -> s.labels().get("le")).collect(Collectors.toSet());
    assertThat(bounds).containsExactlyInAnyOrder("0.005", "0.01", "0.025", "0.05", "0.1",
        "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "+Inf");
    assertThat(e.value("flagger_canary_duration_seconds_bucket",
        Map.of("name", "podinfo", "namespace", "test", "le", "0.05"))).contains(1.0);
    assertThat(e.value("flagger_canary_duration_seconds_bucket",
        Map.of("name", "podinfo", "namespace", "test", "le", "5.0"))).contains(2.0);
    assertThat(e.value("flagger_canary_duration_seconds_count",
        Map.of("name", "podinfo", "namespace", "test"))).contains(2.0);
    assertThat(e.value("flagger_canary_duration_seconds_sum",
        Map.of("name", "podinfo", "namespace", "test"))).contains(3.03);
  }

  @Test
  void ownMetersAreLowCardinality() {
    Canary canary = podinfo();
    meters.recordTick(canary, Duration.ofMillis(2));
    meters.recordProviderCall("prometheus", Duration.ofMillis(15), false);
    meters.recordProviderCall("prometheus", Duration.ofMillis(900), true);
    meters.recordProviderCall("webhook", Duration.ofMillis(5), false);
    meters.recordQueueLag(Duration.ofMillis(250));

    Exposition e = scrape();
    Map<String, Set<String>> own = e.labelNamesBySeries().entrySet().stream()
        .filter(en -> en.getKey().startsWith("canary_analysis_"))
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    assertThat(own).containsEntry("canary_analysis_tick_seconds_count", Set.of())
        .containsEntry("canary_analysis_queue_lag_seconds_count", Set.of())
        .containsEntry("canary_analysis_provider_call_seconds_count", Set.of("kind", "outcome"))
        .containsEntry("canary_analysis_provider_errors_total", Set.of("kind"));
    assertThat(e.value("canary_analysis_provider_errors_total", Map.of("kind", "prometheus")))
        .contains(1.0);
    assertThat(e.value("canary_analysis_provider_call_seconds_count",
        Map.of("kind", "prometheus", "outcome", "success"))).contains(1.0);
    assertThat(e.value("canary_analysis_queue_lag_seconds_sum", Map.of())).contains(0.25);
    assertThat(e.value("canary_analysis_tick_seconds_count", Map.of())).contains(1.0);
  }
}
