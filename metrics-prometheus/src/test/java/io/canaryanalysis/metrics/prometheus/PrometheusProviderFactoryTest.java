package io.canaryanalysis.metrics.prometheus;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.canaryanalysis.api.MetricProvider;
import io.canaryanalysis.api.MetricQuery;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.SecretResolver;
import io.canaryanalysis.api.spec.MetricTemplateProvider;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Building providers from MetricTemplate provider specs: type, address, headers, TLS and Secrets. */
class PrometheusProviderFactoryTest {
  @RegisterExtension
  static final WireMockExtension WIREMOCK = WireMockExtension.newInstance()
      .options(wireMockConfig().dynamicPort().dynamicHttpsPort())
      .build();

  private static final String QUERY_PATH = "/api/v1/query";
  private static final String ONE = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
      + "\"result\":[{\"metric\":{},\"value\":[1700000000,\"1\"]}]}}";

  private final Map<String, Map<String, String>> secrets = new HashMap<>();
  private final List<String> lookups = new ArrayList<>();
  private final SecretResolver resolver = (namespace, name) -> {
    lookups.add(namespace + "/" + name);
    return Optional.ofNullable(secrets.get(namespace + "/" + name));
  };

  @BeforeEach
  void stubPrometheus() {
    WIREMOCK.stubFor(get(urlPathEqualTo(QUERY_PATH)).willReturn(okJson(ONE)));
  }

  private static MetricTemplateProvider spec(String address, String secretRef, Map<String, String> headers,
      boolean insecure) {
    return new MetricTemplateProvider("prometheus", address, secretRef, headers, insecure);
  }

  private static String http() {
    return WIREMOCK.getRuntimeInfo().getHttpBaseUrl();
  }

  @Test
  void unsupportedTypeIsNamed() {
    PrometheusProviderFactory factory = new PrometheusProviderFactory(resolver);

    assertThatThrownBy(() -> factory.create(new MetricTemplateProvider("datadog", "https://api.datadoghq.com",
        null, Map.of(), false), "test"))
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("provider.type")
        .hasMessageContaining("\"datadog\"")
        .satisfies(e -> assertThat(((ProviderException) e).retriable()).isFalse());
  }

  @Test
  void blankTypeMeansPrometheus() {
    MetricProvider provider = new PrometheusProviderFactory(resolver)
        .create(new MetricTemplateProvider("", http(), null, Map.of(), false), "test");

    assertThat(provider.query(MetricQuery.of("up"))).isEqualTo(MetricResult.value(1));
  }

  @Test
  void addressIsRequiredAndValidated() {
    PrometheusProviderFactory factory = new PrometheusProviderFactory(resolver);

    assertThatThrownBy(() -> factory.create(spec(null, null, Map.of(), false), "test"))
        .isInstanceOf(ProviderException.class).hasMessageStartingWith("provider.address");
    assertThatThrownBy(() -> factory.create(spec("prometheus.monitoring:9090", null, Map.of(), false), "test"))
        .isInstanceOf(ProviderException.class).hasMessageStartingWith("provider.address")
        .hasMessageContaining("prometheus.monitoring:9090");
  }

  @Test
  void invalidHeaderIsNamedWithoutItsValue() {
    PrometheusProviderFactory factory = new PrometheusProviderFactory(resolver);

    assertThatThrownBy(() -> factory.create(spec(http(), null, Map.of("X-Api-Key", "abc\r\nInjected: 1"), false),
        "test"))
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("provider.headers.X-Api-Key")
        .hasMessageNotContaining("abc")
        .hasMessageNotContaining("Injected");
  }

  @Test
  void tokenBecomesBearer() {
    secrets.put("test/prom-auth", Map.of("token", "tok-1\n", "username", "ignored", "password", "ignored"));

    new PrometheusProviderFactory(resolver).create(spec(http(), "prom-auth", Map.of(), false), "test")
        .query(MetricQuery.of("up"));

    WIREMOCK.verify(getRequestedFor(urlPathEqualTo(QUERY_PATH)).withHeader("Authorization", equalTo("Bearer tok-1")));
    assertThat(lookups).containsExactly("test/prom-auth");
  }

