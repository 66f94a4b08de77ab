package io.canaryanalysis.core;

import static org.assertj.core.api.Assertions.assertThat;

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
import io.canaryanalysis.api.Workload;
import io.canaryanalysis.api.WorkloadSnapshot;
import io.canaryanalysis.api.spec.AlertRef;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.ProviderRef;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.api.status.Incident;
import io.canaryanalysis.api.status.IncidentKind;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Failures outside the analysis (fluxcd/flagger#1663, #1816) through the real engine, tick after
 * tick: one alert when a failure has lasted {@code alertAfter}, reminders, one recovery, nothing
 * re-sent by a new engine on the stored status.
 */
class IncidentAlertsTest {
  private static final Instant START = Instant.parse("2026-12-01T10:00:00Z");
  private static final ProviderRef ON_CALL = new ProviderRef("on-call", null);
  private static final ProviderRef CHAT = new ProviderRef("chat", null);

  private Instant now = START;
  private final InMemoryStatusStore store = new InMemoryStatusStore();
  private final List<CanaryAlert> alerts = new ArrayList<>();
  private final List<CanaryEvent> events = new ArrayList<>();
  private RuntimeException reconcileFailure;
  private RuntimeException initializeFailure;
  private Readiness primary = Readiness.READY;
  private boolean prometheusDown;

  private final TrafficRouter router = new TrafficRouter() {
    TrafficSplit split = TrafficSplit.ALL_PRIMARY;

    @Override
    public String kind() {
      return "istio";
    }

    @Override
    public RouterCapabilities capabilities() {
      return RouterCapabilities.WEIGHTS_ONLY;
    }

    @Override
    public void reconcile(Canary canary) {
      if (reconcileFailure != null) {
        throw reconcileFailure;
      }
    }

    @Override
    public void setRoutes(Canary canary, TrafficSplit next) {
      split = next;
    }

    @Override
    public TrafficSplit getRoutes(Canary canary) {
      return split;
    }

    @Override
    public void finalizeRoutes(Canary canary) {}
  };

  private final Workload workload = new Workload() {
    @Override
    public void initialize(Canary canary) {
      if (initializeFailure != null) {
        throw initializeFailure;
      }
    }

    @Override
    public WorkloadSnapshot observe(Canary canary) {
      return new WorkloadSnapshot("rev-1", Map.of(), Readiness.READY, primary);
    }

    @Override
    public void scaleUp(Canary canary) {}

    @Override
    public void scaleToZero(Canary canary) {}

    @Override
    public void promote(Canary canary) {}
  };

  private final MetricProvider prometheus = new MetricProvider() {
    @Override
    public MetricResult query(MetricQuery query) {
      return prometheusDown ? MetricResult.failed("Prometheus at http://prometheus:9090: connection refused")
          : MetricResult.value(100);
    }

    @Override
    public boolean isOnline() {
      return !prometheusDown;
    }
  };

  private AnalysisEngine engine() {
    return AnalysisEngine.builder()
        .router(router)
        .workload(workload)
        .statusStore(store)
        .metrics(new MetricBackend(prometheus, (name, kind) -> Optional.of("up"), (p, ns) -> prometheus))
        .eventSink(new EventSink() {
          @Override
          public void event(CanaryEvent event) {
            events.add(event);
          }

          @Override
          public void alert(CanaryAlert alert) {
            alerts.add(alert);
          }
        })
        .clock(() -> now)
        .build();
  }

  private static Canary canary(List<AlertRef> subscriptions) {
    return Canary.of("podinfo", "test", CanarySpec.builder().deployment("podinfo")
        .service(CanaryService.ofPort(9898))
        .analysis(Analysis.builder().interval(Duration.ofMinutes(1)).threshold(5).stepWeight(10).maxWeight(50)
            .metrics(List.of(MetricCheck.builder("request-success-rate").thresholdRange(99.0, null).build()))
            .alerts(subscriptions).build())
        .build());
  }

  private static final List<AlertRef> SUBSCRIPTIONS = List.of(
      new AlertRef("on-call", AlertSeverity.ERROR, ON_CALL), new AlertRef("chat", AlertSeverity.INFO, CHAT));

  /** Runs {@code ticks} ticks one minute apart from {@code status}; returns the last stored status. */
  private CanaryStatus run(AnalysisEngine engine, Canary canary, CanaryStatus status, int ticks) {
    for (int i = 0; i < ticks; i++) {
      TickReport report = engine.reconcile(canary.withResourceVersion(Long.toString(store.version)), status);
      status = report.status();
      now = now.plus(Duration.ofMinutes(1));
    }
    return status;
  }

  private static CanaryStatus succeeded() {
    return CanaryStatus.builder().phase(CanaryPhase.SUCCEEDED).lastAppliedSpec("rev-1")
        .lastPromotedSpec("rev-1").build();
  }

  @Test
  void aRouterThatKeepsFailingForAnHourAlertsOnceAndRecoversOnce() {
    Canary canary = canary(SUBSCRIPTIONS);
    reconcileFailure = new ProviderException("VirtualService test/podinfo: HTTP 503 service unavailable", true);
    CanaryStatus status = run(engine(), canary, succeeded(), 60);

    assertThat(alerts).singleElement().satisfies(alert -> {
      assertThat(alert.severity()).isEqualTo(AlertSeverity.ERROR);
      assertThat(alert.message()).isEqualTo("Traffic routing failed, error reconciling the istio routes: "
          + "VirtualService test/podinfo: HTTP 503 service unavailable");
      assertThat(alert.providers()).containsExactly(ON_CALL, CHAT);
      assertThat(alert.time()).isEqualTo(START.plus(Duration.ofMinutes(1)));
      assertThat(alert.fields()).containsEntry("Target", "Deployment/podinfo.test");
    });
    assertThat(status.incidents()).singleElement().satisfies(incident -> {
      assertThat(incident.kind()).isEqualTo(IncidentKind.ROUTER);
      assertThat(incident.since()).isEqualTo(START);
      assertThat(incident.alertedAt()).isEqualTo(START.plus(Duration.ofMinutes(1)));
    });
    // Writes: the incident when first seen, its alert; none for the 58 ticks in between.
    assertThat(store.writes).hasSize(2);
    assertThat(events).filteredOn(e -> e.type() == EventType.WARNING).hasSize(60);

    reconcileFailure = null;
    status = run(engine(), canary, status, 1);
    int written = store.writes.size();
    status = run(engine(), canary, status, 4);
    assertThat(store.writes).as("nothing more once recovered").hasSize(written);
    assertThat(alerts).hasSize(2);
    assertThat(alerts.get(1).message()).isEqualTo("Traffic routing recovered after 1h0m0s.");
    assertThat(alerts.get(1).severity()).isEqualTo(AlertSeverity.INFO);
    assertThat(alerts.get(1).providers()).as("the subscriptions that got the failure").containsExactly(ON_CALL, CHAT);
    assertThat(events).extracting(CanaryEvent::message).contains("Traffic routing recovered after 1h0m0s.");
    assertThat(status.incidents()).isEmpty();
  }

  @Test
  void aNewEngineOnTheStoredStatusNeitherResendsNorForgets() {
    Canary canary = canary(SUBSCRIPTIONS);
    reconcileFailure = new ProviderException("VirtualService test/podinfo: HTTP 503", true);
    CanaryStatus stored = run(engine(), canary, succeeded(), 3);
    assertThat(alerts).hasSize(1);

    // The controller restarts: new engines, only the stored status carries over.
    stored = run(engine(), canary, stored, 10);
    stored = run(engine(), canary, stored, 10);
    assertThat(alerts).hasSize(1);

    reconcileFailure = null;
    stored = run(engine(), canary, stored, 1);
    assertThat(alerts).extracting(CanaryAlert::message).last().isEqualTo("Traffic routing recovered after 23m0s.");
    run(engine(), canary, stored, 3);
    assertThat(alerts).hasSize(2);
  }

  @Test
  void aFailureThatClearsBeforeItIsAlertedSendsNothing() {
    Canary canary = canary(SUBSCRIPTIONS);
    reconcileFailure = new ProviderException("HTTP 409 conflict", true);
    CanaryStatus status = run(engine(), canary, succeeded(), 1);
    assertThat(status.incidents()).singleElement().extracting(Incident::alerted).isEqualTo(false);
    reconcileFailure = null;
    status = run(engine(), canary, status, 3);
    assertThat(status.incidents()).isEmpty();
    assertThat(alerts).isEmpty();
  }

  @Test
  void anOpenIncidentIsRemindedAtTheConfiguredInterval() {
    Canary canary = canary(SUBSCRIPTIONS);
    reconcileFailure = new ProviderException("HTTP 503", true);
    AnalysisEngine engine = AnalysisEngine.builder().router(router).workload(workload).statusStore(store)
        .eventSink(new EventSink() {
          @Override
          public void event(CanaryEvent event) {}

          @Override
          public void alert(CanaryAlert alert) {
            alerts.add(alert);
          }
        })
        .clock(() -> now).incidentAlerts(Duration.ZERO, Duration.ofMinutes(30)).build();
    run(engine, canary, succeeded(), 61);
    assertThat(alerts).extracting(CanaryAlert::message).containsExactly(
        "Traffic routing failed, error reconciling the istio routes: HTTP 503",
        "Traffic routing failed, error reconciling the istio routes: HTTP 503 (failing for 30m0s)",
        "Traffic routing failed, error reconciling the istio routes: HTTP 503 (failing for 1h0m0s)");
  }

  @Test
  void aCanaryThatCannotInitializeIsAlertedAsSuch() {
    Canary canary = canary(SUBSCRIPTIONS);
    initializeFailure = new ProviderException("deployments.apps \"podinfo\" not found", false);
    CanaryStatus status = run(engine(), canary, CanaryStatus.initial(), 10);
    assertThat(status.phase()).isEqualTo(CanaryPhase.INITIALIZING);
    assertThat(alerts).singleElement().extracting(CanaryAlert::message)
        .isEqualTo("Initialization failed, error initializing the workload: deployments.apps \"podinfo\" not found");

    initializeFailure = null;
    status = run(engine(), canary, status, 1);
    assertThat(status.phase()).isEqualTo(CanaryPhase.INITIALIZED);
    assertThat(status.incidents()).isEmpty();
    assertThat(alerts).extracting(CanaryAlert::message).containsExactly(
        "Initialization failed, error initializing the workload: deployments.apps \"podinfo\" not found",
        "New Deployment detected, initialization completed.",
        "Initialization recovered after 10m0s.");
  }

  @Test
  void anInitializationStuckPastTheProgressDeadlineIsAlertedOnce() {
    Canary canary = canary(SUBSCRIPTIONS);
    primary = Readiness.waiting("waiting for rollout to finish: 0 of 2 updated replicas are available");
    CanaryStatus status = run(engine(), canary, CanaryStatus.initial(), 10);
    assertThat(alerts).as("within the 600s deadline").isEmpty();
    assertThat(status.notReadySince()).isEqualTo(START);
    status = run(engine(), canary, status, 30);
    assertThat(status.phase()).isEqualTo(CanaryPhase.INITIALIZING);
    assertThat(alerts).singleElement().satisfies(alert -> {
      assertThat(alert.message()).isEqualTo("Initialization failed, progress deadline exceeded 600s: "
          + "waiting for rollout to finish: 0 of 2 updated replicas are available");
      assertThat(alert.time()).isEqualTo(START.plus(Duration.ofMinutes(10)));
    });
    assertThat(status.incident(IncidentKind.INITIALIZATION)).get().extracting(Incident::since).isEqualTo(START);

    primary = Readiness.READY;
    status = run(engine(), canary, status, 1);
    assertThat(status.phase()).isEqualTo(CanaryPhase.INITIALIZED);
    assertThat(alerts).extracting(CanaryAlert::message).endsWith("Initialization recovered after 40m0s.");
  }

  @Test
  void aMetricProviderThatKeepsErroringIsAWarningForWarnSubscriptions() {
    Canary canary = canary(List.of(new AlertRef("on-call", AlertSeverity.ERROR, ON_CALL),
        new AlertRef("chat", AlertSeverity.WARN, CHAT)));
    prometheusDown = true;
    CanaryStatus progressing = CanaryStatus.builder().phase(CanaryPhase.PROGRESSING).canaryWeight(10)
        .lastAppliedSpec("rev-1").lastPromotedSpec("rev-0").preRolloutPassed(true).build();
    CanaryStatus status = run(engine(), canary, progressing, 3);
    assertThat(alerts).filteredOn(a -> a.message().startsWith("Metric provider failed"))
        .singleElement().satisfies(alert -> {
          assertThat(alert.severity()).isEqualTo(AlertSeverity.WARN);
          assertThat(alert.providers()).containsExactly(CHAT);
          assertThat(alert.message()).isEqualTo("Metric provider failed, metric request-success-rate: "
              + "Prometheus at http://prometheus:9090: connection refused");
        });
    prometheusDown = false;
    status = run(engine(), canary, status, 1);
    assertThat(status.incident(IncidentKind.METRICS)).isEmpty();
    assertThat(alerts).filteredOn(a -> a.message().startsWith("Metric provider recovered"))
        .singleElement().satisfies(alert -> assertThat(alert.providers()).containsExactly(CHAT));
  }

  @Test
  void anInvalidSpecIsAlertedOnceAndItsFixAnnounced() {
    Canary invalid = Canary.of("podinfo", "test", CanarySpec.builder().deployment("podinfo")
        .service(CanaryService.ofPort(9898)).provider("linkerd")
        .analysis(Analysis.builder().interval(Duration.ofMinutes(1)).alerts(SUBSCRIPTIONS).build()).build());
    CanaryStatus status = run(engine(), invalid, succeeded(), 20);
    assertThat(alerts).singleElement().extracting(CanaryAlert::message)
        .isEqualTo("Canary spec is invalid: No traffic router registered for provider linkerd (registered: [istio])");
    status = run(engine(), canary(SUBSCRIPTIONS), status, 1);
    assertThat(alerts).extracting(CanaryAlert::message).last().isEqualTo("Canary spec is valid again after 20m0s.");
    assertThat(status.incidents()).isEmpty();
  }

  @Test
  void withoutSubscriptionsTheHostsDefaultChannelGetsThem() {
    reconcileFailure = new ProviderException("HTTP 503", true);
    run(engine(), canary(List.of()), succeeded(), 2);
    assertThat(alerts).singleElement().satisfies(alert -> assertThat(alert.providers()).isEmpty());
  }
}
