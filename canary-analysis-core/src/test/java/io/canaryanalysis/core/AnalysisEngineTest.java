package io.canaryanalysis.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.canaryanalysis.api.AlertSeverity;
import io.canaryanalysis.api.CanaryAlert;
import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.EventSink;
import io.canaryanalysis.api.EventType;
import io.canaryanalysis.api.MetricBackend;
import io.canaryanalysis.api.MetricProvider;
import io.canaryanalysis.api.MetricQuery;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.Readiness;
import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.WebhookResult;
import io.canaryanalysis.api.Workload;
import io.canaryanalysis.api.WorkloadSnapshot;
import io.canaryanalysis.api.spec.AlertRef;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.MetricTemplate;
import io.canaryanalysis.api.spec.MetricTemplateProvider;
import io.canaryanalysis.api.spec.ProviderRef;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.api.status.CheckKind;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AnalysisEngineTest {
  private static final Instant NOW = Instant.parse("2024-05-01T10:00:00Z");

  /** A router whose calls can be made to fail. */
  private static final class TestRouter implements TrafficRouter {
    volatile TrafficSplit split = TrafficSplit.ALL_PRIMARY;
    RuntimeException setRoutesFailure;
    RuntimeException getRoutesFailure;
    final List<TrafficSplit> writes = java.util.Collections.synchronizedList(new ArrayList<>());

    @Override
    public String kind() {
      return "traefik";
    }

    @Override
    public RouterCapabilities capabilities() {
      return RouterCapabilities.WEIGHTS_ONLY;
    }

    @Override
    public void reconcile(Canary canary) {}

    @Override
    public void setRoutes(Canary canary, TrafficSplit next) {
      if (next.equals(split)) {
        return;
      }
      if (setRoutesFailure != null) {
        throw setRoutesFailure;
      }
      writes.add(next);
      split = next;
    }

    @Override
    public TrafficSplit getRoutes(Canary canary) {
      if (getRoutesFailure != null) {
        throw getRoutesFailure;
      }
      return split;
    }

    @Override
    public void finalizeRoutes(Canary canary) {}
  }

  private static final class TestWorkload implements Workload {
    String revision = "rev-2";
    final List<String> calls = new ArrayList<>();

    @Override
    public void initialize(Canary canary) {
      calls.add("initialize");
    }

    @Override
    public WorkloadSnapshot observe(Canary canary) {
      return new WorkloadSnapshot(revision, Map.of(), Readiness.READY, Readiness.READY);
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
  }

  private static final class RecordingSink implements EventSink {
    final List<CanaryEvent> events = new ArrayList<>();
    final List<CanaryAlert> alerts = new ArrayList<>();

    @Override
    public void event(CanaryEvent event) {
      events.add(event);
    }

    @Override
    public void alert(CanaryAlert alert) {
      alerts.add(alert);
    }
  }

  private final TestRouter router = new TestRouter();
  private final TestWorkload workload = new TestWorkload();
  private final RecordingSink sink = new RecordingSink();
  private final InMemoryStatusStore store = new InMemoryStatusStore();
  private final List<MetricQuery> queries = new ArrayList<>();
  private double metricValue = 100;

  private final MetricProvider provider = new MetricProvider() {
    @Override
    public MetricResult query(MetricQuery query) {
      queries.add(query);
      return MetricResult.value(metricValue);
    }

    @Override
    public boolean isOnline() {
      return true;
    }
  };

  private AnalysisEngine.Builder engine() {
    return AnalysisEngine.builder()
        .router(router)
        .workload(workload)
        .statusStore(store)
        .eventSink(sink)
        .webhookCaller((hook, payload) -> WebhookResult.status(200))
        .metrics(new MetricBackend(provider,
            (name, kind) -> Optional.of(kind + ":" + name + "[{{ interval }}]"), (p, ns) -> provider))
        .metricTemplateSource((ns, name) -> name.equals("errors")
            ? Optional.of(new MetricTemplate("errors", ns, MetricTemplateProvider.prometheus("http://prom:9090"),
                "sum(rate(errors{namespace=\"{{ namespace }}\",app=\"{{ target }}\"}[{{ interval }}]))"))
            : Optional.empty())
        .clock(InstantSource.fixed(NOW));
  }

  private static Canary canary(Analysis analysis) {
    return Canary.of("podinfo", "test", CanarySpec.builder().deployment("podinfo")
        .service(CanaryService.ofPort(9898)).analysis(analysis).build());
  }

  private static Analysis.Builder analysis(MetricCheck... metrics) {
    return Analysis.builder().interval(Duration.ofMinutes(1)).threshold(1).stepWeight(5)
        .maxWeight(50).metrics(List.of(metrics));
  }

  private static CanaryStatus progressing(boolean preRolloutPassed) {
    return CanaryStatus.builder().phase(CanaryPhase.PROGRESSING).lastAppliedSpec("rev-2")
        .lastPromotedSpec("rev-1").preRolloutPassed(preRolloutPassed).build();
  }

  @Test
  void aFailingRouterKeepsTheDecisionAndTheNextTickRepairsTheRoutes() {
    router.setRoutesFailure = new ProviderException("TraefikService test/podinfo: 409 conflict", true);
    CanaryStatus status = progressing(false);
    TickReport report = engine().build().reconcile(canary(analysis().build()), status);

    assertThat(report.outcome()).isEqualTo(TickReport.Outcome.PERSISTED);
    assertThat(report.status().canaryWeight()).isEqualTo(5);
    // The decision, then the router incident it ran into (not alerted yet: alerted once it lasts 1m).
    assertThat(store.writes).hasSize(2).last().isEqualTo(report.status());
    assertThat(store.writes.get(0).incidents()).isEmpty();
    assertThat(report.status().incidents()).singleElement().satisfies(incident -> {
      assertThat(incident.kind()).isEqualTo(io.canaryanalysis.api.status.IncidentKind.ROUTER);
      assertThat(incident.since()).isEqualTo(NOW);
      assertThat(incident.alertedAt()).isNull();
    });
    assertThat(report.alerts()).isEmpty();
    assertThat(report.events()).extracting(CanaryEvent::type, CanaryEvent::message).containsExactly(
        org.assertj.core.groups.Tuple.tuple(EventType.WARNING, "Error setting routes primary=95 canary=5 "
            + "for podinfo.test: TraefikService test/podinfo: 409 conflict"),
        org.assertj.core.groups.Tuple.tuple(EventType.NORMAL, "Starting canary analysis for podinfo.test"),
        org.assertj.core.groups.Tuple.tuple(EventType.NORMAL, "Advance podinfo.test canary weight 5"));
    assertThat(sink.events).isEqualTo(report.events());
    assertThat(router.writes).isEmpty();

    router.setRoutesFailure = null;
    TickReport repair = engine().clock(InstantSource.fixed(NOW.plusSeconds(60))).build()
        .reconcile(canary(analysis().build()).withResourceVersion("3"), report.status());
    assertThat(router.writes).containsExactly(TrafficSplit.canary(5));
    assertThat(repair.status().canaryWeight()).isEqualTo(5);
    assertThat(repair.outcome()).isEqualTo(TickReport.Outcome.UNCHANGED);
    assertThat(repair.events()).extracting(CanaryEvent::message).containsExactly(
        "Restored podinfo.test to its stored status: setting routes primary=95 canary=5");
    assertThat(repair.status().incidents()).as("a failure that cleared before it was alerted goes silently").isEmpty();
    assertThat(repair.alerts()).isEmpty();

    TickReport next = engine().clock(InstantSource.fixed(NOW.plusSeconds(120))).build()
        .reconcile(canary(analysis().build()).withResourceVersion("5"), repair.status());
    assertThat(next.status().canaryWeight()).isEqualTo(10);
    assertThat(router.writes).containsExactly(TrafficSplit.canary(5), TrafficSplit.canary(10));
  }

  @Test
  void aFailedStatusWritePerformsNothing() {
    store.failure = new ProviderException("etcd timeout", true);
    CanaryStatus status = progressing(true);
    TickReport report = engine().build().reconcile(canary(analysis().build()), status);
    assertThat(report.status()).isEqualTo(status);
    assertThat(report.outcome()).isEqualTo(TickReport.Outcome.FAILED);
    assertThat(report.events()).extracting(CanaryEvent::message)
        .containsExactly("Error writing the status for podinfo.test: etcd timeout");
    assertThat(router.writes).isEmpty();
  }

  @Test
  void aConflictingWriteEndsTheTickWithNoSideEffect() {
    CanaryStatus status = progressing(true);
    TickReport report = engine().build().reconcile(canary(analysis().build()).withResourceVersion("7"), status);
    assertThat(report.outcome()).isEqualTo(TickReport.Outcome.CONFLICT);
    assertThat(report.status()).isEqualTo(status);
    assertThat(report.events()).isEmpty();
    assertThat(router.writes).isEmpty();
    assertThat(store.writes).isEmpty();
  }

  @Test
  void twoEnginesDecidingFromTheSameStoredStatusCannotBothWin() throws Exception {
    CanaryStatus status = progressing(true);
    Canary stored = canary(analysis().build()).withResourceVersion("1");
    TickReport first = engine().build().reconcile(stored, status);
    TickReport second = engine().build().reconcile(stored, status);
    assertThat(List.of(first.outcome(), second.outcome()))
        .containsExactly(TickReport.Outcome.PERSISTED, TickReport.Outcome.CONFLICT);
    assertThat(store.writes).hasSize(1);
    assertThat(router.writes).containsExactly(TrafficSplit.canary(5));

    // The same race on two threads, many times: exactly one of each pair persists.
    for (int round = 0; round < 200; round++) {
      router.split = TrafficSplit.ALL_PRIMARY;
      InMemoryStatusStore shared = new InMemoryStatusStore();
      AnalysisEngine a = engine().statusStore(shared).build();
      AnalysisEngine b = engine().statusStore(shared).build();
      java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
      try {
        var fa = pool.submit(() -> {
          start.await();
          return a.reconcile(stored, status).outcome();
        });
        var fb = pool.submit(() -> {
          start.await();
          return b.reconcile(stored, status).outcome();
        });
        start.countDown();
        assertThat(List.of(fa.get(), fb.get())).containsExactlyInAnyOrder(
            TickReport.Outcome.PERSISTED, TickReport.Outcome.CONFLICT);
        assertThat(shared.writes).hasSize(1);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void webhookPayloadsCarryTheRevisionAndTheDecisionNumber() {
    List<io.canaryanalysis.api.WebhookPayload> payloads = new ArrayList<>();
    Analysis hooked = analysis().webhooks(List.of(io.canaryanalysis.api.spec.Webhook.of("load",
        io.canaryanalysis.api.spec.WebhookType.PRE_ROLLOUT, "http://loadtester/")))
        .build();
    AnalysisEngine engine = engine().webhookCaller((hook, payload) -> {
      payloads.add(payload);
      return WebhookResult.status(200);
    }).build();
    CanaryStatus status = progressing(false).toBuilder().decision(6).build();
    engine.reconcile(canary(hooked), status);
    store.failure = null;
    assertThat(payloads).singleElement().satisfies(p -> assertThat(p.metadata())
        .containsEntry(AnalysisEngine.REVISION_KEY, "rev-2").containsEntry(AnalysisEngine.DECISION_KEY, "7"));
    assertThat(store.writes).singleElement().satisfies(s -> assertThat(s.decision()).isEqualTo(7));
  }

  @Test
  void theFinalisingTickIsOneStatusWriteWhenNoPostRolloutHookIsOwed() {
    CanaryStatus finalising = CanaryStatus.builder().phase(CanaryPhase.FINALISING)
        .lastAppliedSpec("rev-2").lastPromotedSpec("rev-1").build();
    TickReport report = engine().build().reconcile(canary(analysis().build()), finalising);

    assertThat(report.outcome()).isEqualTo(TickReport.Outcome.PERSISTED);
    assertThat(report.status().phase()).isEqualTo(CanaryPhase.SUCCEEDED);
    assertThat(store.writes).singleElement().satisfies(s -> {
      assertThat(s.phase()).isEqualTo(CanaryPhase.SUCCEEDED);
      assertThat(s.pendingPostRollout()).isNull();
    });
    assertThat(workload.calls).contains("scaleToZero");
    assertThat(report.events()).extracting(CanaryEvent::message)
        .contains("Promotion completed! Scaling down podinfo.test");
  }

  @Test
  void aPostRolloutHookIsOwedInTheStatusBeforeItIsCalledAndClearedAfter() {
    List<Integer> writesBeforeCall = new ArrayList<>();
    Analysis hooked = analysis().webhooks(List.of(io.canaryanalysis.api.spec.Webhook.of("notify",
        io.canaryanalysis.api.spec.WebhookType.POST_ROLLOUT, "http://notifier/"))).build();
    AnalysisEngine engine = engine().webhookCaller((hook, payload) -> {
      writesBeforeCall.add(store.writes.size());
      return WebhookResult.status(200);
    }).build();
    CanaryStatus finalising = CanaryStatus.builder().phase(CanaryPhase.FINALISING)
        .lastAppliedSpec("rev-2").lastPromotedSpec("rev-1").build();
    TickReport report = engine.reconcile(canary(hooked), finalising);

    assertThat(report.status().phase()).isEqualTo(CanaryPhase.SUCCEEDED);
    assertThat(writesBeforeCall).containsExactly(1);
    assertThat(store.writes).extracting(CanaryStatus::pendingPostRollout)
        .containsExactly(CanaryPhase.SUCCEEDED, null);
  }

  @Test
  void aCanaryForAnUnregisteredRouterIsReportedNotGuessed() {
    Canary canary = Canary.of("podinfo", "test", CanarySpec.builder().deployment("podinfo")
        .service(CanaryService.ofPort(9898)).provider("istio").analysis(analysis().build()).build());
    TickReport report = engine().build().reconcile(canary, progressing(true));
    assertThat(report.events()).extracting(CanaryEvent::message)
        .containsExactly("No traffic router registered for provider istio (registered: [traefik])");
    assertThat(workload.calls).isEmpty();
  }

  @Test
  void templateMetricsAreRenderedWithTheDefaultIntervalAndTheEngineClock() {
    MetricCheck errors = MetricCheck.builder("errors").templateRef("errors").thresholdRange(null, 100.0).build();
    MetricCheck rate = MetricCheck.builder("request-success-rate").thresholdRange(99.0, null).build();
    TickReport report = engine().build().reconcile(canary(analysis(errors, rate).build()), progressing(true));
    assertThat(report.status().canaryWeight()).isEqualTo(5);

    assertThat(queries).extracting(MetricQuery::query).containsExactly(
        "traefik:request-success-rate[1m]",
        "sum(rate(errors{namespace=\"test\",app=\"podinfo\"}[1m]))");
    assertThat(queries.get(1).evaluationTime()).isEqualTo(NOW);
  }

  @Test
  void anInvalidSpecTouchesNothingAndSaysWhyWithThePaths() {
    Canary invalid = canary(analysis().stepWeight(0).maxWeight(null).stepWeights(List.of(5, 2)).threshold(0).build());
    CanaryStatus status = progressing(true);

    TickReport report = engine().build().reconcile(invalid, status);

    // Nothing is touched but the spec incident in the status.
    assertThat(report.status()).isEqualTo(status.toBuilder().incidents(List.of(new io.canaryanalysis.api.status.Incident(
        io.canaryanalysis.api.status.IncidentKind.SPEC, report.status().incidents().get(0).message(), NOW, null))).build());
    assertThat(report.status().incidents().get(0).message()).startsWith("Canary spec is invalid: spec.analysis.");
    assertThat(report.analysed()).isFalse();
    assertThat(store.writes).containsExactly(report.status());
    assertThat(workload.calls).isEmpty();
    assertThat(report.events()).singleElement().satisfies(event -> {
      assertThat(event.type()).isEqualTo(EventType.WARNING);
      assertThat(event.message()).startsWith("Invalid canary podinfo.test spec: ")
          .contains("spec.analysis.stepWeights[1]: ")
          .contains("spec.analysis.threshold: ");
    });
  }

  @Test
  void initializingProbesEveryMetricProviderOnceAndSaysWhichIsMissing() {
    Canary canary = canary(analysis(
        MetricCheck.builder("request-success-rate").thresholdRange(99.0, null).build(),
        MetricCheck.builder("errors").templateRef("errors").thresholdRange(null, 1.0).build(),
        MetricCheck.builder("latency").templateRef("latency").thresholdRange(null, 1.0).build()).build());

    TickReport report = engine().build().reconcile(canary, CanaryStatus.initial());

    assertThat(report.events()).extracting(CanaryEvent::type, CanaryEvent::message).startsWith(
        org.assertj.core.groups.Tuple.tuple(EventType.WARNING,
            "Error checking metric providers: metric template latency.test not found"));
    assertThat(report.status().phase()).isEqualTo(CanaryPhase.INITIALIZED);
  }

  @Test
  void aChangedSpecRendersItsQueryAgain() {
    AnalysisEngine engine = engine().build();
    MetricCheck oneMinute = MetricCheck.builder("request-success-rate").thresholdRange(99.0, null)
        .interval(Duration.ofMinutes(1)).build();
    MetricCheck fiveMinutes = oneMinute.toBuilder().interval(Duration.ofMinutes(5)).build();

    TickReport first = engine.reconcile(canary(analysis(oneMinute).build()), progressing(true));
    engine().clock(InstantSource.fixed(NOW.plusSeconds(60))).build()
        .reconcile(canary(analysis(fiveMinutes).build()), first.status());

    assertThat(queries).extracting(MetricQuery::query)
        .containsExactly("traefik:request-success-rate[1m]", "traefik:request-success-rate[5m]");
  }

  @Test
  void anUnchangedCanaryParsedAfreshIsValidatedAndRenderedOnceAndAChangedOneAgain() {
    java.util.concurrent.atomic.AtomicReference<Instant> now = new java.util.concurrent.atomic.AtomicReference<>(NOW);
    AnalysisEngine engine = engine().clock(now::get).build();
    MetricCheck oneMinute = MetricCheck.builder("request-success-rate").thresholdRange(99.0, null)
        .interval(Duration.ofMinutes(1)).build();
    MetricCheck fiveMinutes = oneMinute.toBuilder().interval(Duration.ofMinutes(5)).build();

    TickReport first = engine.reconcile(canary(analysis(oneMinute).build()), progressing(true));
    now.set(NOW.plusSeconds(60));
    // An equal canary built anew, as a controller parses it from the cache on every tick.
    TickReport second = engine.reconcile(canary(analysis(oneMinute).build()), first.status());
    assertThat(second.analysed()).isTrue();
    assertThat(second.status().canaryWeight()).isEqualTo(10);
    assertThat(engine.specProblems.misses()).isEqualTo(1);
    assertThat(engine.specProblems.hits()).isEqualTo(1);
    assertThat(engine.renderedQueries.misses()).isEqualTo(1);
    assertThat(engine.renderedQueries.hits()).isEqualTo(1);

    now.set(NOW.plusSeconds(120));
    TickReport third = engine.reconcile(canary(analysis(fiveMinutes).build()), second.status());
    assertThat(queries).extracting(MetricQuery::query).containsExactly("traefik:request-success-rate[1m]",
        "traefik:request-success-rate[1m]", "traefik:request-success-rate[5m]");
    assertThat(engine.specProblems.misses()).isEqualTo(2);

    now.set(NOW.plusSeconds(180));
    TickReport invalid = engine.reconcile(canary(analysis(fiveMinutes).threshold(0).build()), third.status());
    assertThat(invalid.analysed()).isFalse();
    assertThat(invalid.events()).singleElement().satisfies(e -> assertThat(e.message())
        .startsWith("Invalid canary podinfo.test spec: ").contains("spec.analysis.threshold: "));
  }

  @Test
  void aMissingTemplateIsAFailedCheckNamingTheTemplate() {
    MetricCheck missing = MetricCheck.builder("latency").templateRef("latency").thresholdRange(null, 1.0).build();
    TickReport report = engine().build().reconcile(canary(analysis(missing).build()), progressing(true));
    assertThat(report.status().phase()).isEqualTo(CanaryPhase.FAILED);
    assertThat(report.status().lastFailure().kind()).isEqualTo(CheckKind.METRIC_ERROR);
    assertThat(report.status().lastFailure().message())
        .isEqualTo("Metric template latency.test error: metric template not found");
    assertThat(workload.calls).containsExactly("initialize", "scaleUp", "scaleToZero");
  }

  @Test
  void aTemplateThatCannotBeRenderedIsAFailedCheckNamingThePlaceholder() {
    MetricCheck check = MetricCheck.builder("errors").templateRef("errors").thresholdRange(null, 0.0).build();
    AnalysisEngine engine = engine().metricTemplateSource((ns, name) -> Optional.of(new MetricTemplate(
        name, ns, MetricTemplateProvider.prometheus("http://prom"), "errors{path=\"{{ variables.path }}\"}")))
        .build();
    TickReport report = engine.reconcile(canary(analysis(check).build()), progressing(true));
    assertThat(report.status().lastFailure().message()).isEqualTo("Metric template errors.test query render "
        + "error: template variable 'path' is not set in templateVariables");
  }

  @Test
  void alertsGoToTheSubscriptionsThatAcceptTheirSeverity() {
    ProviderRef slack = new ProviderRef("slack", null);
    ProviderRef pager = new ProviderRef("pager", "ops");
    Analysis analysis = analysis(MetricCheck.builder("request-success-rate").thresholdRange(99.0, null).build())
        .alerts(List.of(new AlertRef("all", AlertSeverity.INFO, slack),
            new AlertRef("oncall", AlertSeverity.ERROR, pager)))
        .build();
    metricValue = 10;
    engine().build().reconcile(canary(analysis), progressing(true));

    assertThat(sink.alerts).extracting(CanaryAlert::message, CanaryAlert::severity, CanaryAlert::providers)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("Failed checks threshold reached 1",
            AlertSeverity.ERROR, List.of(slack, pager)));
    assertThat(sink.alerts.get(0).fields()).containsEntry("Target", "Deployment/podinfo.test")
        .containsEntry("Traffic routing", "Weight step: 5 max: 50")
        .containsEntry("Failed checks threshold", "1");

    sink.alerts.clear();
    Analysis errorsOnly = analysis.toBuilder()
        .alerts(List.of(new AlertRef("oncall", AlertSeverity.ERROR, pager))).build();
    workload.revision = "rev-3";
    engine().build().reconcile(canary(errorsOnly), CanaryStatus.builder().phase(CanaryPhase.SUCCEEDED)
        .lastAppliedSpec("rev-2").lastPromotedSpec("rev-2").build());
    assertThat(sink.events).extracting(CanaryEvent::message)
        .contains("New revision detected! Scaling up podinfo.test");
    assertThat(sink.alerts).isEmpty();
  }

  @Test
  void theWebhookChecksumIsStable() {
    Map<String, String> configs = new LinkedHashMap<>();
    configs.put("configmap/a", "1111");
    configs.put("secret/b", "2222");
    Map<String, String> reversed = new LinkedHashMap<>();
    reversed.put("secret/b", "2222");
    reversed.put("configmap/a", "1111");
    CanaryStatus one = CanaryStatus.builder().lastAppliedSpec("rev-2").trackedConfigs(configs).build();
    CanaryStatus two = CanaryStatus.builder().lastAppliedSpec("rev-2").trackedConfigs(reversed).build();
    assertThat(Notifications.checksum(one)).isEqualTo(Notifications.checksum(two)).hasSize(16);
    assertThat(Notifications.checksum(one)).isNotEqualTo(Notifications.checksum(
        one.toBuilder().lastAppliedSpec("rev-3").build()));
  }

  @Test
  void theBuilderRejectsAnIncompleteEngine() {
    assertThatThrownBy(() -> AnalysisEngine.builder().workload(workload).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("router");
    assertThatThrownBy(() -> AnalysisEngine.builder().router(router).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("workload");
    assertThatThrownBy(() -> AnalysisEngine.builder().router(router).workload(workload).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("status store");
    assertThatThrownBy(() -> AnalysisEngine.builder().router(router).workload(workload).statusStore(store)
        .defaultRouterKind("istio").build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("istio");
    assertThat(engine().build().defaultRouterKind()).isEqualTo("traefik");
  }
}
