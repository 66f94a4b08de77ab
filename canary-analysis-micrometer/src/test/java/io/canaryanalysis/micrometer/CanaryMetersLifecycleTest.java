package io.canaryanalysis.micrometer;

import static io.canaryanalysis.micrometer.FlaggerMetersPrometheusTest.canary;
import static io.canaryanalysis.micrometer.FlaggerMetersPrometheusTest.podinfo;
import static io.canaryanalysis.micrometer.FlaggerMetersPrometheusTest.status;
import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.AlertSeverity;
import io.canaryanalysis.api.CanaryAlert;
import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.EventSink;
import io.canaryanalysis.api.EventType;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.spec.HttpMatch;
import io.canaryanalysis.api.spec.StringMatch;
import io.canaryanalysis.api.status.CanaryPhase;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Counting, removal and cardinality rules of {@link CanaryMeters} on real registries. */
class CanaryMetersLifecycleTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final CanaryMeters meters = CanaryMeters.builder(registry).build();

  private double counter(String name, String... tags) {
    var counter = registry.find(name).tags(tags).counter();
    return counter == null ? 0 : counter.count();
  }

  private double gauge(String name, String... tags) {
    var gauge = registry.find(name).tags(tags).gauge();
    return gauge == null ? Double.NaN : gauge.value();
  }

  @Test
  void countsEachOutcomeOnceOnTheTransition() {
    Canary canary = podinfo();
    meters.recordStatus(canary, status(CanaryPhase.PROGRESSING, 10));
    meters.recordStatus(canary, status(CanaryPhase.FAILED, 0));
    meters.recordStatus(canary, status(CanaryPhase.FAILED, 0));
    meters.recordStatus(canary, status(CanaryPhase.FAILED, 0));
    assertThat(counter("flagger.canary.failures", "name", "podinfo", "analysis_status", "completed",
        "deployment_strategy", "canary")).isEqualTo(1);
    meters.recordStatus(canary, status(CanaryPhase.PROGRESSING, 10));
    meters.recordStatus(canary, status(CanaryPhase.PROMOTING, 100));
    meters.recordStatus(canary, status(CanaryPhase.SUCCEEDED, 0));
    meters.recordStatus(canary, status(CanaryPhase.SUCCEEDED, 0));
    assertThat(counter("flagger.canary.successes", "name", "podinfo")).isEqualTo(1);
    assertThat(counter("flagger.canary.failures", "name", "podinfo")).isEqualTo(1);
  }

  @Test
  void theFirstStatusSeenCountsNothingSoARestartDoesNotRecountOldOutcomes() {
    meters.recordStatus(podinfo(), status(CanaryPhase.FAILED, 0));
    meters.recordStatus(podinfo(), status(CanaryPhase.FAILED, 0));
    assertThat(registry.find("flagger.canary.failures").counters()).isEmpty();
    assertThat(gauge("flagger.canary.status", "name", "podinfo")).isEqualTo(2);
  }

  @Test
  void labelsStrategyAndSkippedAnalysisAsFlagger() {
    Canary ab = canary("ab", "test", "ab-app", Analysis.builder().iterations(10)
        .match(List.of(HttpMatch.headers(Map.of("x-canary", StringMatch.exact("insider")))))
        .build());
    meters.recordStatus(ab, status(CanaryPhase.PROGRESSING, 0));
    meters.recordStatus(ab, status(CanaryPhase.FAILED, 0));
    assertThat(counter("flagger.canary.failures", "name", "ab-app",
        "deployment_strategy", "ab-testing")).isEqualTo(1);

    Canary bg = canary("bg", "test", "bg-app", Analysis.builder().iterations(5).build());
    Canary skipped = bg.withSpec(bg.spec().toBuilder().skipAnalysis(true).build());
    meters.recordStatus(skipped, status(CanaryPhase.PROGRESSING, 0));
    meters.recordStatus(skipped, status(CanaryPhase.SUCCEEDED, 0));
    assertThat(counter("flagger.canary.successes", "name", "bg-app",
        "deployment_strategy", "blue-green", "analysis_status", "skipped")).isEqualTo(1);
  }

  @Test
  void removeDropsEverySeriesOfTheCanaryAndKeepsOthers() {
    Canary podinfo = podinfo();
    Canary other = canary("backend", "test", "backend", Analysis.builder().stepWeight(5).build());
    for (Canary c : List.of(podinfo, other)) {
      meters.recordStatus(c, status(CanaryPhase.PROGRESSING, 5));
      meters.recordMetricAnalysis(c, "request-success-rate", 99);
      meters.recordTick(c, Duration.ofMillis(3));
      meters.recordStatus(c, status(CanaryPhase.FAILED, 0));
    }
    assertThat(registry.get("flagger.canary").functionCounter().count()).isEqualTo(2);

    meters.remove(podinfo);

    List<String> remaining = new ArrayList<>();
    for (Meter meter : registry.getMeters()) {
      String name = meter.getId().getTag("name");
      String workload = meter.getId().getTag("workload");
      remaining.add(name != null ? name : workload != null ? workload : "-");
    }
    assertThat(remaining).doesNotContain("podinfo", "podinfo-primary")
        .contains("backend", "backend-primary");
    assertThat(registry.get("flagger.canary").tag("namespace", "test").functionCounter().count())
        .isEqualTo(1);

    meters.recordStatus(podinfo, status(CanaryPhase.PROGRESSING, 10));
    assertThat(gauge("flagger.canary.status", "name", "podinfo")).isZero();
  }

  @Test
  void removalShowsInThePrometheusScrape() {
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    CanaryMeters promMeters = CanaryMeters.builder(prometheus).build();
    promMeters.recordStatus(podinfo(), status(CanaryPhase.PROGRESSING, 10));
    promMeters.recordMetricAnalysis(podinfo(), "request-duration", 0.2);
    assertThat(Exposition.parse(prometheus.scrape()).hasSeriesWith("name", "podinfo")).isTrue();
    promMeters.remove(podinfo());
    Exposition after = Exposition.parse(prometheus.scrape());
    assertThat(after.hasSeriesWith("name", "podinfo")).isFalse();
    assertThat(after.hasSeriesWith("workload", "podinfo-primary")).isFalse();
    assertThat(after.value("flagger_canary_total", Map.of("namespace", "test"))).contains(0.0);
  }

  @Test
  void aChangedTargetDropsTheOldTargetsSeries() {
    Canary canary = podinfo();
    meters.recordStatus(canary, status(CanaryPhase.PROGRESSING, 10));
    Canary retargeted = canary.withSpec(canary.spec().toBuilder().deployment("podinfo-v2").build());
    meters.recordStatus(retargeted, status(CanaryPhase.PROGRESSING, 20));
    assertThat(registry.find("flagger.canary.status").tag("name", "podinfo").gauges()).isEmpty();
    assertThat(gauge("flagger.canary.status", "name", "podinfo-v2")).isZero();
    assertThat(gauge("flagger.canary.weight", "workload", "podinfo-v2")).isEqualTo(20);
    assertThat(registry.get("flagger.canary").functionCounter().count()).isEqualTo(1);
  }

  @Test
  void routerWeightsOverrideTheStatusWeights() {
    Canary canary = podinfo();
    meters.recordStatus(canary, status(CanaryPhase.PROGRESSING, 10));
    meters.recordWeights(canary, 70, 30);
    assertThat(gauge("flagger.canary.weight", "workload", "podinfo-primary")).isEqualTo(70);
    assertThat(gauge("flagger.canary.weight", "workload", "podinfo")).isEqualTo(30);
  }

  @Test
  void providerKindsAreBounded() {
    for (int i = 0; i < 100; i++) {
      meters.recordProviderCall("kind-" + i, Duration.ofMillis(1), i % 2 == 0);
    }
    assertThat(registry.find("canary.analysis.provider.call").timers().stream()
        .map(t -> t.getId().getTag("kind")).distinct())
        .hasSize(MicrometerCanaryMeters.MAX_PROVIDER_KINDS + 1)
        .contains("other");
    assertThat(counter("canary.analysis.provider.errors", "kind", "other")).isEqualTo(34);
  }

  @Test
  void negativeQueueLagCountsAsZero() {
    meters.recordQueueLag(Duration.ofSeconds(-3));
    assertThat(registry.get("canary.analysis.queue.lag").timer().totalTime(
        java.util.concurrent.TimeUnit.NANOSECONDS)).isZero();
    assertThat(registry.get("canary.analysis.queue.lag").timer().count()).isEqualTo(1);
  }

  @Test
  void eventSinkCountsAndForwards() {
    List<Object> received = new ArrayList<>();
    EventSink sink = meters.eventSink(new EventSink() {
      @Override
      public void event(CanaryEvent event) {
        received.add(event);
      }

      @Override
      public void alert(CanaryAlert alert) {
        received.add(alert);
      }
    });
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    sink.event(new CanaryEvent("podinfo", "test", EventType.WARNING, null,
        "Rolling back podinfo.test failed checks threshold reached 3", now));
    sink.event(new CanaryEvent("podinfo", "test", EventType.NORMAL, null, "Advance", now));
    sink.alert(new CanaryAlert("podinfo", "test", AlertSeverity.ERROR,
        "Failed checks threshold reached 3", Map.of(), List.of(), now));
    assertThat(received).hasSize(3);
    assertThat(counter("canary.analysis.events", "type", "Warning")).isEqualTo(1);
    assertThat(counter("canary.analysis.events", "type", "Normal")).isEqualTo(1);
    assertThat(counter("canary.analysis.alerts", "severity", "error")).isEqualTo(1);
  }

  @Test
  void infoIsOnlyPublishedWhenConfigured() {
    MeterRegistry other = new SimpleMeterRegistry();
    CanaryMeters.builder(other).build();
    assertThat(other.find("flagger.info").gauges()).isEmpty();
    CanaryMeters.builder(other).info("0.1.0", "kubernetes").build();
    assertThat(other.get("flagger.info").tags("version", "0.1.0", "mesh_provider", "kubernetes")
        .gauge().value()).isEqualTo(1);
  }

  @Test
  void skipAnalysisWithoutAnalysisBlockIsTheCanaryStrategy() {
    Canary bare = Canary.of("bare", "test", CanarySpec.builder().deployment("bare")
        .service(io.canaryanalysis.api.spec.CanaryService.ofPort(80)).skipAnalysis(true).build());
    meters.recordStatus(bare, status(CanaryPhase.INITIALIZED, 0));
    meters.recordStatus(bare, status(CanaryPhase.SUCCEEDED, 0));
    assertThat(counter("flagger.canary.successes", "name", "bare", "deployment_strategy", "canary",
        "analysis_status", "skipped")).isEqualTo(1);
  }
}
