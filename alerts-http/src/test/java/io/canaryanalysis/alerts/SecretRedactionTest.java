package io.canaryanalysis.alerts;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.canaryanalysis.api.spec.ProviderRef;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hook URLs (their path and query are the credential), tokens and proxy passwords go in; they
 * must come out of no log line (captured at TRACE from System.err), result detail or toString,
 * whatever goes wrong: error bodies that echo the request, resets, timeouts, refused connections,
 * invalid URLs, redirects.
 */
class SecretRedactionTest {
  @RegisterExtension
  static final WireMockExtension WIREMOCK = WireMockExtension.newInstance()
      .options(wireMockConfig().dynamicPort()).build();

  private static final String HOOK_TOKEN = "hookSECRET4711abcdef";
  private static final String QUERY_TOKEN = "querySECRET0815";
  private static final String BEARER = "xoxb-SECRET-2222";
  private static final String PROXY_PASSWORD = "proxySECRET9999";
  private static final String PATH = "/services/T0001/B0001/" + HOOK_TOKEN;
  private static final List<String> SECRETS = List.of(HOOK_TOKEN, QUERY_TOKEN, BEARER,
      PROXY_PASSWORD, "T0001/B0001");

  private final ByteArrayOutputStream capturedErr = new ByteArrayOutputStream();
  private final List<String> observed = new ArrayList<>();
  private PrintStream originalErr;

  @BeforeEach
  void captureLogs() {
    originalErr = System.err;
    System.setErr(new PrintStream(capturedErr, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restoreLogs() {
    System.setErr(originalErr);
  }

  private List<AlertDelivery> deliver(AlertProviderConfig provider, Map<String, String> secret) {
    observed.add(provider.toString());
    try (HttpAlertSender sender = HttpAlertSender.builder()
        .providers(AlertProviders.of(List.of(provider)))
        .secrets((ns, name) -> Optional.ofNullable(secret))
        .timeout(Duration.ofMillis(300))
        .maxAttempts(2)
        .backoff(Duration.ZERO, Duration.ZERO)
        .build()) {
      observed.add(sender.toString());
      List<AlertDelivery> results = sender.deliver(Alerts.rollback(new ProviderRef("p", null)));
      results.forEach(r -> observed.add(r.toString()));
      return results;
    }
  }

  private static AlertProviderConfig provider(AlertProviderType type, String address, String proxy,
      String secretRef) {
    return new AlertProviderConfig("p", "test", type, null, null, address, proxy, secretRef);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Test
  void noSecretLeavesThroughLogsResultsOrToString() throws Exception {
    String hook = WIREMOCK.baseUrl() + PATH + "?token=" + QUERY_TOKEN;
    Map<String, String> secret = Map.of("address", hook, "token", BEARER);
    // Error bodies that echo the request line, as some gateways do.
    WIREMOCK.stubFor(post(urlPathMatching("/services/.*/echo-400")).willReturn(aResponse()
        .withStatus(400).withBody("bad request for /services/T0001/B0001/echo-400 token " + BEARER)));
    WIREMOCK.stubFor(post(urlPathMatching(".*" + HOOK_TOKEN + "(/slack)?")).willReturn(aResponse()
        .withStatus(503).withBody("unavailable: " + hook)));

    List<AlertDelivery> all = new ArrayList<>();
    all.addAll(deliver(provider(AlertProviderType.SLACK, null, null, "s"), secret));
    all.addAll(deliver(provider(AlertProviderType.GENERIC, null, null, "s"),
        Map.of("address", WIREMOCK.baseUrl() + "/services/T0001/B0001/echo-400", "token", BEARER)));
    all.addAll(deliver(provider(AlertProviderType.MSTEAMS, hook, null, null), null));
    all.addAll(deliver(provider(AlertProviderType.DISCORD, hook, null, null), null));

    WIREMOCK.resetAll();
    WIREMOCK.stubFor(post(anyUrl()).willReturn(aResponse()
        .withFault(Fault.CONNECTION_RESET_BY_PEER)));
    all.addAll(deliver(provider(AlertProviderType.ROCKET, hook, null, null), null));

    WIREMOCK.resetAll();
    WIREMOCK.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(200).withFixedDelay(2000)));
    all.addAll(deliver(provider(AlertProviderType.GCHAT, hook, null, null), null));

    WIREMOCK.resetAll();
    WIREMOCK.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(301)
        .withHeader("Location", hook + "&again=" + HOOK_TOKEN)));
    all.addAll(deliver(provider(AlertProviderType.SLACK, hook, null, null), null));

    String refused = "http://127.0.0.1:" + freePort() + PATH + "?token=" + QUERY_TOKEN;
    all.addAll(deliver(provider(AlertProviderType.SLACK, refused, null, null), null));
    all.addAll(deliver(provider(AlertProviderType.SLACK, "http://hooks.slack.invalid" + PATH,
        "http://user:" + PROXY_PASSWORD + "@127.0.0.1:" + freePort(), null), null));
    all.addAll(deliver(provider(AlertProviderType.SLACK, "hxxp:/" + PATH, null, null), null));
    all.addAll(deliver(provider(AlertProviderType.SLACK, hook, "socks5://u:" + PROXY_PASSWORD
        + "@proxy:1080", null), null));

    assertThat(all).hasSize(11).noneMatch(AlertDelivery::delivered);
    String logs = capturedErr.toString(StandardCharsets.UTF_8);
    assertThat(logs).contains("alert for canary podinfo.test to provider test/p failed");
    for (String secretValue : SECRETS) {
      assertThat(logs).as("logs").doesNotContain(secretValue);
      assertThat(observed).as("results and toString").allSatisfy(text ->
          assertThat(text).doesNotContain(secretValue));
    }
    // the failures still say what happened
    assertThat(all).extracting(AlertDelivery::detail).anyMatch(d -> d.contains("bad response 503"))
        .anyMatch(d -> d.contains("bad response 400"))
        .anyMatch(d -> d.startsWith("timed out"))
        .anyMatch(d -> d.contains("redirects are not followed"))
        .anyMatch(d -> d.contains("request failed"))
        .anyMatch(d -> d.contains("invalid proxy URL"))
        .anyMatch(d -> d.contains("invalid slack hook URL"));
  }

  @Test
  void configToStringHidesAddressAndProxy() {
    AlertProviderConfig config = provider(AlertProviderType.SLACK,
        "https://hooks.slack.com" + PATH, "http://u:" + PROXY_PASSWORD + "@proxy:3128", null);
    assertThat(config.toString()).doesNotContain(HOOK_TOKEN).doesNotContain(PROXY_PASSWORD)
        .contains("test/p").contains("slack");
  }
}
