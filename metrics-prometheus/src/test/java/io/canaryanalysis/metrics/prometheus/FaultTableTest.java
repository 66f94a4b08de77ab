package io.canaryanalysis.metrics.prometheus;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.canaryanalysis.api.CanaryAlert;
import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.EventSink;
import io.canaryanalysis.api.Readiness;
import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.SecretResolver;
import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.Workload;
import io.canaryanalysis.api.WorkloadSnapshot;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.MetricTemplate;
import io.canaryanalysis.api.spec.MetricTemplateProvider;
import io.canaryanalysis.api.spec.Webhook;
import io.canaryanalysis.api.spec.WebhookType;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.core.AnalysisEngine;
import io.canaryanalysis.core.TickReport;
import io.canaryanalysis.webhooks.HttpWebhookCaller;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The README's fault table: each fault is injected at the promotion point (weight = maxWeight,
 * so a tick whose checks all pass promotes) through the real engine, Prometheus provider and
 * webhook caller. No fault may promote; each names its cause in the Warning event.
 */
class FaultTableTest {
  @RegisterExtension
  static final WireMockExtension WIREMOCK = WireMockExtension.newInstance()
      .options(wireMockConfig().dynamicPort()).build();

  private static final String ONE = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
      + "\"result\":[{\"metric\":{},\"value\":[1714557600,\"1\"]}]}}";
  private static final long LIMIT = 1024 * 1024;

  private final List<CanaryEvent> events = new ArrayList<>();
  private final Router router = new Router();

  private static final class Router implements TrafficRouter {
    @Override
    public String kind() {
      return "traefik";
    }

    TrafficSplit split = TrafficSplit.canary(50);

    @Override
    public RouterCapabilities capabilities() {
      return RouterCapabilities.WEIGHTS_ONLY;
    }

    @Override
    public void reconcile(Canary canary) {}

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
  }

  private static final class ReadyWorkload implements Workload {
    @Override
    public void initialize(Canary canary) {}

    @Override
    public WorkloadSnapshot observe(Canary canary) {
      return new WorkloadSnapshot("rev-2", Map.of(), Readiness.READY, Readiness.READY);
    }

    @Override
    public void scaleUp(Canary canary) {}

    @Override
    public void scaleToZero(Canary canary) {}

    @Override
    public void promote(Canary canary) {}
  }

  /** One tick at the promotion point with a template metric on {@code prometheus} and {@code hooks}. */
  private TickReport tick(String prometheus, List<Webhook> hooks, HttpWebhookCaller caller) {
    return tick(prometheus, hooks, caller, GENEROUS_TIMEOUT);
  }

  /**
   * The Prometheus timeout of every case but the slow one: long enough that a machine under load
   * reaches the fault under test (a 2 MiB answer, a bomb) before the clock runs out.
   */
  private static final Duration GENEROUS_TIMEOUT = Duration.ofSeconds(10);

  private TickReport tick(String prometheus, List<Webhook> hooks, HttpWebhookCaller caller,
      Duration prometheusTimeout) {
    PrometheusProviderFactory factory = new PrometheusProviderFactory(SecretResolver.none(),
        prometheusTimeout, LIMIT);
    MetricTemplate template = new MetricTemplate("errors", "test",
        MetricTemplateProvider.prometheus(prometheus), "sum(errors)");
    AnalysisEngine engine = AnalysisEngine.builder()
        .router(router)
        .statusStore((canary, next) -> Optional.of("2"))
        .workload(new ReadyWorkload())
        .eventSink(new EventSink() {
          @Override
          public void event(CanaryEvent event) {
            events.add(event);
          }

          @Override
          public void alert(CanaryAlert alert) {}
        })
        .webhookCaller(caller)
        .metrics(new io.canaryanalysis.api.MetricBackend(factory.create(template.provider(), "test"), (name, kind) -> Optional.of("up"), factory))
        .metricTemplateSource((ns, name) -> Optional.of(template))
        .clock(InstantSource.fixed(Instant.parse("2024-05-01T10:00:00Z")))
        .build();
    Canary canary = Canary.of("podinfo", "test", CanarySpec.builder().deployment("podinfo")
        .service(CanaryService.ofPort(9898))
        .analysis(Analysis.builder().interval(Duration.ofMinutes(1)).threshold(5).stepWeight(10)
            .maxWeight(50).webhooks(hooks)
            .metrics(List.of(MetricCheck.builder("errors").templateRef("errors")
                .thresholdRange(null, 5.0).build()))
            .build())
        .build());
    CanaryStatus atPromotion = CanaryStatus.builder().phase(CanaryPhase.PROGRESSING)
        .lastAppliedSpec("rev-2").lastPromotedSpec("rev-1").preRolloutPassed(true).canaryWeight(50)
        .build();
    return engine.reconcile(canary, atPromotion);
  }

