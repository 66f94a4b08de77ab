package io.canaryanalysis.webhooks;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.canaryanalysis.api.WebhookPayload;
import io.canaryanalysis.api.WebhookResult;
import io.canaryanalysis.api.spec.Webhook;
import io.canaryanalysis.api.spec.WebhookType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Webhook receivers that misbehave: redirects, credentials in the URL, endless retries, timeouts
 * of hooks with side effects, bombs, and event hooks that hang. Gates must fail closed.
 */
class WebhookFaultTest {
  private static final WebhookPayload PAYLOAD = new WebhookPayload("podinfo", "test",
      "Progressing", "5f4c8c", Map.of());

  private WireMockServer server;
  private final List<Duration> sleeps = new ArrayList<>();
  private final AtomicLong fakeNanos = new AtomicLong();
  private final ByteArrayOutputStream capturedErr = new ByteArrayOutputStream();
  private PrintStream originalErr;
  private final List<HttpWebhookCaller> callers = new ArrayList<>();

  @BeforeEach
  void start() {
    server = new WireMockServer(options().dynamicPort());
    server.start();
    originalErr = System.err;
    System.setErr(new PrintStream(capturedErr, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void stop() {
    System.setErr(originalErr);
    callers.forEach(c -> c.close(Duration.ofMillis(100)));
    server.stop();
  }

  /** A caller whose backoff sleeps only advance a fake clock. */
  private HttpWebhookCaller caller(HttpWebhookCaller.Builder builder) {
    HttpWebhookCaller c = builder
        .sleeper(d -> {
          sleeps.add(d);
          fakeNanos.addAndGet(d.toNanos());
          return true;
        })
        .nanoClock(fakeNanos::get)
        .build();
    callers.add(c);
    return c;
  }

  private String url(String path) {
    return "http://localhost:" + server.port() + path;
  }

  private static Webhook hook(String name, WebhookType type, String url, int retries, Duration timeout) {
    return new Webhook(name, type, url, timeout, retries, false, false, Map.of());
  }

  @Test
  void aRedirectIsAClosedGateNamingTheRedactedLocation() {
    server.stubFor(post("/gate").willReturn(aResponse().withStatus(302)
        .withHeader("Location", url("/approved?token=LOCATION-TOKEN-77"))));
    server.stubFor(post(urlPathEqualTo("/approved")).willReturn(aResponse().withStatus(200)));
    HttpWebhookCaller caller = caller(HttpWebhookCaller.builder());

    WebhookResult result = caller.call(hook("promote", WebhookType.CONFIRM_PROMOTION, url("/gate"), 3,
        null), PAYLOAD);

    assertThat(result.passed()).isFalse();
    assertThat(result.detail()).contains("HTTP 302 redirect to " + url("/approved?token=***"))
        .contains("not followed").doesNotContain("LOCATION-TOKEN-77");
    server.verify(0, postRequestedFor(urlPathEqualTo("/approved")));
    server.verify(1, postRequestedFor(urlEqualTo("/gate")));
  }

  @Test
  void urlCredentialsAreSentAsBasicAuthAndNeverShown() {
    server.stubFor(post(urlPathEqualTo("/hook")).willReturn(aResponse().withStatus(500)
        .withBody("echo: HOOK-USER-1 p/ss-WORD-2 ?k=QUERY-TOKEN-3")));
    HttpWebhookCaller caller = caller(HttpWebhookCaller.builder());
    String url = "http://HOOK-USER-1:p%2Fss-WORD-2@localhost:" + server.port() + "/hook?k=QUERY-TOKEN-3";

    WebhookResult result = caller.call(hook("load", WebhookType.ROLLOUT, url, 0, null), PAYLOAD);

    String basic = Base64.getEncoder().encodeToString("HOOK-USER-1:p/ss-WORD-2".getBytes(StandardCharsets.UTF_8));
    server.verify(postRequestedFor(urlEqualTo("/hook?k=QUERY-TOKEN-3"))
        .withHeader("Authorization", equalTo("Basic " + basic)));
    assertThat(result.detail()).isEqualTo("echo: *** *** ?k=***");
  }

  @Test
  void retriesAreCappedAtTen() {
    server.stubFor(post("/hook").willReturn(aResponse().withStatus(503)));
    HttpWebhookCaller caller = caller(HttpWebhookCaller.builder().initialBackoff(Duration.ZERO)
        .maxBackoff(Duration.ZERO));

    caller.call(hook("load", WebhookType.ROLLOUT, url("/hook"), Integer.MAX_VALUE, null), PAYLOAD);

    server.verify(11, postRequestedFor(urlEqualTo("/hook")));
  }

  @Test
  void retriesStopWhenTheTotalBudgetIsSpent() {
    server.stubFor(post("/hook").willReturn(aResponse().withStatus(503).withBody("busy")));
    HttpWebhookCaller caller = caller(HttpWebhookCaller.builder().totalBudget(Duration.ofSeconds(30)));

    WebhookResult result = caller.call(hook("load", WebhookType.ROLLOUT, url("/hook"), 10,
        Duration.ofSeconds(2)), PAYLOAD);

    // Backoff 1, 2, 4, 8 s fits in 30 s; the next 16 s would end at 31 s.
    server.verify(5, postRequestedFor(urlEqualTo("/hook")));
    assertThat(sleeps).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2),
        Duration.ofSeconds(4), Duration.ofSeconds(8));
    assertThat(result.detail()).contains("busy").contains("gave up after 5 of 11 attempts")
        .contains("time budget of 30000ms");
  }

  @Test
  void only429And503AreRetried() {
    for (int status : new int[] {500, 502, 504}) {
      server.stubFor(post("/h" + status).willReturn(aResponse().withStatus(status)));
    }
    HttpWebhookCaller caller = caller(HttpWebhookCaller.builder());

    for (int status : new int[] {500, 502, 504}) {
      WebhookResult result = caller.call(hook("load", WebhookType.ROLLOUT, url("/h" + status), 3, null), PAYLOAD);
      assertThat(result.passed()).isFalse();
      server.verify(1, postRequestedFor(urlEqualTo("/h" + status)));
    }
    assertThat(sleeps).isEmpty();
  }

  @Test
  void aTimeoutIsRetriedForGatesButNotForHooksWithSideEffects() {
    server.stubFor(post("/slow").willReturn(aResponse().withStatus(200).withFixedDelay(2_000)));
    Duration timeout = Duration.ofMillis(200);
    HttpWebhookCaller caller = caller(HttpWebhookCaller.builder());

    WebhookResult loadTest = caller.call(hook("load", WebhookType.PRE_ROLLOUT, url("/slow"), 2, timeout), PAYLOAD);
    server.verify(1, postRequestedFor(urlEqualTo("/slow")));
    WebhookResult gate = caller.call(hook("gate", WebhookType.CONFIRM_ROLLOUT, url("/slow"), 2, timeout), PAYLOAD);
    server.verify(4, postRequestedFor(urlEqualTo("/slow")));
    HttpWebhookCaller optedIn = caller(HttpWebhookCaller.builder().retryTimeouts(WebhookType.PRE_ROLLOUT));
    optedIn.call(hook("load", WebhookType.PRE_ROLLOUT, url("/slow"), 1, timeout), PAYLOAD);
    server.verify(6, postRequestedFor(urlEqualTo("/slow")));

    assertThat(loadTest.detail()).contains("timed out after 200ms");
    assertThat(gate.passed()).isFalse();
  }

  @Test
  void aRefusedConnectionIsRetriedForAnyHook() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    HttpWebhookCaller caller = caller(HttpWebhookCaller.builder());

    WebhookResult result = caller.call(hook("load", WebhookType.ROLLOUT,
        "http://127.0.0.1:" + closedPort + "/hook", 2, null), PAYLOAD);

    assertThat(result).isInstanceOf(WebhookResult.TransportFailure.class);
    assertThat(result.detail()).contains("ConnectException");
    assertThat(sleeps).hasSize(2);
  }

