package io.canaryanalysis.metrics.prometheus;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.github.tomakehurst.wiremock.extension.responsetemplating.ResponseTemplateTransformer;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.canaryanalysis.api.CanaryAlert;
import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.EventSink;
import io.canaryanalysis.api.Readiness;
import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.SecretResolver;
import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.WebhookPayload;
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
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Distinct secrets planted in every place one can be given: Prometheus address user info (a
 * password with {@code /}), {@code ?token=} query values, provider headers, Secret-resolved bearer
 * tokens and basic credentials, webhook URL user info and query tokens, a redirect Location.
 * Receivers echo them back. The analysis engine runs with the real Prometheus provider and
 * webhook caller; no event, status, exception, {@code toString()} or log line (TRACE, captured)
 * may contain any of them.
 */
class SecretsEverywhereTest {
  @RegisterExtension
  static final WireMockExtension WIREMOCK = WireMockExtension.newInstance()
      .options(wireMockConfig().dynamicPort().extensions(new ResponseTemplateTransformer(false)))
      .build();

  private static final String PROM_USER = "promuser-SECRET-01";
  private static final String PROM_PASS = "pa/ss-SECRET-02";
  private static final String QUERY_TOKEN = "qtok-SECRET-03";
  private static final String HEADER_KEY = "hdrkey-SECRET-04";
  private static final String HEADER_BEARER = "hdrbearer-SECRET-05";
  private static final String RESOLVED_TOKEN = "restok-SECRET-06";
  private static final String RESOLVED_USER = "resuser-SECRET-07";
  private static final String RESOLVED_PASS = "res/pass-SECRET-08";
  private static final String HOOK_USER = "hookuser-SECRET-09";
  private static final String HOOK_PASS = "hook/pass-SECRET-10";
  private static final String HOOK_TOKEN = "hooktok-SECRET-11";
  private static final String LOCATION_TOKEN = "loctok-SECRET-12";
  private static final List<String> SECRETS = List.of(PROM_USER, PROM_PASS, QUERY_TOKEN, HEADER_KEY,
      HEADER_BEARER, RESOLVED_TOKEN, RESOLVED_USER, RESOLVED_PASS, HOOK_USER, HOOK_PASS, HOOK_TOKEN,
      LOCATION_TOKEN, b64(PROM_USER + ":" + PROM_PASS), b64(RESOLVED_USER + ":" + RESOLVED_PASS),
      b64(HOOK_USER + ":" + HOOK_PASS), "SECRET-");