  @Test
  void usernameAndPasswordBecomeBasicAuth() {
    secrets.put("test/prom-auth", Map.of("username", "alice", "password", "s3cret"));

    new PrometheusProviderFactory(resolver).create(spec(http(), "prom-auth", Map.of(), false), "test")
        .query(MetricQuery.of("up"));

    String basic = "Basic " + Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8));
    WIREMOCK.verify(getRequestedFor(urlPathEqualTo(QUERY_PATH)).withHeader("Authorization", equalTo(basic)));
  }

  @Test
  void missingSecretIsNamed() {
    assertThatThrownBy(() -> new PrometheusProviderFactory(resolver)
        .create(spec(http(), "prom-auth", Map.of(), false), "test"))
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("secret test/prom-auth")
        .hasMessageContaining("not found");
  }

  @Test
  void missingKeysAreNamedWithoutValues() {
    PrometheusProviderFactory factory = new PrometheusProviderFactory(resolver);
    secrets.put("test/only-user", Map.of("username", "alice-user-value"));
    secrets.put("test/only-password", Map.of("password", "password-value-42"));
    secrets.put("test/empty", Map.of());

    assertThatThrownBy(() -> factory.create(spec(http(), "only-user", Map.of(), false), "test"))
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("secret test/only-user")
        .hasMessageContaining("no key \"password\"")
        .hasMessageNotContaining("alice-user-value");
    assertThatThrownBy(() -> factory.create(spec(http(), "only-password", Map.of(), false), "test"))
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("no key \"username\"")
        .hasMessageNotContaining("password-value-42");
    assertThatThrownBy(() -> factory.create(spec(http(), "empty", Map.of(), false), "test"))
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("\"token\", or \"username\" and \"password\"");
  }

  @Test
  void tokenThatCannotBeAHeaderIsRejectedWithoutItsValue() {
    secrets.put("test/prom-auth", Map.of("token", "abc\ndef-secret-part"));

    assertThatThrownBy(() -> new PrometheusProviderFactory(resolver)
        .create(spec(http(), "prom-auth", Map.of(), false), "test"))
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("key \"token\"")
        .hasMessageNotContaining("def-secret-part");
  }

  @Test
  void secretIsReadOnEveryCreateSoRotationTakesEffect() {
    PrometheusProviderFactory factory = new PrometheusProviderFactory(resolver);
    MetricTemplateProvider spec = spec(http(), "prom-auth", Map.of(), false);

    secrets.put("test/prom-auth", Map.of("token", "first"));
    factory.create(spec, "test").query(MetricQuery.of("first-query"));
    secrets.put("test/prom-auth", Map.of("token", "second"));
    factory.create(spec, "test").query(MetricQuery.of("second-query"));

    WIREMOCK.verify(getRequestedFor(urlPathEqualTo(QUERY_PATH)).withQueryParam("query", equalTo("first-query"))
        .withHeader("Authorization", equalTo("Bearer first")));
    WIREMOCK.verify(getRequestedFor(urlPathEqualTo(QUERY_PATH)).withQueryParam("query", equalTo("second-query"))
        .withHeader("Authorization", equalTo("Bearer second")));
  }

  @Test
  void providersFromOneFactoryKeepTheirOwnHeaders() {
    PrometheusProviderFactory factory = new PrometheusProviderFactory(resolver);
    MetricProvider a = factory.create(spec(http(), null, Map.of("X-Scope-OrgID", "team-a"), false), "test");
    MetricProvider b = factory.create(spec(http(), null, Map.of("X-Scope-OrgID", "team-b"), false), "test");

    a.query(MetricQuery.of("qa"));
    b.query(MetricQuery.of("qb"));
    a.query(MetricQuery.of("qa"));

    var requests = WIREMOCK.findAll(getRequestedFor(urlPathEqualTo(QUERY_PATH)));
    assertThat(requests).hasSize(3).allSatisfy(r -> assertThat(r.getHeaders().getHeader("X-Scope-OrgID").values())
        .containsExactly("qa".equals(r.queryParameter("query").firstValue()) ? "team-a" : "team-b"));
  }

  @Test
  void insecureSkipVerifyFromTheSpec() {
    String https = WIREMOCK.getRuntimeInfo().getHttpsBaseUrl();
    PrometheusProviderFactory factory = new PrometheusProviderFactory(resolver);

    assertThat(factory.create(spec(https, null, Map.of(), false), "test").query(MetricQuery.of("up")))
        .isInstanceOf(MetricResult.Failed.class);
    assertThat(factory.create(spec(https, null, Map.of(), true), "test").query(MetricQuery.of("up")))
        .isEqualTo(MetricResult.value(1));
  }

  @Test
  void configuredTimeoutApplies() {
    WIREMOCK.stubFor(get(urlPathEqualTo(QUERY_PATH)).willReturn(okJson(ONE).withFixedDelay(2_000)));

    MetricResult result = new PrometheusProviderFactory(resolver, Duration.ofMillis(250))
        .create(spec(http(), null, Map.of(), false), "test").query(MetricQuery.of("up"));

    assertThat(result).isInstanceOf(MetricResult.Failed.class);
    assertThat(((MetricResult.Failed) result).message()).contains("timed out after 250ms");
  }
}
