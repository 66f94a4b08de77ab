package io.canaryanalysis.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.AlertSeverity;
import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.spec.AlertRef;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.spec.HttpMatch;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.MetricKind;
import io.canaryanalysis.api.spec.MetricTemplate;
import io.canaryanalysis.api.spec.MetricTemplateProvider;
import io.canaryanalysis.api.spec.NoDataPolicy;
import io.canaryanalysis.api.spec.ObjectMetadata;
import io.canaryanalysis.api.spec.ObjectReference;
import io.canaryanalysis.api.spec.ProviderRef;
import io.canaryanalysis.api.spec.SeriesAggregation;
import io.canaryanalysis.api.spec.SessionAffinity;
import io.canaryanalysis.api.spec.StringMatch;
import io.canaryanalysis.api.spec.TemplateRef;
import io.canaryanalysis.api.spec.Webhook;
import io.canaryanalysis.api.spec.WebhookType;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.api.status.ConditionStatus;
import io.canaryanalysis.api.status.StatusCondition;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each shipped sample manifest loads to exactly the expected model. */
class SampleManifestsTest {

  static String resource(String name) {
    try (InputStream in = SampleManifestsTest.class.getResourceAsStream("/manifests/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("missing test resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Canary podinfoTraefik() {
    return Canary.of("podinfo", "test", CanarySpec.builder()
        .provider("traefik")
        .targetRef(new ObjectReference("apps/v1", "Deployment", "podinfo"))
        .progressDeadlineSeconds(60)
        .service(CanaryService.builder().port(80).targetPort("9898").build())
        .analysis(Analysis.builder()
            .interval(Duration.ofSeconds(10))
            .threshold(10)
            .maxWeight(50)
            .stepWeight(5)
            .metrics(List.of(
                MetricCheck.builder("request-success-rate").interval(Duration.ofMinutes(1))
                    .thresholdRange(99.0, null).build(),
                MetricCheck.builder("request-duration").interval(Duration.ofMinutes(1))
                    .thresholdRange(null, 500.0).build()))
            .webhooks(List.of(
                new Webhook("acceptance-test", WebhookType.PRE_ROLLOUT, "http://flagger-loadtester.test/",
                    Duration.ofSeconds(10), 0, false, false, Map.of("type", "bash",
                    "cmd", "curl -sd 'test' http://podinfo-canary.test/token | grep token")),
                new Webhook("load-test", WebhookType.ROLLOUT, "http://flagger-loadtester.test/",
                    Duration.ofSeconds(5), 0, false, false, Map.of("type", "cmd",
                    "cmd", "hey -z 10m -q 10 -c 2 -host app.example.com http://traefik.traefik",
                    "logCmdOutput", "true"))))
            .build())
        .build());
  }

  static Canary istioAb() {
    CanaryService service = CanaryService.builder()
        .port(80)
        .targetPort("http")
        .portName("http-web")
        .gateways(List.of("public-gateway.istio-system.svc.cluster.local"))
        .hosts(List.of("app.example.com"))
        .trafficPolicy(Map.of("tls", Map.of("mode", "ISTIO_MUTUAL")))
        .retries(Map.of("attempts", 3, "perTryTimeout", "1s",
            "retryOn", "gateway-error,connect-failure,refused-stream"))
        .headers(Map.of("request", Map.of("add", Map.of("x-envoy-upstream-rq-timeout-ms", "15000"))))
        .corsPolicy(Map.of("allowOrigins", List.of(Map.of("exact", "https://example.com")),
            "allowMethods", List.of("GET"), "maxAge", "24h"))
        .rewrite(Map.of("uri", "/"))
        .timeout("30s")
        .match(List.of(new HttpMatch(StringMatch.prefix("/api"), null, null, null, Map.of(), Map.of(),
            Map.of())))
        .apex(new ObjectMetadata(Map.of(), Map.of("team", "web")))
        .build();
    Analysis analysis = Analysis.builder()
        .interval(Duration.ofMinutes(1))
        .threshold(5)
        .iterations(10)
        .match(List.of(
            HttpMatch.headers(Map.of("x-canary", StringMatch.regex(".*insider.*"))),
            HttpMatch.headers(Map.of("cookie", StringMatch.regex("^(.*?;)?(canary=always)(;.*)?$"))),
            new HttpMatch(null, StringMatch.exact("GET"), null, null, Map.of(),
                Map.of("canary", StringMatch.exact("true")), Map.of("app", "frontend"))))
        .sessionAffinity(new SessionAffinity("flagger-cookie", "primary-cookie", 21600))
        .metrics(List.of(
            MetricCheck.builder("request-success-rate").thresholdRange(99.0, null)
                .interval(Duration.ofMinutes(1)).build(),
            MetricCheck.builder("error-ratio").templateRef(new TemplateRef("error-ratio", "istio-system"))
                .templateVariables(Map.of("service", "abtest")).thresholdRange(null, 1.0)
                .onNoData(NoDataPolicy.HOLD).aggregation(SeriesAggregation.SUM).build()))
        .alerts(List.of(
            new AlertRef("on-call", AlertSeverity.ERROR, new ProviderRef("pagerduty", "flagger")),
            new AlertRef("chat", AlertSeverity.INFO, new ProviderRef("slack", null))))
        .build();
    return new Canary("abtest", "test", null, Map.of("app.kubernetes.io/name", "abtest"), Map.of(),
        CanarySpec.builder()
            .provider("istio")
            .targetRef(new ObjectReference("apps/v1", "Deployment", "abtest"))
            .service(service)
            .analysis(analysis)
            .build());
  }

  static Canary nginx() {
    return Canary.of("podinfo", "test", CanarySpec.builder()
        .provider("nginx")
        .targetRef(new ObjectReference("apps/v1", "Deployment", "podinfo"))
        .ingressRef(new ObjectReference("networking.k8s.io/v1", "Ingress", "podinfo"))
        .progressDeadlineSeconds(60)
        .service(CanaryService.builder().port(80).targetPort("9898").build())
        .analysis(Analysis.builder()
            .interval(Duration.ofSeconds(10))
            .threshold(10)
            .maxWeight(50)
            .stepWeight(5)
            .metrics(List.of(
                MetricCheck.builder("request-success-rate").threshold(99.0)
                    .interval(Duration.ofMinutes(1)).build(),
                MetricCheck.builder("latency").interval(Duration.ofSeconds(90))
                    .query("histogram_quantile(0.99, sum(rate(nginx_ingress_controller_request_duration_seconds_bucket{ingress=\"{{ ingress }}\"}[{{ interval }}])) by (le))")
                    .thresholdRange(null, 0.5).build(),
                MetricCheck.builder("error-spike").kind(MetricKind.ALERT)
                    .query("increase(nginx_ingress_controller_requests{status=~\"5..\"}[1m]) > 2").build()))
            .webhooks(List.of(
                new Webhook("gate", WebhookType.CONFIRM_TRAFFIC_INCREASE,
                    "http://flagger-loadtester.test/gate/approve", Duration.ofSeconds(10), 0, false, true,
                    Map.of()),
                new Webhook("load-test", WebhookType.ROLLOUT, "http://flagger-loadtester.test/",
                    Duration.ofSeconds(5), 2, false, false,
                    Map.of("cmd", "hey -z 1m -q 10 -c 2 http://app.example.com/"))))
            .build())
        .build());
  }

  static Canary blueGreen() {
    return Canary.of("podinfo", "default", CanarySpec.builder()
        .provider("kubernetes")
        .targetRef(new ObjectReference("apps/v1", "Deployment", "podinfo"))
        .progressDeadlineSeconds(120)
        .revertOnDeletion(true)
        .service(CanaryService.builder().name("podinfo-svc").port(9898).portDiscovery(true).build())
        .analysis(Analysis.builder()
            .interval(Duration.ofSeconds(30))
            .threshold(2)
            .iterations(10)
            .primaryReadyThreshold(50)
            .canaryReadyThreshold(80)
            .metrics(List.of(MetricCheck.builder("request-success-rate").thresholdRange(99.0, null)
                .interval(Duration.ofMinutes(1)).build()))
            .webhooks(List.of(
                new Webhook("conformance-test", WebhookType.PRE_ROLLOUT, "https://flagger-loadtester.test/",
                    Duration.ofSeconds(15), 0, true, false, Map.of("type", "bash",
                    "cmd", "curl -s http://podinfo-svc-canary.test:9898/healthz")),
                Webhook.of("promotion-gate", WebhookType.CONFIRM_PROMOTION,
                    "http://flagger-loadtester.test/gate/check"),
                Webhook.of("notify", WebhookType.POST_ROLLOUT, "http://notifier.test/done")
                    .withTimeout(Duration.ofMinutes(1))))
            .build())
        .build());
  }

  @Test
  void podinfoTraefikCanaryLoadsExactly() {
    CanaryDocument doc = CanaryManifests.readCanary(resource("podinfo-traefik.yaml"));
    assertThat(doc.canary()).isEqualTo(podinfoTraefik());
    assertThat(doc.status()).isNull();
    assertThat(doc.notices()).isEmpty();
  }

  @Test
  void istioAbTestWithMatchAndSessionAffinityLoadsExactly() {
    CanaryDocument doc = CanaryManifests.readCanary(resource("istio-ab.yaml"));
    assertThat(doc.canary()).isEqualTo(istioAb());
    assertThat(doc.canary().spec().analysis().strategy().flaggerName()).isEqualTo("ab-testing");
    assertThat(doc.notices()).isEmpty();
  }

  @Test
  void nginxJsonCanaryWithIngressRefLoadsExactly() {
    CanaryDocument doc = CanaryManifests.readCanary(resource("nginx-ingress.yaml"));
    assertThat(doc.canary()).isEqualTo(nginx());
    assertThat(doc.canary().spec().analysis().metrics().get(0).effectiveRange().min()).isEqualTo(99.0);
  }

  @Test
  void blueGreenCanaryWithoutNamespaceLoadsIntoTheDefaultNamespace() {
    CanaryDocument doc = CanaryManifests.readCanary(resource("bluegreen.yaml"));
    assertThat(doc.canary()).isEqualTo(blueGreen());
  }

  @Test
  void blueGreenCanaryTakesTheGivenDefaultNamespace() {
    CanaryDocument doc = CanaryManifests.readCanary(
        new java.io.StringReader(resource("bluegreen.yaml")), "staging");
    assertThat(doc.canary().namespace()).isEqualTo("staging");
  }

  @Test
  void metricTemplateWithSecretRefLoadsExactly() {
    MetricTemplate template = CanaryManifests.readMetricTemplate(resource("metric-template.yaml"));
    assertThat(template.name()).isEqualTo("error-ratio");
    assertThat(template.namespace()).isEqualTo("istio-system");
    assertThat(template.provider()).isEqualTo(new MetricTemplateProvider("prometheus",
        "https://prometheus.monitoring:9090", "prom-auth", Map.of("X-Scope-OrgID", "tenant-a"), true));
    assertThat(template.query()).startsWith("100 - sum(\n    rate(\n")
        .contains("destination_workload=\"{{ target }}\",")
        .endsWith("* 100\n");
  }

  @Test
  void storedCanaryLoadsWithStatusAndNotices() {
    CanaryDocument doc = CanaryManifests.readCanary(resource("stored-canary.yaml"));
    Canary expected = new Canary("podinfo", "prod", "0b6c1e52-8c1a-4d7e-9a37-5f6f0c1d2e3f", Map.of(),
        Map.of("kubectl.kubernetes.io/last-applied-configuration", "{}"),
        CanarySpec.builder()
            .targetRef(new ObjectReference("apps/v1", "Deployment", "podinfo"))
            .service(CanaryService.ofPort(9898))
            .analysis(Analysis.builder().interval(Duration.ofMinutes(1)).threshold(3)
                .stepWeights(List.of(1, 5, 20, 50)).stepWeightPromotion(25).build())
            .build());
    assertThat(doc.canary()).isEqualTo(expected);
    assertThat(doc.status()).isEqualTo(CanaryStatus.builder()
        .phase(CanaryPhase.PROGRESSING)
        .canaryWeight(20)
        .failedChecks(1)
        .lastAppliedSpec("5d8f7c9b6")
        .lastPromotedSpec("7c9d5b4f8")
        .lastTransitionTime(Instant.parse("2024-05-01T10:05:00Z"))
        .trackedConfigs(Map.of("configmap/podinfo-config", "8a2b3c4d5e6f7a8b"))
        .conditions(List.of(new StatusCondition("Promoted", ConditionStatus.UNKNOWN, "Progressing",
            "New revision detected, progressing canary analysis.", Instant.parse("2024-05-01T10:05:00Z"),
            Instant.parse("2024-05-01T08:02:00Z"))))
        .build());
    assertThat(doc.notices()).containsExactly(
        new SpecProblem("spec.canaryAnalysis", "deprecated; read as spec.analysis"),
        new SpecProblem("status.sessionAffinityCookie", "not kept by canary-analysis; ignored"));
  }

  @Test
  void mixedStreamYieldsTemplatesAndCanariesAndSkipsOtherKindsWithANotice() {
    ManifestSet set = CanaryManifests.readAll(resource("mixed-stream.yaml"));
    assertThat(set.metricTemplates()).containsExactly(new MetricTemplate("latency", "default",
        MetricTemplateProvider.prometheus("http://prometheus.monitoring:9090"),
        "histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket{namespace=\"{{ namespace }}\"}[{{ interval }}])) by (le))"));
    assertThat(set.canaries()).hasSize(1);
    Canary canary = set.canaries().get(0).canary();
    assertThat(canary).isEqualTo(Canary.of("podinfo", "default", CanarySpec.builder()
        .targetRef(new ObjectReference(null, null, "podinfo"))
        .service(CanaryService.ofPort(80))
        .analysis(Analysis.builder().interval(Duration.ofSeconds(15)).threshold(2).stepWeight(10)
            .metrics(List.of(MetricCheck.builder("latency").templateRef("latency")
                .thresholdRange(null, 0.5).build()))
            .build())
        .build()));
    assertThat(set.notices()).containsExactly(
        new SpecProblem("documents[0]", "skipped: apps/v1 Deployment is not a Canary or MetricTemplate"));
  }

  @Test
  void inputStreamAndStringReadTheSameCanary() {
    byte[] bytes = resource("podinfo-traefik.yaml").getBytes(StandardCharsets.UTF_8);
    CanaryDocument doc = CanaryManifests.readCanary(new java.io.ByteArrayInputStream(bytes));
    assertThat(doc.canary()).isEqualTo(podinfoTraefik());
  }
}