  private final ByteArrayOutputStream capturedErr = new ByteArrayOutputStream();
  private PrintStream originalErr;
  private final List<String> observed = new ArrayList<>();
  private final List<CanaryEvent> events = new ArrayList<>();

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @BeforeEach
  void captureLogs() {
    originalErr = System.err;
    System.setErr(new PrintStream(capturedErr, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restoreLogs() {
    System.setErr(originalErr);
  }

  private static final class Router implements TrafficRouter {
    @Override
    public String kind() {
      return "traefik";
    }

    TrafficSplit split = TrafficSplit.canary(10);

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

  @Test
  void noSecretReachesEventsStatusExceptionsToStringOrLogs() {
    // Every receiver echoes what it was sent: headers, user info (as Authorization) and the URL.
    String echo = "denied {{request.headers.Authorization}} {{request.headers.[X-Api-Key]}} "
        + "{{request.url}}";
    WIREMOCK.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(500).withBody(echo)
        .withTransformers("response-template")));
    WIREMOCK.stubFor(post(urlPathEqualTo("/promote")).willReturn(aResponse().withStatus(302)
        .withHeader("Location", "https://login.example/sso?token=" + LOCATION_TOKEN)));
    int port = WIREMOCK.getPort();
    String prom = "http://" + PROM_USER + ":" + PROM_PASS.replace("/", "%2F") + "@localhost:" + port
        + "/?token=" + QUERY_TOKEN;
    Map<String, MetricTemplate> templates = new HashMap<>();
    templates.put("userinfo", new MetricTemplate("userinfo", "test",
        new MetricTemplateProvider("prometheus", prom, null, Map.of("X-Api-Key", HEADER_KEY), false), "up"));
    templates.put("raw-slash", new MetricTemplate("raw-slash", "test",
        MetricTemplateProvider.prometheus("http://" + PROM_USER + ":" + PROM_PASS + "@localhost:" + port), "up"));
    templates.put("header-bearer", new MetricTemplate("header-bearer", "test",
        new MetricTemplateProvider("prometheus", "http://localhost:" + port, null,
            Map.of("Authorization", "Bearer " + HEADER_BEARER), false), "up"));
    templates.put("resolved-token", new MetricTemplate("resolved-token", "test",
        new MetricTemplateProvider("prometheus", "http://localhost:" + port, "prom-token", Map.of(), false), "up"));
    templates.put("resolved-basic", new MetricTemplate("resolved-basic", "test",
        new MetricTemplateProvider("prometheus", "http://localhost:" + port, "prom-basic", Map.of(), false), "up"));
    SecretResolver secrets = (ns, name) -> Optional.of(name.equals("prom-token")
        ? Map.of("token", RESOLVED_TOKEN) : Map.of("username", RESOLVED_USER, "password", RESOLVED_PASS));
    String hookBase = "http://" + HOOK_USER + ":" + HOOK_PASS.replace("/", "%2F") + "@localhost:" + port;
    List<Webhook> hooks = List.of(
        new Webhook("load", WebhookType.ROLLOUT, hookBase + "/load?token=" + HOOK_TOKEN, null, 1, false,
            false, Map.of("cmd", "curl -H 'Authorization: Bearer " + HOOK_TOKEN + "' http://x")),
        new Webhook("promote", WebhookType.CONFIRM_PROMOTION, hookBase + "/promote?token=" + HOOK_TOKEN,
            null, 0, false, false, Map.of()),
        new Webhook("events", WebhookType.EVENT, hookBase + "/events?token=" + HOOK_TOKEN, null, 0,
            false, false, Map.of()));
    EventSink sink = new EventSink() {
      @Override
      public void event(CanaryEvent event) {
        events.add(event);
      }

      @Override
      public void alert(CanaryAlert alert) {
        observed.add(alert.toString());
      }
    };
    PrometheusProviderFactory factory = new PrometheusProviderFactory(secrets, Duration.ofSeconds(5));
    Router router = new Router();
    try (HttpWebhookCaller caller = HttpWebhookCaller.builder().initialBackoff(Duration.ZERO).build()) {
      AnalysisEngine engine = AnalysisEngine.builder()
          .router(router)
          .statusStore((canary, next) -> Optional.of("2"))
          .workload(new ReadyWorkload())
          .eventSink(sink)
          .webhookCaller(caller)
          .metrics(new io.canaryanalysis.api.MetricBackend(factory.create(templates.get("userinfo").provider(), "test"), (name, kind) -> Optional.of("up"), factory))
          .metricTemplateSource((ns, name) -> Optional.ofNullable(templates.get(name)))
          .clock(InstantSource.fixed(Instant.parse("2024-05-01T10:00:00Z")))
          .build();
      CanaryStatus progressing = CanaryStatus.builder().phase(CanaryPhase.PROGRESSING)
          .lastAppliedSpec("rev-2").lastPromotedSpec("rev-1").preRolloutPassed(true).canaryWeight(10)
          .build();

      // One canary per place a secret can be given, so the first failure does not hide the rest.
      List<Canary> canaries = new ArrayList<>();
      canaries.add(canary(Analysis.builder().webhooks(hooks)));
      Canary atPromotion = canary(Analysis.builder().webhooks(hooks.subList(1, 3)));
      for (String template : templates.keySet()) {
        canaries.add(canary(Analysis.builder().metrics(List.of(MetricCheck.builder("m-" + template)
            .templateRef(template).thresholdRange(null, 1.0).build())).webhooks(hooks.subList(2, 3))));
      }
      canaries.add(Canary.of("podinfo", "test", CanarySpec.builder().deployment("podinfo")
          .service(CanaryService.ofPort(9898)).metricsServer(prom)
          .analysis(Analysis.builder().interval(Duration.ofMinutes(1)).threshold(5).stepWeight(10)
              .maxWeight(50).metrics(List.of(MetricCheck.builder(MetricCheck.REQUEST_SUCCESS_RATE)
                  .thresholdRange(99.0, null).build())).build())
          .build()));
      router.split = TrafficSplit.canary(50);
      TickReport promotion = engine.reconcile(atPromotion, progressing.toBuilder().canaryWeight(50).build());
      assertThat(promotion.status().phase()).isEqualTo(CanaryPhase.WAITING_PROMOTION);
      observed.add(promotion.toString());
      router.split = TrafficSplit.canary(10);
      observed.add(caller.call(hooks.get(1), new WebhookPayload("podinfo", "test", "Progressing", "c",
          Map.of())).toString());
      for (Canary canary : canaries) {
        observed.add(canary.toString());
        TickReport report = engine.reconcile(canary, progressing);
        observed.add(report.toString());
        observed.add(report.status().toString());
      }
      observed.add(caller.toString());
      observed.add(caller.call(hooks.get(0), new WebhookPayload("podinfo", "test", "Progressing", "c",
          Map.of("token", HOOK_TOKEN))).toString());
      caller.close(Duration.ofSeconds(10));
    }
    templates.values().forEach(t -> observed.add(t.toString()));
    hooks.forEach(h -> observed.add(h.toString()));
    observed.add(factory.toString());
    observed.add(factory.create(templates.get("resolved-basic").provider(), "test").toString());
    observed.add(String.valueOf(catchThrowable(() -> factory.create(templates.get("raw-slash").provider(), "test"))));
    observed.add(String.valueOf(catchThrowable(() -> PrometheusClient.builder(
        "http://" + PROM_USER + ":" + PROM_PASS + "@host:x").build())));
    events.forEach(e -> observed.add(e.toString()));

    System.err.flush();
    String logs = capturedErr.toString(StandardCharsets.UTF_8);
    String all = String.join("\n", observed);
    // The failures really happened, were reported, and the receivers really echoed.
    assertThat(all).contains("HTTP 500");
    assertThat(all).contains("denied ***");
    assertThat(all).contains("redirect to https://login.example/sso?token=***");
    assertThat(all).contains("provider.address: not an http or https URL: http://***@localhost:" + port);
    assertThat(events).extracting(CanaryEvent::message).anyMatch(m -> m.contains("external check load failed"));
    assertThat(logs).contains("DEBUG").contains("event webhook events").contains("Prometheus at");
    for (String secret : SECRETS) {
      assertThat(logs).as("logs").doesNotContain(secret);
      assertThat(all).as("events, statuses, exceptions, toString").doesNotContain(secret);
    }
  }

  private static Canary canary(Analysis.Builder analysis) {
    return Canary.of("podinfo", "test", CanarySpec.builder().deployment("podinfo")
        .service(CanaryService.ofPort(9898))
        .analysis(analysis.interval(Duration.ofMinutes(1)).threshold(5).stepWeight(10).maxWeight(50).build())
        .build());
  }
}
