package io.canaryanalysis.metrics.prometheus;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.github.tomakehurst.wiremock.extension.responsetemplating.ResponseTemplateTransformer;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.canaryanalysis.api.MetricProvider;
import io.canaryanalysis.api.MetricQuery;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.SecretResolver;
import io.canaryanalysis.api.spec.MetricKind;
import io.canaryanalysis.api.spec.MetricTemplateProvider;
import io.canaryanalysis.api.spec.SeriesAggregation;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Recognisable credentials go in; they must come out of no exception message, failure message,
 * toString or log line (the provider logs at TRACE/DEBUG in tests, captured from System.err).
 */
class SecretRedactionTest {
  @RegisterExtension
  static final WireMockExtension WIREMOCK = WireMockExtension.newInstance()
      .options(wireMockConfig().dynamicPort().dynamicHttpsPort()
          .extensions(new ResponseTemplateTransformer(false)))
      .build();

  private static final String TOKEN = "tok-CANARY-SECRET-4711";
  private static final String USER = "user-CANARY-SECRET-0001";
  private static final String PASSWORD = "pw-CANARY-SECRET-0815";
  private static final String HEADER_VALUE = "hdr-CANARY-SECRET-2222";
  private static final String BASIC_B64 = Base64.getEncoder()
      .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
  private static final List<String> SECRETS = List.of(TOKEN, USER, PASSWORD, HEADER_VALUE, BASIC_B64);
  /** Every request is matched: WireMock's own "not matched" report would print the request headers. */
  private static final String API_PATHS = "/api/v1/query(_range)?";

  private final List<String> observed = new ArrayList<>();
  private final ByteArrayOutputStream capturedErr = new ByteArrayOutputStream();
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

  private MetricProvider tokenProvider(String address, Duration timeout) {
    SecretResolver secrets = (ns, name) -> Optional.of(Map.of("token", TOKEN));
    MetricProvider provider = new PrometheusProviderFactory(secrets, timeout).create(
        new MetricTemplateProvider("prometheus", address, "prom-auth", Map.of("X-Api-Key", HEADER_VALUE), false),
        "test");
    observed.add(provider.toString());
    return provider;
  }

  private MetricProvider basicProvider(String address) {
    PrometheusClient client = PrometheusClient.builder(address).basicAuth(USER, PASSWORD)
        .header("X-Api-Key", HEADER_VALUE).timeout(Duration.ofMillis(300)).build();
    observed.add(client.toString());
    return new PrometheusMetricProvider(client);
  }

  private void run(MetricProvider provider, String query) {
    MetricResult result = provider.query(new MetricQuery(query, MetricKind.VALUE, SeriesAggregation.NONE, null));
    observed.add(result.toString());
    observed.add(String.valueOf(provider.isOnline()));
  }

  private void observe(Throwable t) {
    assertThat(t).isNotNull();
    for (Throwable c = t; c != null; c = c.getCause()) {
      observed.add(c.toString());
    }
  }

