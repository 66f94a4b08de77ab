package io.canaryanalysis.alerts;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.canaryanalysis.api.CanaryAlert;
import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.EventSink;
import io.canaryanalysis.api.EventType;
import io.canaryanalysis.api.SecretResolver;
import io.canaryanalysis.api.spec.ProviderRef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Retries, timeouts, redirects, proxies, secrets and the asynchronous sink, against WireMock. */
class AlertDeliveryWireMockTest {
  @RegisterExtension
  static final WireMockExtension WIREMOCK = WireMockExtension.newInstance()
      .options(wireMockConfig().dynamicPort()).build();

  private static final String PATH = "/services/T000/B000/hook";
  private final List<Duration> sleeps = new ArrayList<>();
  private final List<HttpAlertSender> senders = new ArrayList<>();

  @AfterEach
  void close() {
    senders.forEach(HttpAlertSender::close);
  }

  private HttpAlertSender.Builder builder(AlertProviderConfig... providers) {
    return HttpAlertSender.builder()
        .providers(AlertProviders.of(List.of(providers)))
        .backoff(Duration.ofMillis(100), Duration.ofMillis(250))
        .sleeper(d -> sleeps.add(d));
  }

  private HttpAlertSender build(HttpAlertSender.Builder builder) {
    HttpAlertSender sender = builder.build();
    senders.add(sender);
    return sender;
  }

  private static AlertProviderConfig slack(String address) {
    return AlertProviderConfig.of("slack", "test", AlertProviderType.SLACK, address);
  }

  private static CanaryAlert rollback() {
    return Alerts.rollback(new ProviderRef("slack", null));
  }

  @Test
  void retriesServerErrorsWithBoundedBackoffUntilDelivered() {
    WIREMOCK.stubFor(post(urlEqualTo(PATH)).inScenario("flaky").whenScenarioStateIs(STARTED)
        .willReturn(aResponse().withStatus(503)).willSetStateTo("second"));
    WIREMOCK.stubFor(post(urlEqualTo(PATH)).inScenario("flaky").whenScenarioStateIs("second")
        .willReturn(aResponse().withStatus(502)).willSetStateTo("third"));
    WIREMOCK.stubFor(post(urlEqualTo(PATH)).inScenario("flaky").whenScenarioStateIs("third")
        .willReturn(aResponse().withStatus(200)));

    List<AlertDelivery> results = build(builder(slack(WIREMOCK.baseUrl() + PATH))
        .maxAttempts(3)).deliver(rollback());

    assertThat(results).singleElement().satisfies(r -> {
      assertThat(r.delivered()).isTrue();
      assertThat(r.attempts()).isEqualTo(3);
    });
    assertThat(sleeps).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
    WIREMOCK.verify(3, postRequestedFor(urlEqualTo(PATH)));
  }

