package io.canaryanalysis.metrics.prometheus;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.canaryanalysis.api.MetricQuery;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.spec.MetricKind;
import io.canaryanalysis.api.spec.SeriesAggregation;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Faults and request details that a real Prometheus will not produce or show on demand. */
class PrometheusClientWireMockTest {
  @RegisterExtension
  static final WireMockExtension WIREMOCK = WireMockExtension.newInstance()
      .options(wireMockConfig().dynamicPort().dynamicHttpsPort())
      .build();

  private static final String QUERY_PATH = "/api/v1/query";
  private static final String ONE_SERIES = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
      + "\"result\":[{\"metric\":{},\"value\":[1700000000,\"1\"]}]}}";

  private static String address() {
    return WIREMOCK.getRuntimeInfo().getHttpBaseUrl();
  }

  private static PrometheusMetricProvider provider(PrometheusClient.Builder builder) {
    return new PrometheusMetricProvider(builder.build());
  }

  private static String failure(MetricResult result) {
    assertThat(result).isInstanceOf(MetricResult.Failed.class);
    return ((MetricResult.Failed) result).message();
  }

  private static String vector(String... values) {
    StringBuilder b = new StringBuilder("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[");
    for (int i = 0; i < values.length; i++) {
      b.append(i == 0 ? "" : ",").append("{\"metric\":{\"pod\":\"p").append(i).append("\"},\"value\":[1700000000.5,\"")
          .append(values[i]).append("\"]}");
    }
    return b.append("]}}").toString();
  }

  @Test
  void http503WithPrometheusErrorBody() {
    WIREMOCK.stubFor(get(urlPathEqualTo(QUERY_PATH)).willReturn(aResponse().withStatus(503)
        .withHeader("Content-Type", "application/json")
        .withBody("{\"status\":\"error\",\"errorType\":\"unavailable\",\"error\":\"too many queries in flight\"}")));

    String message = failure(provider(PrometheusClient.builder(address())).query(MetricQuery.of("up")));

    assertThat(message).contains("HTTP 503").contains("unavailable: too many queries in flight")
        .contains(address());
  }

  @Test
  void http503FromAProxyWithAPlainBody() {
    WIREMOCK.stubFor(get(urlPathEqualTo(QUERY_PATH)).willReturn(aResponse().withStatus(503)
        .withBody("<html>\n<body>upstream connect error</body>\n</html>")));

    PrometheusClient client = PrometheusClient.builder(address()).build();

    assertThatThrownBy(() -> client.query("up", null))
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("HTTP 503: body: <html> <body>upstream connect error</body> </html>")
        .satisfies(e -> assertThat(((ProviderException) e).retriable()).isTrue());
  }

  @Test
  void http400WithPrometheusErrorJson() {
    WIREMOCK.stubFor(get(urlPathEqualTo(QUERY_PATH)).willReturn(aResponse().withStatus(400)
        .withBody("{\"status\":\"error\",\"errorType\":\"bad_data\","
            + "\"error\":\"invalid parameter \\\"query\\\": 1:5: parse error: unclosed left parenthesis\"}")));
    PrometheusClient client = PrometheusClient.builder(address()).build();

    assertThatThrownBy(() -> client.query("sum(", null))
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("HTTP 400: bad_data: invalid parameter \"query\": 1:5: parse error")
        .satisfies(e -> assertThat(((ProviderException) e).retriable()).isFalse());
    assertThat(failure(provider(PrometheusClient.builder(address())).query(MetricQuery.of("sum("))))
        .contains("HTTP 400").contains("bad_data");
  }

  @Test
  void http422ExecutionErrorIsReported() {
    WIREMOCK.stubFor(get(urlPathEqualTo(QUERY_PATH)).willReturn(aResponse().withStatus(422)
        .withBody("{\"status\":\"error\",\"errorType\":\"execution\",\"error\":\"found duplicate series\"}")));

    assertThat(failure(provider(PrometheusClient.builder(address())).query(MetricQuery.of("a / b"))))
        .contains("HTTP 422: execution: found duplicate series");
  }