  private TickReport prometheusFault(String prometheus) {
    return prometheusFault(prometheus, GENEROUS_TIMEOUT);
  }

  private TickReport prometheusFault(String prometheus, Duration timeout) {
    try (HttpWebhookCaller caller = HttpWebhookCaller.create()) {
      return tick(prometheus, List.of(), caller, timeout);
    }
  }

  private TickReport hookFault(Webhook hook, HttpWebhookCaller caller) {
    WIREMOCK.stubFor(any(anyUrl()).atPriority(10).willReturn(okJson(ONE)));
    return tick(WIREMOCK.baseUrl(), List.of(hook), caller);
  }

  private static void assertHalted(TickReport report, String... cause) {
    assertThat(report.status().phase()).isEqualTo(CanaryPhase.PROGRESSING);
    assertThat(report.status().failedChecks()).isEqualTo(1);
    assertThat(report.status().lastFailure().message()).contains(cause);
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static Webhook hook(String name, WebhookType type, String url, int retries, Duration timeout) {
    return new Webhook(name, type, url, timeout, retries, false, false, Map.of());
  }

  @Test
  void control_healthyChecksPromote() {
    WIREMOCK.stubFor(any(anyUrl()).willReturn(okJson(ONE)));

    assertThat(prometheusFault(WIREMOCK.baseUrl()).status().phase()).isEqualTo(CanaryPhase.PROMOTING);
  }

  @Test
  void prometheusDown() throws IOException {
    assertHalted(prometheusFault("http://127.0.0.1:" + closedPort()), "connection refused or unreachable");
  }

  @Test
  void prometheusSlow() {
    WIREMOCK.stubFor(any(anyUrl()).willReturn(okJson(ONE).withFixedDelay(3_000)));

    assertHalted(prometheusFault(WIREMOCK.baseUrl(), Duration.ofMillis(500)), "timed out after 500ms");
  }

  @Test
  void prometheus5xx() {
    WIREMOCK.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(503)
        .withBody("{\"status\":\"error\",\"errorType\":\"unavailable\",\"error\":\"overloaded\"}")));