  @Test
  void aGzipBombBodyIsReadOnlyUpToTheLimit() throws IOException {
    ByteArrayOutputStream compressed = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
      byte[] chunk = "no ".repeat(20_000).getBytes(StandardCharsets.US_ASCII);
      for (int i = 0; i < 4_000; i++) { // 240 MB inflated
        gzip.write(chunk);
      }
    }
    server.stubFor(post("/bomb").willReturn(aResponse().withStatus(403)
        .withHeader("Content-Encoding", "gzip").withBody(compressed.toByteArray())));
    HttpWebhookCaller caller = caller(HttpWebhookCaller.builder().maxBodyBytes(100));

    WebhookResult result = caller.call(hook("gate", WebhookType.CONFIRM_PROMOTION, url("/bomb"), 0, null), PAYLOAD);

    assertThat(result.passed()).isFalse();
    assertThat(result.detail()).hasSizeLessThanOrEqualTo(100).startsWith("no no");
  }

  @Test
  void hangingEventHooksNeitherBlockTheCallerNorGrowWithoutBound() throws Exception {
    List<Socket> held = new CopyOnWriteArrayList<>();
    try (ServerSocket hanging = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            held.add(hanging.accept()); // read nothing, answer nothing
          }
        } catch (IOException e) {
          // closed at the end of the test
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      HttpWebhookCaller caller = caller(HttpWebhookCaller.builder().eventThreads(1).eventQueueCapacity(2));
      Webhook event = hook("slack", WebhookType.EVENT,
          "http://127.0.0.1:" + hanging.getLocalPort() + "/events", 0, Duration.ofMinutes(5));

      List<WebhookResult> results = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        results.add(caller.call(event, PAYLOAD));
      }

      // The first is in flight on the one delivery thread, two wait, two are dropped.
      assertThat(results.subList(0, 3)).allMatch(WebhookResult::passed);
      assertThat(results.get(3).detail()).contains("dropped: the delivery queue is full (1 dropped so far)");
      assertThat(results.get(4).detail()).contains("(2 dropped so far)");
      assertThat(caller.droppedEvents()).isEqualTo(2);
      assertThat(caller.queuedEvents()).isEqualTo(2);
      assertThat(capturedErr.toString(StandardCharsets.UTF_8)).contains("event webhook slack dropped");

      caller.close(Duration.ofMillis(50));
      assertThat(caller.droppedEvents()).isEqualTo(4);
      assertThat(caller.call(event, PAYLOAD).detail()).contains("queue is closed");
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }

  @Test
  void eventHooksAreDeliveredOffTheCallingThread() {
    server.stubFor(post("/events").willReturn(aResponse().withStatus(200)));
    HttpWebhookCaller caller = caller(HttpWebhookCaller.builder());

    WebhookResult result = caller.call(hook("events", WebhookType.EVENT, url("/events"), 0, null),
        new WebhookPayload("podinfo", "test", "Progressing", "c", Map.of("eventMessage", "hello")));
    caller.close(Duration.ofSeconds(10));

    assertThat(result).isEqualTo(WebhookResult.status(202, "queued for delivery"));
    server.verify(1, postRequestedFor(urlEqualTo("/events")));
    assertThat(server.findAll(anyRequestedFor(anyUrl()))).hasSize(1);
  }
}