  @Test
  void errorStatusInA200Body() {
    WIREMOCK.stubFor(get(urlPathEqualTo(QUERY_PATH)).willReturn(okJson(
        "{\"status\":\"error\",\"errorType\":\"timeout\",\"error\":\"query timed out in expression evaluation\"}")));

    assertThat(failure(provider(PrometheusClient.builder(address())).query(MetricQuery.of("up"))))
        .contains("status \"error\"").contains("timeout: query timed out in expression evaluation");
  }

  @Test
  void malformedJson() {
    WIREMOCK.stubFor(get(urlPathEqualTo(QUERY_PATH)).willReturn(okJson(
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[")));

    assertThat(failure(provider(PrometheusClient.builder(address())).query(MetricQuery.of("up"))))
        .contains("malformed JSON");
  }

  @Test
  void notJsonAtAll() {
    WIREMOCK.stubFor(get(urlPathEqualTo(QUERY_PATH)).willReturn(aResponse().withStatus(200)
        .withBody("<html>login page</html>")));

    assertThat(failure(provider(PrometheusClient.builder(address())).query(MetricQuery.of("up"))))
        .contains("malformed JSON").contains("login page");
  }

  @Test
  void successWithUnexpectedShape() {
    WIREMOCK.stubFor(get(urlPathEqualTo(QUERY_PATH)).willReturn(okJson("{\"status\":\"success\",\"data\":{}}")));
    assertThat(failure(provider(PrometheusClient.builder(address())).query(MetricQuery.of("up"))))
        .contains("data.resultType is missing");

    WIREMOCK.stubFor(get(urlPathEqualTo(QUERY_PATH)).willReturn(okJson("{\"status\":\"success\",\"data\":"
        + "{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1700000000,\"fast\"]}]}}")));
    assertThat(failure(provider(PrometheusClient.builder(address())).query(MetricQuery.of("up"))))
        .contains("data.result[0].value").contains("not a number");
  }

  @Test
  void slowResponseBeyondTheTimeout() {
    WIREMOCK.stubFor(get(urlPathEqualTo(QUERY_PATH)).willReturn(okJson(ONE_SERIES).withFixedDelay(2_000)));

    PrometheusClient client = PrometheusClient.builder(address()).timeout(Duration.ofMillis(300)).build();
    String message = failure(new PrometheusMetricProvider(client).query(MetricQuery.of("up")));

    assertThat(message).contains("timed out").contains("300ms");
    assertThatThrownBy(() -> client.query("up", null)).isInstanceOf(ProviderException.class)
        .satisfies(e -> assertThat(((ProviderException) e).retriable()).isTrue());
  }

  @Test
  void defaultTimeoutIsFlaggersFiveSeconds() {
    assertThat(PrometheusClient.builder(address()).build().timeout()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void infinitiesAreValues() {
    WIREMOCK.stubFor(get(urlPathEqualTo(QUERY_PATH)).willReturn(okJson(vector("+Inf"))));
    assertThat(provider(PrometheusClient.builder(address())).query(MetricQuery.of("x")))
        .isEqualTo(MetricResult.value(Double.POSITIVE_INFINITY));

    WIREMOCK.stubFor(get(urlPathEqualTo(QUERY_PATH)).willReturn(okJson(vector("-Inf"))));
    assertThat(provider(PrometheusClient.builder(address())).query(MetricQuery.of("x")))
        .isEqualTo(MetricResult.value(Double.NEGATIVE_INFINITY));
  }

  @Test
  void nanSeriesIsNoData() {
    WIREMOCK.stubFor(get(urlPathEqualTo(QUERY_PATH)).willReturn(okJson(vector("NaN"))));

    assertThat(provider(PrometheusClient.builder(address())).query(MetricQuery.of("x")))
        .isInstanceOf(MetricResult.NoData.class);
  }

  @Test
  void alertCountsSeries() {
    WIREMOCK.stubFor(get(urlPathEqualTo(QUERY_PATH)).willReturn(okJson(vector("3", "5", "9"))));

    assertThat(provider(PrometheusClient.builder(address()))
        .query(new MetricQuery("errors > 2", MetricKind.ALERT, SeriesAggregation.NONE, null)))
        .isEqualTo(MetricResult.value(3));
  }

  @Test
  void manySeriesNameTheFirstThreeLabelSets() {
    WIREMOCK.stubFor(get(urlPathEqualTo(QUERY_PATH)).willReturn(okJson(vector("1", "2", "3", "4", "5"))));

    assertThat(failure(provider(PrometheusClient.builder(address())).query(MetricQuery.of("x"))))
        .contains("5 series")
        .contains("{pod=\"p0\"}, {pod=\"p1\"}, {pod=\"p2\"} and 2 more")
        .doesNotContain("p3");
  }

  @Test
  void queryWhitespaceIsCollapsedAndEvaluationTimeSent() {
    WIREMOCK.stubFor(get(urlPathEqualTo("/prom/api/v1/query")).willReturn(okJson(ONE_SERIES)));
    PrometheusMetricProvider provider = provider(PrometheusClient.builder(address() + "/prom/"));

    MetricResult result = provider.query(new MetricQuery("  sum(rate(x[1m]))\n  /\n\t sum(rate(y[1m]))  ",
        MetricKind.VALUE, SeriesAggregation.NONE, Instant.ofEpochMilli(1_700_000_780_500L)));

    assertThat(result).isEqualTo(MetricResult.value(1));
    WIREMOCK.verify(getRequestedFor(urlPathEqualTo("/prom/api/v1/query"))
        .withQueryParam("query", equalTo("sum(rate(x[1m])) / sum(rate(y[1m]))"))
        .withQueryParam("time", equalTo("1700000780.500")));
  }

  @Test
  void bearerTokenIsSent() {
    WIREMOCK.stubFor(get(urlPathEqualTo(QUERY_PATH)).willReturn(okJson(ONE_SERIES)));

    provider(PrometheusClient.builder(address()).bearerToken("tok-123")).query(MetricQuery.of("up"));

    WIREMOCK.verify(getRequestedFor(urlPathEqualTo(QUERY_PATH)).withHeader("Authorization", equalTo("Bearer tok-123")));
  }

  @Test
  void basicAuthIsSent() {
    WIREMOCK.stubFor(get(urlPathEqualTo(QUERY_PATH)).willReturn(okJson(ONE_SERIES)));

    provider(PrometheusClient.builder(address()).basicAuth("alice", "pässword")).query(MetricQuery.of("up"));

    String expected = "Basic " + Base64.getEncoder().encodeToString("alice:pässword".getBytes(StandardCharsets.UTF_8));
    WIREMOCK.verify(getRequestedFor(urlPathEqualTo(QUERY_PATH)).withHeader("Authorization", equalTo(expected)));
  }

  @Test
  void credentialsOverrideAnAuthorizationHeader() {
    WIREMOCK.stubFor(get(urlPathEqualTo(QUERY_PATH)).willReturn(okJson(ONE_SERIES)));

    provider(PrometheusClient.builder(address()).header("Authorization", "Bearer from-headers")
        .bearerToken("from-secret")).query(MetricQuery.of("up"));

    LoggedRequest request = WIREMOCK.findAll(getRequestedFor(urlPathEqualTo(QUERY_PATH))).get(0);
    assertThat(request.getHeaders().getHeader("Authorization").values()).containsExactly("Bearer from-secret");
  }

  @Test
  void providersKeepTheirOwnHeadersAndHeadersDoNotGrow() {
    WIREMOCK.stubFor(get(urlPathEqualTo(QUERY_PATH)).willReturn(okJson(ONE_SERIES)));
    PrometheusMetricProvider tenantA = provider(PrometheusClient.builder(address())
        .header("X-Scope-OrgID", "tenant-a").bearerToken("token-a"));
    PrometheusMetricProvider tenantB = provider(PrometheusClient.builder(address())
        .header("X-Scope-OrgID", "tenant-b").header("X-Extra", "only-b"));

    for (int i = 0; i < 3; i++) {
      tenantA.query(MetricQuery.of("a"));
      tenantB.query(MetricQuery.of("b"));
    }

    List<LoggedRequest> requests = WIREMOCK.findAll(getRequestedFor(urlPathEqualTo(QUERY_PATH)));
    assertThat(requests).hasSize(6);
    for (LoggedRequest r : requests) {
      boolean isA = "a".equals(r.queryParameter("query").firstValue());
      assertThat(r.getHeaders().getHeader("X-Scope-OrgID").values())
          .containsExactly(isA ? "tenant-a" : "tenant-b");
      if (isA) {
        assertThat(r.getHeaders().getHeader("Authorization").values()).containsExactly("Bearer token-a");
        assertThat(r.containsHeader("X-Extra")).isFalse();
      } else {
        assertThat(r.containsHeader("Authorization")).isFalse();
        assertThat(r.getHeaders().getHeader("X-Extra").values()).containsExactly("only-b");
      }
    }
  }

  @Test
  void tlsIsVerifiedUnlessInsecureSkipVerify() {
    WIREMOCK.stubFor(get(urlPathEqualTo(QUERY_PATH)).willReturn(okJson(ONE_SERIES)));
    String https = WIREMOCK.getRuntimeInfo().getHttpsBaseUrl();

    String message = failure(provider(PrometheusClient.builder(https)).query(MetricQuery.of("up")));
    assertThat(message).contains("TLS").contains("insecureSkipVerify");
    assertThat(provider(PrometheusClient.builder(https)).isOnline()).isFalse();

    PrometheusMetricProvider insecure = provider(PrometheusClient.builder(https).insecureSkipVerify(true));
    assertThat(insecure.query(MetricQuery.of("up"))).isEqualTo(MetricResult.value(1));
    assertThat(insecure.isOnline()).isTrue();
  }

  @Test
  void isOnlineNeedsExactlyOne() {
    WIREMOCK.stubFor(get(urlPathEqualTo(QUERY_PATH)).willReturn(okJson(vector("2"))));
    assertThat(provider(PrometheusClient.builder(address())).isOnline()).isFalse();

    WIREMOCK.stubFor(get(urlPathEqualTo(QUERY_PATH)).willReturn(aResponse().withStatus(500)));
    assertThat(provider(PrometheusClient.builder(address())).isOnline()).isFalse();

    WIREMOCK.stubFor(get(urlPathEqualTo(QUERY_PATH)).willReturn(okJson(ONE_SERIES)));
    assertThat(provider(PrometheusClient.builder(address())).isOnline()).isTrue();
    WIREMOCK.verify(getRequestedFor(urlPathEqualTo(QUERY_PATH)).withQueryParam("query", equalTo("vector(1)")));
  }

  @Test
  void redirectsAreNotFollowed() {
    WIREMOCK.stubFor(get(urlPathEqualTo(QUERY_PATH)).willReturn(aResponse().withStatus(302)
        .withHeader("Location", "https://login.example.com/")));

    assertThat(failure(provider(PrometheusClient.builder(address())).query(MetricQuery.of("up"))))
        .contains("HTTP 302").contains("redirects are not followed");
  }

  @Test
  void invalidAddressesAreRejected() {
    assertThatThrownBy(() -> PrometheusClient.builder("prometheus:9090").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("address:");
    assertThatThrownBy(() -> PrometheusClient.builder(" ").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("address:");
    assertThatThrownBy(() -> PrometheusClient.builder(address()).timeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("timeout:");
  }
}