    assertHalted(prometheusFault(WIREMOCK.baseUrl()), "HTTP 503: unavailable: overloaded");
  }

  @Test
  void prometheusGarbage() {
    WIREMOCK.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("<html>login</html>")));

    assertHalted(prometheusFault(WIREMOCK.baseUrl()), "malformed JSON answer", "<html>login</html>");
  }

  @Test
  void prometheusConnectionDroppedMidAnswer() {
    WIREMOCK.stubFor(any(anyUrl()).willReturn(aResponse().withFault(Fault.RANDOM_DATA_THEN_CLOSE)));

    assertHalted(prometheusFault(WIREMOCK.baseUrl()), "Prometheus at " + WIREMOCK.baseUrl());
  }

  @Test
  void prometheusHugeAnswer() {
    String huge = ONE.replace("\"metric\":{}", "\"metric\":{\"pod\":\"" + "p".repeat(2 * (int) LIMIT) + "\"}");
    WIREMOCK.stubFor(any(anyUrl()).willReturn(okJson(huge)));

    assertHalted(prometheusFault(WIREMOCK.baseUrl()), "larger than the limit of 1048576 bytes");
  }

  @Test
  void prometheusEndlessAnswer() throws IOException {
    try (RawHttpServer server = new RawHttpServer("Content-Type: application/json\r\n",
        out -> endless(out))) {
      assertHalted(prometheusFault(server.address()), "larger than the limit of 1048576 bytes");
    }
  }

  @Test
  void prometheusGzipBomb() throws IOException {
    try (RawHttpServer server = new RawHttpServer("Content-Type: application/json\r\n"
        + "Content-Encoding: gzip\r\n", out -> {
          GZIPOutputStream gzip = new GZIPOutputStream(out);
          endless(gzip);
          gzip.finish();
        })) {
      assertHalted(prometheusFault(server.address()), "larger than the limit of 1048576 bytes (decompressed)");
    }
  }

  private static void endless(OutputStream out) throws IOException {
    out.write("{\"status\":\"success\",\"data\":{\"result\":[{\"metric\":{\"pod\":\""
        .getBytes(StandardCharsets.US_ASCII));
    byte[] chunk = new byte[64 * 1024];
    Arrays.fill(chunk, (byte) 'a');
    for (long i = 0; i < 100_000; i++) { // 6.5 GB if nobody hangs up
      out.write(chunk);
    }
  }

  @Test
  void webhookFaults() throws IOException {
    try (HttpWebhookCaller caller = HttpWebhookCaller.builder().initialBackoff(Duration.ZERO).build()) {
      String base = WIREMOCK.baseUrl();
      WIREMOCK.stubFor(com.github.tomakehurst.wiremock.client.WireMock.post("/slow").atPriority(1)
          .willReturn(aResponse().withStatus(200).withFixedDelay(3_000)));
      WIREMOCK.stubFor(com.github.tomakehurst.wiremock.client.WireMock.post("/fail").atPriority(1)
          .willReturn(aResponse().withStatus(500).withBody("load test failed")));
      WIREMOCK.stubFor(com.github.tomakehurst.wiremock.client.WireMock.post("/gate").atPriority(1)
          .willReturn(aResponse().withStatus(302).withHeader("Location", base + "/approved?sig=abc123")));

      // Timeout of a load test: not retried (it may have run), a failed check.
      assertHalted(hookFault(hook("load", WebhookType.ROLLOUT, base + "/slow", 3, Duration.ofMillis(200)), caller),
          "external check load failed", "timed out after 200ms");
      WIREMOCK.verify(1, com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(
          com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo("/slow")));
      // 5xx: the body is the failure text.
      assertHalted(hookFault(hook("load", WebhookType.ROLLOUT, base + "/fail", 3, null), caller),
          "external check load failed load test failed");
      // Refused: retried, then a failed check.
      assertHalted(hookFault(hook("load", WebhookType.ROLLOUT, "http://127.0.0.1:" + closedPort() + "/", 2,
          null), caller), "external check load failed", "ConnectException");
      // 3xx at the promotion gate: not followed, the gate stays closed.
      TickReport redirected = hookFault(hook("promote", WebhookType.CONFIRM_PROMOTION, base + "/gate", 0, null), caller);
      assertThat(redirected.status().phase()).isEqualTo(CanaryPhase.WAITING_PROMOTION);
      WIREMOCK.verify(0, com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(
          com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo("/approved")));
    }
  }

  @Test
  void hangingEventHookDoesNotHoldTheTick() throws IOException {
    List<Socket> held = new CopyOnWriteArrayList<>();
    try (ServerSocket hanging = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            held.add(hanging.accept());
          }
        } catch (IOException e) {
          // closed
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      HttpWebhookCaller caller = HttpWebhookCaller.builder().eventThreads(1).eventQueueCapacity(1).build();
      Webhook events = hook("events", WebhookType.EVENT, "http://127.0.0.1:" + hanging.getLocalPort() + "/",
          0, Duration.ofMinutes(10));
      WIREMOCK.stubFor(any(anyUrl()).willReturn(okJson(ONE)));

      TickReport report = tick(WIREMOCK.baseUrl(), List.of(events), caller);

      // The tick promoted although its event receiver never answers; extra events were dropped.
      assertThat(report.status().phase()).isEqualTo(CanaryPhase.PROMOTING);
      assertThat(report.events()).isNotEmpty();
      // One event in flight on the event thread and one queued, or (when the thread has not taken
      // the first yet on a loaded machine) only one queued: every other event was dropped.
      int emitted = report.events().size();
      assertThat(caller.droppedEvents()).isBetween((long) Math.max(0, emitted - 2), (long) Math.max(0, emitted - 1));
      caller.close(Duration.ofMillis(50));
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }
}
