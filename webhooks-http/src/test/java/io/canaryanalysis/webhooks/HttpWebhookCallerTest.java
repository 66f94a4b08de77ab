package io.canaryanalysis.webhooks;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToIgnoreCase;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.canaryanalysis.api.WebhookPayload;
import io.canaryanalysis.api.WebhookResult;
import io.canaryanalysis.api.spec.Webhook;
import io.canaryanalysis.api.spec.WebhookType;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HttpWebhookCallerTest {
  private static final WebhookPayload PAYLOAD = new WebhookPayload("podinfo", "test",
      "Progressing", "5f4c8c", Map.of("cmd", "hey -z 1m http://podinfo-canary.test:9898/"));

  private WireMockServer server;
  private final List<Duration> sleeps = new ArrayList<>();
  private HttpWebhookCaller caller;

  @BeforeEach
  void start() {
    server = new WireMockServer(options().dynamicPort().dynamicHttpsPort());
    server.start();
    caller = HttpWebhookCaller.builder()
        .initialBackoff(Duration.ofMillis(100))
        .maxBackoff(Duration.ofMillis(250))
        .sleeper(d -> sleeps.add(d))
        .build();
  }

  @AfterEach
  void stop() {
    server.stop();
  }

  private Webhook hook(String path) {
    return Webhook.of("load-test", WebhookType.ROLLOUT, "http://localhost:" + server.port() + path);
  }

  private Webhook withRetries(Webhook hook, int retries) {
    return new Webhook(hook.name(), hook.type(), hook.url(), hook.timeout(), retries,
        hook.disableTLS(), hook.muteAlert(), hook.metadata());
  }

  @Test
  void postsFlaggersPayloadAsJson() {
    server.stubFor(post("/hook").willReturn(aResponse().withStatus(200)));

    WebhookResult result = caller.call(hook("/hook"), PAYLOAD);

    assertThat(result.passed()).isTrue();
    server.verify(postRequestedFor(urlEqualTo("/hook"))
        .withHeader("Content-Type", equalToIgnoreCase("application/json; charset=utf-8"))
        .withRequestBody(equalToJson("{\"name\":\"podinfo\",\"namespace\":\"test\","
            + "\"phase\":\"Progressing\",\"checksum\":\"5f4c8c\","
            + "\"metadata\":{\"cmd\":\"hey -z 1m http://podinfo-canary.test:9898/\"}}")));
  }

  @ParameterizedTest(name = "HTTP {0} passes")
  @ValueSource(ints = {200, 201, 202})
  void statusesUpTo202Pass(int status) {
    server.stubFor(post("/hook").willReturn(aResponse().withStatus(status)));

    assertThat(caller.call(hook("/hook"), PAYLOAD).passed()).isTrue();
  }

  @ParameterizedTest(name = "HTTP {0} fails")
  @ValueSource(ints = {204, 400, 403, 404})
  void otherStatusesFailAsInFlagger(int status) {
    server.stubFor(post("/hook").willReturn(aResponse().withStatus(status)));

    WebhookResult result = caller.call(hook("/hook"), PAYLOAD);

    assertThat(result.passed()).isFalse();
    assertThat(result).isEqualTo(WebhookResult.status(status, ""));
  }

  @Test
  void theResponseBodyIsTheFailureText() {
    server.stubFor(post("/gate/check").willReturn(aResponse().withStatus(403)
        .withBody("Forbidden: gate closed\n")));

    WebhookResult result = caller.call(hook("/gate/check"), PAYLOAD);

    assertThat(result.passed()).isFalse();
    assertThat(result.detail()).isEqualTo("Forbidden: gate closed");
  }

  @Test
  void longBodiesAreTruncated() {
    server.stubFor(post("/hook").willReturn(aResponse().withStatus(500).withBody("x".repeat(10_000))));
    HttpWebhookCaller small = HttpWebhookCaller.builder().maxBodyBytes(16).build();

    assertThat(small.call(hook("/hook"), PAYLOAD).detail()).isEqualTo("x".repeat(16));
  }

  @Test
  void serverErrorsAreRetriedWithExponentialBackoff() {
    server.stubFor(post("/hook").inScenario("flaky").whenScenarioStateIs(Scenario.STARTED)
        .willReturn(aResponse().withStatus(503)).willSetStateTo("second"));
    server.stubFor(post("/hook").inScenario("flaky").whenScenarioStateIs("second")
        .willReturn(aResponse().withStatus(429)).willSetStateTo("third"));
    server.stubFor(post("/hook").inScenario("flaky").whenScenarioStateIs("third")
        .willReturn(aResponse().withStatus(200)));

    WebhookResult result = caller.call(withRetries(hook("/hook"), 3), PAYLOAD);

    assertThat(result.passed()).isTrue();
    server.verify(3, postRequestedFor(urlEqualTo("/hook")));
    assertThat(sleeps).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
  }

  @Test
  void retriesStopAtTheConfiguredCountAndReturnTheLastAnswer() {
    server.stubFor(post("/hook").willReturn(aResponse().withStatus(503).withBody("unavailable")));

    WebhookResult result = caller.call(withRetries(hook("/hook"), 2), PAYLOAD);

    assertThat(result).isEqualTo(WebhookResult.status(503, "unavailable"));
    server.verify(3, postRequestedFor(urlEqualTo("/hook")));
    assertThat(sleeps).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
  }

  @Test
  void clientErrorsAreNotRetried() {
    server.stubFor(post("/hook").willReturn(aResponse().withStatus(400)));

    caller.call(withRetries(hook("/hook"), 3), PAYLOAD);

    server.verify(1, postRequestedFor(urlEqualTo("/hook")));
  }

  @Test
  void aSlowHookTimesOutAtItsTimeout() {
    server.stubFor(post("/slow").willReturn(aResponse().withStatus(200).withFixedDelay(3_000)));

    WebhookResult result = caller.call(hook("/slow").withTimeout(Duration.ofMillis(200)), PAYLOAD);

    assertThat(result).isInstanceOf(WebhookResult.TransportFailure.class);
    assertThat(result.detail()).contains("timed out after 200ms").contains("/slow");
  }

  @Test
  void aDroppedConnectionIsATransportFailureRetriedOnlyForAGate() {
    server.stubFor(post("/hook").willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
    Webhook gate = Webhook.of("gate", WebhookType.CONFIRM_PROMOTION, hook("/hook").url());

    WebhookResult rollout = caller.call(withRetries(hook("/hook"), 1), PAYLOAD);
    server.verify(1, postRequestedFor(urlEqualTo("/hook")));
    WebhookResult confirm = caller.call(withRetries(gate, 1), PAYLOAD);

    assertThat(rollout).isInstanceOf(WebhookResult.TransportFailure.class);
    assertThat(confirm).isInstanceOf(WebhookResult.TransportFailure.class);
    server.verify(3, postRequestedFor(urlEqualTo("/hook")));
  }

  @Test
  void connectionRefusedIsATransportFailureWithoutCredentialsFromTheUrl() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Webhook hook = Webhook.of("gate", WebhookType.CONFIRM_ROLLOUT,
        "http://admin:s3cr3t-pass@127.0.0.1:" + closedPort + "/gate?token=s3cr3t-token");

    WebhookResult result = caller.call(hook, PAYLOAD);

    assertThat(result).isInstanceOf(WebhookResult.TransportFailure.class);
    assertThat(result.detail()).contains("127.0.0.1:" + closedPort + "/gate")
        .doesNotContain("s3cr3t");
  }

  @Test
  void anInvalidUrlIsAFailureNamingTheHook() {
    WebhookResult result = caller.call(Webhook.of("gate", WebhookType.ROLLOUT, "not a url"), PAYLOAD);

    assertThat(result.passed()).isFalse();
    assertThat(result.detail()).contains("gate").contains("URL");
  }

  @Test
  void tlsIsVerifiedUnlessDisabled() {
    server.stubFor(post(urlPathEqualTo("/secure")).willReturn(aResponse().withStatus(200)));
    String url = "https://localhost:" + server.httpsPort() + "/secure";
    Webhook verified = Webhook.of("secure", WebhookType.ROLLOUT, url);
    Webhook unverified = new Webhook("secure", WebhookType.ROLLOUT, url, null, 0, true, false, Map.of());

    WebhookResult rejected = caller.call(verified, PAYLOAD);
    WebhookResult accepted = caller.call(unverified, PAYLOAD);

    assertThat(rejected).isInstanceOf(WebhookResult.TransportFailure.class);
    assertThat(accepted.passed()).isTrue();
  }
}