  @Test
  void givesUpAfterMaxAttemptsWithBackoffCapped() {
    WIREMOCK.stubFor(post(urlEqualTo(PATH)).willReturn(aResponse().withStatus(500)
        .withBody("internal")));
    List<AlertDelivery> results = build(builder(slack(WIREMOCK.baseUrl() + PATH))
        .maxAttempts(4)).deliver(rollback());
    assertThat(results).singleElement().satisfies(r -> {
      assertThat(r.delivered()).isFalse();
      assertThat(r.attempts()).isEqualTo(4);
      assertThat(r.status()).isEqualTo(500);
      assertThat(r.detail()).contains("bad response 500: internal");
    });
    assertThat(sleeps).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200),
        Duration.ofMillis(250));
    WIREMOCK.verify(4, postRequestedFor(urlEqualTo(PATH)));
  }

  @Test
  void retries429() {
    WIREMOCK.stubFor(post(urlEqualTo(PATH)).inScenario("limited").whenScenarioStateIs(STARTED)
        .willReturn(aResponse().withStatus(429)).willSetStateTo("ok"));
    WIREMOCK.stubFor(post(urlEqualTo(PATH)).inScenario("limited").whenScenarioStateIs("ok")
        .willReturn(aResponse().withStatus(200)));
    assertThat(build(builder(slack(WIREMOCK.baseUrl() + PATH))).deliver(rollback()))
        .singleElement().satisfies(r -> assertThat(r.attempts()).isEqualTo(2));
  }

  @Test
  void doesNotRetryClientErrors() {
    for (int status : new int[] {400, 403, 404, 410}) {
      WIREMOCK.resetAll();
      WIREMOCK.stubFor(post(urlEqualTo(PATH)).willReturn(aResponse().withStatus(status)
          .withBody("invalid_payload")));
      assertThat(build(builder(slack(WIREMOCK.baseUrl() + PATH))).deliver(rollback()))
          .singleElement().satisfies(r -> {
            assertThat(r.delivered()).isFalse();
            assertThat(r.attempts()).isEqualTo(1);
            assertThat(r.status()).isEqualTo(status);
            assertThat(r.detail()).contains("invalid_payload");
          });
      WIREMOCK.verify(1, postRequestedFor(urlEqualTo(PATH)));
    }
    assertThat(sleeps).isEmpty();
  }

  @Test
  void retriesConnectionResets() {
    WIREMOCK.stubFor(post(urlEqualTo(PATH)).inScenario("reset").whenScenarioStateIs(STARTED)
        .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)).willSetStateTo("ok"));
    WIREMOCK.stubFor(post(urlEqualTo(PATH)).inScenario("reset").whenScenarioStateIs("ok")
        .willReturn(aResponse().withStatus(200)));
    assertThat(build(builder(slack(WIREMOCK.baseUrl() + PATH))).deliver(rollback()))
        .singleElement().satisfies(r -> {
          assertThat(r.delivered()).isTrue();
          assertThat(r.attempts()).isEqualTo(2);
        });
  }

  @Test
  void eachAttemptIsBoundedByTheTimeout() {
    WIREMOCK.stubFor(post(urlEqualTo(PATH)).willReturn(aResponse().withStatus(200)
        .withFixedDelay(3000)));
    long start = System.nanoTime();
    List<AlertDelivery> results = build(builder(slack(WIREMOCK.baseUrl() + PATH))
        .timeout(Duration.ofMillis(200)).maxAttempts(2)).deliver(rollback());
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

    assertThat(results).singleElement().satisfies(r -> {
      assertThat(r.delivered()).isFalse();
      assertThat(r.attempts()).isEqualTo(2);
      assertThat(r.detail()).startsWith("timed out");
    });
    assertThat(elapsed).isLessThan(Duration.ofMillis(2500));
  }

  @Test
  void redirectsAreNotFollowed() {
    WIREMOCK.stubFor(post(urlEqualTo(PATH)).willReturn(aResponse().withStatus(302)
        .withHeader("Location", WIREMOCK.baseUrl() + "/elsewhere")));
    WIREMOCK.stubFor(post(urlEqualTo("/elsewhere")).willReturn(aResponse().withStatus(200)));
    assertThat(build(builder(slack(WIREMOCK.baseUrl() + PATH))).deliver(rollback()))
        .singleElement().satisfies(r -> {
          assertThat(r.delivered()).isFalse();
          assertThat(r.attempts()).isEqualTo(1);
          assertThat(r.status()).isEqualTo(302);
          assertThat(r.detail()).contains("redirects are not followed");
        });
    WIREMOCK.verify(0, postRequestedFor(urlEqualTo("/elsewhere")));
  }

  @Test
  void postsThroughTheProviderProxy() {
    // WireMock acts as the proxy: the request for an unresolvable host reaches it as a proxy
    // request (absolute URI, Host of the target).
    WIREMOCK.stubFor(post(urlEqualTo(PATH)).willReturn(aResponse().withStatus(200)));
    AlertProviderConfig provider = slack("http://hooks.slack.invalid" + PATH)
        .withProxy(WIREMOCK.baseUrl());
    assertThat(build(builder(provider)).deliver(rollback())).singleElement()
        .satisfies(r -> assertThat(r.delivered()).as(r.detail()).isTrue());
    WIREMOCK.verify(postRequestedFor(urlEqualTo(PATH))
        .withHeader("Host", equalTo("hooks.slack.invalid")));
  }

  @Test
  void answersProxyAuthenticationWithTheProxyCredentials() {
    WIREMOCK.stubFor(post(urlEqualTo(PATH)).withHeader("Proxy-Authorization", absent())
        .willReturn(aResponse().withStatus(407)
            .withHeader("Proxy-Authenticate", "Basic realm=\"proxy\"")));
    WIREMOCK.stubFor(post(urlEqualTo(PATH))
        .withHeader("Proxy-Authorization", matching("Basic .+"))
        .willReturn(aResponse().withStatus(200)));
    String proxy = WIREMOCK.baseUrl().replace("http://", "http://proxyuser:proxy-pass@");
    AlertProviderConfig provider = slack("http://hooks.slack.invalid" + PATH).withProxy(proxy);
    assertThat(build(builder(provider)).deliver(rollback())).singleElement()
        .satisfies(r -> assertThat(r.delivered()).as(r.detail()).isTrue());
    WIREMOCK.verify(postRequestedFor(urlEqualTo(PATH)).withHeader("Proxy-Authorization",
        equalTo(okhttp3.Credentials.basic("proxyuser", "proxy-pass"))));
  }

  @Test
  void secretProblemsFailWithoutARequest() {
    WIREMOCK.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(200)));
    AlertProviderConfig provider = new AlertProviderConfig("slack", "test",
        AlertProviderType.SLACK, null, null, WIREMOCK.baseUrl() + PATH, null, "slack-secret");

    HttpAlertSender missing = build(builder(provider).secrets(SecretResolver.none()));
    assertThat(missing.deliver(rollback())).singleElement().satisfies(r -> {
      assertThat(r.delivered()).isFalse();
      assertThat(r.attempts()).isZero();
      assertThat(r.detail()).contains("secret test/slack-secret").contains("not found");
    });
    HttpAlertSender noAddress = build(builder(provider)
        .secrets((ns, name) -> Optional.of(Map.of("token", "t"))));
    assertThat(noAddress.deliver(rollback())).singleElement()
        .satisfies(r -> assertThat(r.detail()).contains("does not contain an address"));
    WIREMOCK.verify(0, postRequestedFor(anyUrl()));
  }

  @Test
  void theSecretsAddressReplacesTheSpecAddress() {
    WIREMOCK.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(200)));
    AlertProviderConfig provider = new AlertProviderConfig("slack", "test",
        AlertProviderType.SLACK, null, null, WIREMOCK.baseUrl() + "/spec", null, "slack-secret");
    build(builder(provider).secrets((ns, name) -> Optional.of(Map.of("address",
        WIREMOCK.baseUrl() + "/from-secret")))).deliver(rollback());
    WIREMOCK.verify(1, postRequestedFor(urlEqualTo("/from-secret")));
    WIREMOCK.verify(0, postRequestedFor(urlEqualTo("/spec")));
  }

  @Test
  void providerReferencesResolveInTheCanaryNamespaceOrTheirOwn() {
    WIREMOCK.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(200)));
    AlertProviderConfig local = slack(WIREMOCK.baseUrl() + "/local");
    AlertProviderConfig shared = AlertProviderConfig.of("shared", "flagger-system",
        AlertProviderType.MSTEAMS, WIREMOCK.baseUrl() + "/shared");
    List<AlertDelivery> results = build(builder(local, shared)).deliver(Alerts.rollback(
        new ProviderRef("slack", null), new ProviderRef("shared", "flagger-system"),
        new ProviderRef("absent", null)));
    assertThat(results).extracting(AlertDelivery::provider)
        .containsExactly("test/slack", "flagger-system/shared", "test/absent");
    assertThat(results).extracting(AlertDelivery::delivered).containsExactly(true, true, false);
    assertThat(results.get(2).detail()).isEqualTo("alert provider test/absent not found");
  }

  @Test
  void theListenerSeesEveryOutcomeWithItsDuration() {
    WIREMOCK.stubFor(post(urlEqualTo("/slow")).willReturn(aResponse().withStatus(200)
        .withFixedDelay(200)));
    List<AlertDelivery> seen = new ArrayList<>();
    AlertProviderConfig slow = slack(WIREMOCK.baseUrl() + "/slow");
    List<AlertDelivery> results = build(builder(slow).listener(seen::add).providers(
        (ns, name) -> {
          if (name.equals("broken")) {
            throw new IllegalStateException("informer not synced");
          }
          return name.equals("slack") ? Optional.of(slow) : Optional.empty();
        }))
        .deliver(Alerts.rollback(new ProviderRef("slack", null), new ProviderRef("broken", null)));
    assertThat(seen).isEqualTo(results);
    assertThat(seen.get(0).delivered()).isTrue();
    assertThat(seen.get(0).elapsed()).isGreaterThanOrEqualTo(Duration.ofMillis(200));
    assertThat(seen.get(1).detail())
        .isEqualTo("alert provider test/broken could not be read: IllegalStateException");
  }

  @Test
  void alertsWithoutProvidersGoToTheGlobalProviderOrNowhere() {
    WIREMOCK.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(200)));
    assertThat(build(builder()).deliver(Alerts.rollback())).isEmpty();
    List<AlertDelivery> results = build(builder().globalProvider(AlertProviderConfig.of("global",
        "flagger-system", AlertProviderType.MSTEAMS, WIREMOCK.baseUrl() + "/global")))
        .deliver(Alerts.rollback());
    assertThat(results).singleElement().satisfies(r -> {
      assertThat(r.provider()).isEqualTo("global");
      assertThat(r.delivered()).isTrue();
    });
    WIREMOCK.verify(1, postRequestedFor(urlEqualTo("/global")));
  }

  @Test
  void invalidAddressesFailWithoutARequest() {
    assertThat(build(builder(slack("not a url"))).deliver(rollback())).singleElement()
        .satisfies(r -> {
          assertThat(r.delivered()).isFalse();
          assertThat(r.detail()).contains("invalid slack hook URL").doesNotContain("not a url");
        });
  }

  @Test
  void theSinkDeliversAsynchronouslyAndForwardsEverything() throws Exception {
    WIREMOCK.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(200)
        .withFixedDelay(1000)));
    HttpAlertSender sender = build(builder(slack(WIREMOCK.baseUrl() + PATH)));
    List<Object> forwarded = new CopyOnWriteArrayList<>();
    EventSink sink = sender.alongside(new EventSink() {
      @Override
      public void event(CanaryEvent event) {
        forwarded.add(event);
      }

      @Override
      public void alert(CanaryAlert alert) {
        forwarded.add(alert);
      }
    });
    long start = System.nanoTime();
    sink.alert(rollback());
    sink.event(new CanaryEvent("podinfo", "test", EventType.WARNING, null,
        "Rolling back podinfo.test failed checks threshold reached 3", Alerts.TIME));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(800));
    assertThat(forwarded).hasSize(2);

    sender.close(); // drains the queue
    WIREMOCK.verify(1, postRequestedFor(urlEqualTo(PATH)));
  }

  @Test
  void aFullQueueDropsInsteadOfBlocking() {
    WIREMOCK.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(200).withFixedDelay(1000)));
    HttpAlertSender sender = build(builder(slack(WIREMOCK.baseUrl() + PATH)).queueCapacity(1));
    long start = System.nanoTime();
    for (int i = 0; i < 5; i++) {
      sender.alert(rollback());
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(800));
    sender.close();
    // one running, one queued; the other three were dropped
    WIREMOCK.verify(2, postRequestedFor(urlEqualTo(PATH)));
  }
}
