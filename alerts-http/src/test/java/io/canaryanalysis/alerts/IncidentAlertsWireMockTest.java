package io.canaryanalysis.alerts;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.canaryanalysis.api.AlertSeverity;
import io.canaryanalysis.api.CanaryAlert;
import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.EventSink;
import io.canaryanalysis.api.MetricBackend;
import io.canaryanalysis.api.MetricProvider;
import io.canaryanalysis.api.MetricQuery;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.Readiness;
import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.StatusStore;
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
import io.canaryanalysis.core.AnalysisEngine;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Failures outside the analysis (fluxcd/flagger#1663, #1816), raised by the real engine tick after
 * tick and delivered by {@link HttpAlertSender} to a Slack webhook on WireMock: one message when
 * the failure has lasted a minute, one when it clears, none in between and none after a restart.
 */
class IncidentAlertsWireMockTest {
  @RegisterExtension
  static final WireMockExtension SLACK = WireMockExtension.newInstance()
      .options(wireMockConfig().dynamicPort()).build();

  private static final String PATH = "/services/T000/B000/incidents";
  private static final Instant START = Instant.parse("2026-12-01T10:00:00Z");
  private static final ObjectMapper JSON = new ObjectMapper();

  private Instant now = START;
  private final List<HttpAlertSender> senders = new ArrayList<>();
  /** The stored status, compare-and-set on a counter, as a Canary's status subresource. */
  private CanaryStatus stored;
  private long version = 1;
  private RuntimeException routerFailure;
  private RuntimeException workloadFailure;
  private Readiness primary = Readiness.READY;
  private boolean prometheusDown;

  @AfterEach
  void close() {
    senders.forEach(HttpAlertSender::close);
  }

  private final StatusStore store = (canary, next) -> {
    if (!Long.toString(version).equals(canary.resourceVersion())) {
      return Optional.empty();
    }
    stored = next;
    version++;
    return Optional.of(Long.toString(version));
  };

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
      if (routerFailure != null) {
        throw routerFailure;
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
      if (workloadFailure != null) {
        throw workloadFailure;
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
      return prometheusDown ? MetricResult.failed("Prometheus at http://prometheus:9090: HTTP 503: unavailable")
          : MetricResult.value(100);
    }

    @Override
    public boolean isOnline() {
      return !prometheusDown;
    }
  };

  /** A controller process: its own engine and sender; only the stored status survives it. */
  private AnalysisEngine process() {
    HttpAlertSender sender = HttpAlertSender.builder()
        .providers(AlertProviders.of(List.of(AlertProviderConfig.of("slack", "test",
            AlertProviderType.SLACK, SLACK.baseUrl() + PATH))))
        .clusterName("prod-eu")
        .build();
    senders.add(sender);
    return AnalysisEngine.builder()
        .router(router)
        .workload(workload)
        .statusStore(store)
        .metrics(new MetricBackend(prometheus, (name, kind) -> Optional.of("up"), (p, ns) -> prometheus))
        .eventSink(new EventSink() {
          @Override
          public void event(CanaryEvent event) {}

          @Override
          public void alert(CanaryAlert alert) {
            assertThat(sender.deliver(alert)).allMatch(AlertDelivery::delivered);
          }
        })
        .clock(() -> now)
        .build();
  }

  private static Canary podinfo() {
    return Canary.of("podinfo", "test", CanarySpec.builder().deployment("podinfo")
        .service(CanaryService.ofPort(9898))
        .analysis(Analysis.builder().interval(Duration.ofMinutes(1)).threshold(10).stepWeight(10).maxWeight(50)
            .metrics(List.of(MetricCheck.builder("request-success-rate").thresholdRange(99.0, null).build()))
            .alerts(List.of(new AlertRef("on-call", AlertSeverity.WARN, new ProviderRef("slack", null))))
            .build())
        .build());
  }

  private void ticks(AnalysisEngine engine, Canary canary, int count) {
    for (int i = 0; i < count; i++) {
      stored = engine.reconcile(canary.withResourceVersion(Long.toString(version)), stored).status();
      now = now.plus(Duration.ofMinutes(1));
    }
  }

  private static List<JsonNode> slackMessages() {
    return SLACK.findAll(postRequestedFor(urlEqualTo(PATH))).stream().map(LoggedRequest::getBodyAsString)
        .map(body -> {
          try {
            return JSON.readTree(body);
          } catch (java.io.IOException e) {
            throw new AssertionError(e);
          }
        }).collect(Collectors.toList());
  }

  private static List<String> texts() {
    return slackMessages().stream().map(m -> m.at("/attachments/0/text").asText()).collect(Collectors.toList());
  }

  private static CanaryStatus succeeded() {
    return CanaryStatus.builder().phase(CanaryPhase.SUCCEEDED).lastAppliedSpec("rev-1")
        .lastPromotedSpec("rev-1").build();
  }

  @Test
  void aRouterThatKeepsFailingSendsOneSlackAlertAndOneRecoveryOverManyTicks() {
    SLACK.stubFor(post(urlEqualTo(PATH)).willReturn(aResponse().withStatus(200).withBody("ok")));
    stored = succeeded();
    routerFailure = new ProviderException("VirtualService test/podinfo: HTTP 503 service unavailable", true);
    ticks(process(), podinfo(), 90);
    assertThat(texts()).containsExactly("Traffic routing failed, error reconciling the istio routes: "
        + "VirtualService test/podinfo: HTTP 503 service unavailable");
    JsonNode alert = slackMessages().get(0);
    assertThat(alert.at("/attachments/0/color").asText()).isEqualTo("danger");
    assertThat(alert.at("/attachments/0/author_name").asText()).isEqualTo("podinfo.test");
    assertThat(alert.at("/attachments/0/fields/0/title").asText()).isEqualTo("Cluster");
    assertThat(alert.at("/attachments/0/fields/0/value").asText()).isEqualTo("prod-eu");

    routerFailure = null;
    ticks(process(), podinfo(), 30);
    assertThat(texts()).hasSize(2).last().isEqualTo("Traffic routing recovered after 1h30m0s.");
    assertThat(slackMessages().get(1).at("/attachments/0/color").asText()).isEqualTo("good");
    SLACK.verify(2, postRequestedFor(urlEqualTo(PATH)));
  }

  @Test
  void aRestartedControllerDoesNotSendTheAlertAgain() {
    SLACK.stubFor(post(urlEqualTo(PATH)).willReturn(aResponse().withStatus(200)));
    stored = succeeded();
    workloadFailure = new ProviderException("deployments.apps \"podinfo-primary\" is forbidden", false);
    ticks(process(), podinfo(), 5);
    assertThat(texts()).containsExactly("Workload calls failed, error initializing the workload: "
        + "deployments.apps \"podinfo-primary\" is forbidden");
    for (int restart = 0; restart < 5; restart++) {
      ticks(process(), podinfo(), 3);
    }
    assertThat(texts()).hasSize(1);
    workloadFailure = null;
    ticks(process(), podinfo(), 1);
    ticks(process(), podinfo(), 3);
    assertThat(texts()).containsExactly(
        "Workload calls failed, error initializing the workload: deployments.apps \"podinfo-primary\" is forbidden",
        "Workload calls recovered after 20m0s.");
  }

  @Test
  void aCanaryThatCannotInitializeAndOneStuckPastTheDeadline() {
    SLACK.stubFor(post(urlEqualTo(PATH)).willReturn(aResponse().withStatus(200)));
    stored = CanaryStatus.initial();
    workloadFailure = new ProviderException("deployments.apps \"podinfo\" not found", false);
    AnalysisEngine engine = process();
    ticks(engine, podinfo(), 10);
    workloadFailure = null;
    primary = Readiness.waiting("waiting for rollout to finish: 0 of 2 updated replicas are available");
    ticks(engine, podinfo(), 30);
    assertThat(texts()).containsExactly(
        "Initialization failed, error initializing the workload: deployments.apps \"podinfo\" not found");
    primary = Readiness.READY;
    ticks(engine, podinfo(), 2);
    assertThat(stored.phase()).isEqualTo(CanaryPhase.INITIALIZED);
    assertThat(texts()).containsExactly(
        "Initialization failed, error initializing the workload: deployments.apps \"podinfo\" not found",
        // Flagger's "New Deployment detected, initialization completed." is info: not for this warn subscription,
        // while the recovery of an error it received is.
        "Initialization recovered after 40m0s.");

    // A second canary whose primary never becomes ready: one alert at the progress deadline.
    SLACK.resetRequests();
    stored = CanaryStatus.initial();
    primary = Readiness.waiting("waiting for rollout to finish: 1 old replicas are pending termination");
    ticks(process(), podinfo(), 60);
    assertThat(texts()).containsExactly("Initialization failed, progress deadline exceeded 600s: "
        + "waiting for rollout to finish: 1 old replicas are pending termination");
  }

  @Test
  void aMetricProviderThatKeepsErroringAndAnInvalidSpec() {
    SLACK.stubFor(post(urlEqualTo(PATH)).willReturn(aResponse().withStatus(200)));
    stored = CanaryStatus.builder().phase(CanaryPhase.PROGRESSING).canaryWeight(10).lastAppliedSpec("rev-1")
        .lastPromotedSpec("rev-0").preRolloutPassed(true).build();
    prometheusDown = true;
    AnalysisEngine engine = process();
    // The first tick repairs the routes (weight 10 stored, 0 found) and decides nothing; four query.
    ticks(engine, podinfo(), 5);
    prometheusDown = false;
    ticks(engine, podinfo(), 1);
    assertThat(texts()).containsExactly("Metric provider failed, metric request-success-rate: "
        + "Prometheus at http://prometheus:9090: HTTP 503: unavailable", "Metric provider recovered after 4m0s.");
    assertThat(slackMessages().get(0).at("/attachments/0/color").asText())
        .as("a warning is not an error").isEqualTo("good");

    SLACK.resetRequests();
    Canary invalid = podinfo().withSpec(podinfo().spec().toBuilder().provider("linkerd").build());
    ticks(engine, invalid, 30);
    ticks(engine, podinfo(), 1);
    assertThat(texts()).containsExactly(
        "Canary spec is invalid: No traffic router registered for provider linkerd (registered: [istio])",
        "Canary spec is valid again after 30m0s.");
  }
}