  @Test
  void credentialsNeverAppearInMessagesToStringOrLogs() throws IOException {
    // The server echoes the credentials each request actually carried.
    String echo = "{\"status\":\"error\",\"errorType\":\"unauthorized\","
        + "\"error\":\"rejected Authorization: {{request.headers.Authorization}}"
        + " with X-Api-Key {{request.headers.[X-Api-Key]}}\"}";
    String http = WIREMOCK.getRuntimeInfo().getHttpBaseUrl();

    // HTTP errors whose body echoes the credentials.
    WIREMOCK.stubFor(get(urlPathMatching(API_PATHS)).willReturn(aResponse().withStatus(401).withBody(echo).withTransformers("response-template")));
    run(tokenProvider(http, Duration.ofSeconds(5)), "up");
    run(basicProvider(http), "up");
    // A 200 "error" body, a malformed body and a plain-text body, all echoing them.
    WIREMOCK.stubFor(get(urlPathMatching(API_PATHS)).willReturn(okJson(echo).withTransformers("response-template")));
    run(tokenProvider(http, Duration.ofSeconds(5)), "up");
    WIREMOCK.stubFor(get(urlPathMatching(API_PATHS)).willReturn(okJson(echo + "]").withTransformers("response-template")));
    run(basicProvider(http), "up");
    WIREMOCK.stubFor(get(urlPathMatching(API_PATHS)).willReturn(aResponse().withStatus(500)
        .withBody("proxy saw {{request.headers.Authorization}}").withTransformers("response-template")));
    run(tokenProvider(http, Duration.ofSeconds(5)), "up");
    // A string result type echoing the token as the "resultType".
    WIREMOCK.stubFor(get(urlPathMatching(API_PATHS)).willReturn(okJson(
        "{\"status\":\"success\",\"data\":{\"resultType\":\"" + TOKEN + "\",\"result\":[]}}")));
    run(tokenProvider(http, Duration.ofSeconds(5)), "up");
    // A timeout and a refused connection.
    WIREMOCK.stubFor(get(urlPathMatching(API_PATHS)).willReturn(okJson("{}").withFixedDelay(1_500)));
    run(tokenProvider(http, Duration.ofMillis(200)), "up");
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    run(tokenProvider("http://127.0.0.1:" + closedPort, Duration.ofSeconds(2)), "up");
    run(basicProvider("http://127.0.0.1:" + closedPort), "up");
    // TLS failure.
    run(tokenProvider(WIREMOCK.getRuntimeInfo().getHttpsBaseUrl(), Duration.ofSeconds(5)), "up");
    // Credentials in the address itself.
    PrometheusClient userInfo = PrometheusClient.builder(
        "http://" + USER + ":" + PASSWORD + "@127.0.0.1:" + closedPort + "/").build();
    observed.add(userInfo.toString());
    observed.add(userInfo.address());
    run(new PrometheusMetricProvider(userInfo), "up");
    observe(catchThrowable(() -> PrometheusClient.builder("ftp://" + USER + ":" + PASSWORD + "@host").build()));
    // Invalid credentials and header values rejected before any request.
    observe(catchThrowable(() -> PrometheusClient.builder(http).bearerToken(TOKEN + "\n").build()));
    observe(catchThrowable(() -> PrometheusClient.builder(http).header("X-Api-Key", HEADER_VALUE + "\r\n")));
    observe(catchThrowable(() -> new PrometheusProviderFactory((ns, n) -> Optional.of(Map.of("token", TOKEN + "\u0000")))
        .create(new MetricTemplateProvider("prometheus", http, "prom-auth", Map.of(), false), "test")));
    observe(catchThrowable(() -> new PrometheusProviderFactory((ns, n) -> Optional.of(Map.of("username", USER)))
        .create(new MetricTemplateProvider("prometheus", http, "prom-auth", Map.of(), false), "test")));
    // Client-level exceptions carry the same redacted messages.
    WIREMOCK.stubFor(get(urlPathMatching(API_PATHS)).willReturn(aResponse().withStatus(401).withBody(echo).withTransformers("response-template")));
    observe(catchThrowable(() -> PrometheusClient.builder(http).bearerToken(TOKEN).build().query("up", null)));
    observe(catchThrowable(() -> PrometheusClient.builder(http).bearerToken(TOKEN).build()
        .queryRange("up", java.time.Instant.EPOCH, java.time.Instant.EPOCH.plusSeconds(60), Duration.ofSeconds(15))));
    observed.add(new PrometheusProviderFactory(SecretResolver.none()).toString());
    observed.add(new MetricTemplateProvider("prometheus", http, "prom-auth", Map.of("X-Api-Key", HEADER_VALUE), false)
        .toString());

    System.err.flush();
    String logs = capturedErr.toString(StandardCharsets.UTF_8);
    // The capture works and the failures were logged, so the absence below means something.
    assertThat(logs).contains("DEBUG").contains("Prometheus at").contains("HTTP 401");
    // The echoes happened and were masked (proves the templated echo really carried the values).
    assertThat(String.join("\n", observed)).contains("rejected Authorization: *** with X-Api-Key ***",
        "proxy saw ***");
    assertThat(String.join("\n", observed)).contains("HTTP 401", "***", "timed out", "connection refused", "TLS");
    for (String secret : SECRETS) {
      assertThat(logs).as("logs").doesNotContain(secret);
      for (String text : observed) {
        assertThat(text).as("observed text").doesNotContain(secret);
      }
    }
  }
}
