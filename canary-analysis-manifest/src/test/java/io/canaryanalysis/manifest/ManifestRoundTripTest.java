package io.canaryanalysis.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.canaryanalysis.api.AlertSeverity;
import io.canaryanalysis.api.spec.AlertRef;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.AutoscalerRef;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.spec.GatewayRef;
import io.canaryanalysis.api.spec.HttpMatch;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.MetricKind;
import io.canaryanalysis.api.spec.MetricTemplate;
import io.canaryanalysis.api.spec.MetricTemplateProvider;
import io.canaryanalysis.api.spec.NoDataPolicy;
import io.canaryanalysis.api.spec.ObjectMetadata;
import io.canaryanalysis.api.spec.ObjectReference;
import io.canaryanalysis.api.spec.ProviderRef;
import io.canaryanalysis.api.spec.ScalerReplicas;
import io.canaryanalysis.api.spec.SeriesAggregation;
import io.canaryanalysis.api.spec.SessionAffinity;
import io.canaryanalysis.api.spec.StringMatch;
import io.canaryanalysis.api.spec.TemplateRef;
import io.canaryanalysis.api.spec.ThresholdRange;
import io.canaryanalysis.api.spec.Webhook;
import io.canaryanalysis.api.spec.WebhookType;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.api.status.CheckKind;
import io.canaryanalysis.api.status.ConditionStatus;
import io.canaryanalysis.api.status.FailureReason;
import io.canaryanalysis.api.status.StatusCondition;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Writing a canary and reading it back gives the same model: load(write(x)) == x. */
class ManifestRoundTripTest {

  /** A canary that sets every field the model has, with values that tempt a YAML writer to mistype them. */
  static Canary everything() {
    CanaryService service = CanaryService.builder()
        .name("web")
        .port(8080)
        .portName("http-web")
        .targetPort("0123")
        .appProtocol("http")
        .portDiscovery(true)
        .headless(true)
        .hosts(List.of("app.example.com", "*.example.org"))
        .gateways(List.of("mesh", "istio-system/public"))
        .gatewayRefs(List.of(new GatewayRef(null, null, null, "public", null, null),
            new GatewayRef("gateway.networking.k8s.io", "Gateway", "infra", "edge", "https", 443)))
        .backendTimeout("30s")
        .match(List.of(new HttpMatch(StringMatch.exact("/"), StringMatch.prefix("GE"), StringMatch.suffix("s"),
            StringMatch.regex("^a.*"), Map.of("x-a", StringMatch.exact("true")),
            Map.of("q", StringMatch.prefix("123")), Map.of("app", "yes"))))
        .rewrite(Map.of("uri", "/v2", "authority", "web.internal"))
        .timeout("15s")
        .retries(Map.of("attempts", 3, "perTryTimeout", "2s", "retryRemoteLocalities", true))
        .headers(Map.of("response", Map.of("remove", List.of("x-internal"))))
        .corsPolicy(Map.of("allowCredentials", false, "maxAge", "24h",
            "allowOrigins", List.of(Map.of("regex", ".*\\.example\\.com"))))
        .trafficPolicy(Map.of("connectionPool", Map.of("http", Map.of("http1MaxPendingRequests", 1024)),
            "loadBalancer", Map.of("simple", "LEAST_REQUEST", "warmupDurationSecs", 1.5)))
        .apex(new ObjectMetadata(Map.of("tier", "edge"), Map.of("note", "null")))
        .primary(new ObjectMetadata(Map.of("role", "primary"), Map.of()))
        .canary(new ObjectMetadata(Map.of(), Map.of("multi", "line one\nline two\n")))
        .build();
    Analysis analysis = Analysis.builder()
        .interval(Duration.ofSeconds(90))
        .threshold(4)
        .maxWeight(60)
        .stepWeight(15)
        .stepWeightPromotion(50)
        .mirror(true)
        .mirrorWeight(25)
        .primaryReadyThreshold(75)
        .canaryReadyThreshold(90)
        .sessionAffinity(new SessionAffinity("canary", "primary", 3600))
        .metrics(List.of(
            MetricCheck.builder("request-success-rate").threshold(99.5).build(),
            MetricCheck.builder("request-duration").interval(Duration.ofMillis(1500))
                .thresholdRange(new ThresholdRange(null, 500.0)).build(),
            new MetricCheck("custom", Duration.ofMinutes(2), new ThresholdRange(-1.5, 3.0), null,
                "sum(rate(x{a=\"b\"}[{{ interval }}]))\n/ 2\n", null, Map.of(), MetricKind.VALUE,
                SeriesAggregation.AVG, NoDataPolicy.PASS),
            new MetricCheck("templated", null, ThresholdRange.min(1), null, null,
                new TemplateRef("tpl", "monitoring"), Map.of("path", "/api", "n", "1"), MetricKind.VALUE,
                SeriesAggregation.NONE, NoDataPolicy.HOLD),
            MetricCheck.builder("alerting").kind(MetricKind.ALERT).templateRef("alert-tpl").build()))
        .webhooks(List.of(
            new Webhook("gate", WebhookType.CONFIRM_ROLLOUT, "http://gate/", Duration.ofSeconds(90), 3, true,
                true, Map.of("cmd", "true", "n", "007")),
            Webhook.of("pre", WebhookType.PRE_ROLLOUT, "https://pre:8443/run"),
            Webhook.of("each", WebhookType.ROLLOUT, "http://each/"),
            Webhook.of("more", WebhookType.CONFIRM_TRAFFIC_INCREASE, "http://more/"),
            Webhook.of("promote", WebhookType.CONFIRM_PROMOTION, "http://promote/"),
            Webhook.of("post", WebhookType.POST_ROLLOUT, "http://post/"),
            Webhook.of("abort", WebhookType.ROLLBACK, "http://abort/"),
            Webhook.of("events", WebhookType.EVENT, "http://events/").withTimeout(Duration.ofMinutes(61))))
        .alerts(List.of(new AlertRef("dev", AlertSeverity.WARN, new ProviderRef("slack", "flagger")),
            new AlertRef("ops", AlertSeverity.INFO, new ProviderRef("teams", null))))
        .build();
    return new Canary("everything", "prod", "3c1e-uid", Map.of("app", "web", "enabled", "true", "v", "1.0"),
        Map.of("flagger.app/config", "{\"a\": 1}", "empty", ""),
        CanarySpec.builder()
            .provider("istio")
            .metricsServer("http://prometheus.monitoring:9090")
            .targetRef(new ObjectReference("apps/v1", "Deployment", "web"))
            .ingressRef(new ObjectReference("networking.k8s.io/v1", "Ingress", "web"))
            .autoscalerRef(new AutoscalerRef("keda.sh/v1alpha1", "ScaledObject", "web",
                new ScalerReplicas(2, null), Map.of("requests", "sum(rate(x[1m]))", "7", "true")))
            .service(service)
            .analysis(analysis)
            .progressDeadlineSeconds(300)
            .skipAnalysis(true)
            .suspend(true)
            .revertOnDeletion(true)
            .build());
  }

  static CanaryStatus fullStatus() {
    return CanaryStatus.builder()
        .phase(CanaryPhase.WAITING_PROMOTION)
        .canaryWeight(60)
        .failedChecks(2)
        .iterations(-1)
        .lastAppliedSpec("abc123")
        .lastPromotedSpec("def456")
        .trackedConfigs(Map.of("configmap/web", "0123456789abcdef", "secret/web", "fedcba9876543210"))
        .lastTransitionTime(Instant.parse("2024-05-01T10:05:00Z"))
        .conditions(List.of(new StatusCondition("Promoted", ConditionStatus.UNKNOWN, "WaitingPromotion",
            "Waiting for approval.", Instant.parse("2024-05-01T10:05:00Z"), Instant.parse("2024-05-01T10:00:00.250Z"))))
        .lastFailure(new FailureReason(CheckKind.METRIC, "request-success-rate", 97.25, "< 99",
            "Halt everything.prod advancement success rate 97.25% < 99%", Instant.parse("2024-05-01T10:04:00Z")))
        .lastAnalysisTime(Instant.parse("2024-05-01T10:05:30Z"))
        .notReadySince(Instant.parse("2024-05-01T10:01:00Z"))
        .preRolloutPassed(true)
        .incidents(List.of(
            new io.canaryanalysis.api.status.Incident(io.canaryanalysis.api.status.IncidentKind.ROUTER,
                "Traffic routing failed, error setting routes primary=40 canary=60: HTTP 503",
                Instant.parse("2024-05-01T10:02:00Z"), Instant.parse("2024-05-01T10:03:00Z")),
            new io.canaryanalysis.api.status.Incident(io.canaryanalysis.api.status.IncidentKind.METRICS,
                "Metric provider failed", Instant.parse("2024-05-01T10:04:00Z"), null)))
        .build();
  }

  static Stream<Arguments> canaries() {
    return Stream.of(
        Arguments.of("everything", everything()),
        Arguments.of("podinfo-traefik", SampleManifestsTest.podinfoTraefik()),
        Arguments.of("istio-ab", SampleManifestsTest.istioAb()),
        Arguments.of("nginx", SampleManifestsTest.nginx()),
        Arguments.of("blue-green", SampleManifestsTest.blueGreen()),
        Arguments.of("minimal", Canary.of("m", "default", CanarySpec.builder().deployment("m")
            .service(CanaryService.ofPort(80)).build())));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("canaries")
  void yamlRoundTripKeepsTheCanary(String name, Canary canary) {
    String yaml = CanaryManifests.toYaml(canary);
    CanaryDocument back = CanaryManifests.readCanary(yaml);
    assertThat(back.canary()).as(yaml).isEqualTo(canary);
    assertThat(back.status()).isNull();
    assertThat(back.notices()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("canaries")
  void jsonRoundTripKeepsTheCanaryAndStatus(String name, Canary canary) {
    String json = CanaryManifests.toJson(canary, fullStatus());
    CanaryDocument back = CanaryManifests.readCanary(json);
    assertThat(back.canary()).as(json).isEqualTo(canary);
    assertThat(back.status()).isEqualTo(fullStatus());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("canaries")
  void treeRoundTripKeepsTheCanary(String name, Canary canary) {
    assertThat(CanaryManifests.readCanary(CanaryManifests.toTree(canary, null)).canary()).isEqualTo(canary);
  }

  @Test
  void yamlRoundTripKeepsTheStatus() {
    CanaryDocument back = CanaryManifests.readCanary(CanaryManifests.toYaml(everything(), fullStatus()));
    assertThat(back.status()).isEqualTo(fullStatus());
    CanaryStatus initial = CanaryStatus.initial();
    assertThat(CanaryManifests.readCanary(CanaryManifests.toYaml(everything(), initial)).status()).isEqualTo(initial);
  }

  @Test
  void theCapacityWaitAndTheEffectiveSplitRoundTrip() {
    CanaryStatus status = fullStatus().toBuilder()
        .capacityWait(new io.canaryanalysis.api.status.CapacityWait(
            io.canaryanalysis.api.status.CapacityWait.Move.ROLLBACK,
            java.time.Instant.parse("2024-05-01T10:03:00Z"), 4, 6,
            "waiting for podinfo-primary.test to carry the traffic: 4/6 replicas ready"))
        .effectiveSplit("3 primary / 1 canary pods").build();
    String yaml = CanaryManifests.toYaml(everything(), status);
    assertThat(yaml).contains("effectiveSplit: 3 primary / 1 canary pods").contains("move: Rollback");
    assertThat(CanaryManifests.readCanary(yaml).status()).isEqualTo(status);
  }

  @Test
  void aBrokenCapacityWaitIsReportedWithItsPaths() {
    String yaml = CanaryManifests.toYaml(everything()) + "status:\n  capacityWait:\n    move: Sideways\n"
        + "    readyReplicas: -1\n    neededReplicas: 6\n  effectiveSplit: 3\n";
    assertThatThrownBy(() -> CanaryManifests.readCanary(yaml))
        .isInstanceOf(ManifestException.class)
        .hasMessageContaining("status.capacityWait.move")
        .hasMessageContaining("status.capacityWait.since: required")
        .hasMessageContaining("status.capacityWait.readyReplicas: must not be negative")
        .hasMessageContaining("status.effectiveSplit");
  }

  @Test
  void theEngineBookkeepingAndAcceptInfiniteRoundTrip() {
    CanaryStatus status = fullStatus().toBuilder().mirrored(true)
        .pendingPostRollout(io.canaryanalysis.api.status.CanaryPhase.SUCCEEDED).decision(42).build();
    assertThat(CanaryManifests.readCanary(CanaryManifests.toYaml(everything(), status)).status()).isEqualTo(status);
    Canary infinite = everything().withSpec(everything().spec().toBuilder().analysis(
        everything().spec().analysis().toBuilder().metrics(java.util.List.of(MetricCheck.builder("latency")
            .thresholdRange(null, 500.0).acceptInfinite(true).build())).build()).build());
    String yaml = CanaryManifests.toYaml(infinite);
    assertThat(yaml).contains("acceptInfinite: true");
    assertThat(CanaryManifests.readCanary(yaml).canary()).isEqualTo(infinite);
  }

  @Test
  void autoscalerAndGatewayRefsAreReadWithFlaggerFieldNames() {
    CanaryDocument doc = CanaryManifests.readCanary("apiVersion: flagger.app/v1beta1\nkind: Canary\n"
        + "metadata:\n  name: p\nspec:\n  targetRef:\n    name: p\n"
        + "  autoscalerRef:\n    apiVersion: autoscaling/v2\n    kind: HorizontalPodAutoscaler\n    name: p\n"
        + "    primaryScalerReplicas:\n      minReplicas: 2\n      maxReplicas: 5\n"
        + "  service:\n    port: 80\n    backendTimeout: 10s\n"
        + "    gatewayRefs:\n      - name: gw\n        namespace: infra\n        sectionName: web\n        port: 80\n");
    CanarySpec spec = doc.canary().spec();
    assertThat(spec.autoscalerRef()).isEqualTo(new AutoscalerRef("autoscaling/v2", "HorizontalPodAutoscaler",
        "p", new ScalerReplicas(2, 5), Map.of()));
    assertThat(spec.service().gatewayRefs()).containsExactly(new GatewayRef(null, null, "infra", "gw", "web", 80));
    assertThat(spec.service().backendTimeout()).isEqualTo("10s");
  }

  @Test
  void writtenManifestIsFlaggerShaped() {
    Map<String, Object> tree = CanaryManifests.toTree(SampleManifestsTest.podinfoTraefik(), null);
    assertThat(tree).containsEntry("apiVersion", "flagger.app/v1beta1").containsEntry("kind", "Canary");
    @SuppressWarnings("unchecked")
    Map<String, Object> analysis = (Map<String, Object>) ((Map<String, Object>) tree.get("spec")).get("analysis");
    assertThat(analysis).containsEntry("interval", "10s").containsEntry("threshold", 10)
        .containsEntry("maxWeight", 50).containsEntry("stepWeight", 5)
        .doesNotContainKeys("iterations", "mirror", "primaryReadyThreshold");
    String yaml = CanaryManifests.toYaml(SampleManifestsTest.podinfoTraefik());
    assertThat(yaml).startsWith("apiVersion: flagger.app/v1beta1\nkind: Canary\n")
        .contains("    targetPort: 9898\n")
        .contains("      type: pre-rollout\n");
  }

  @Test
  void defaultsAreLeftOutWhenWriting() {
    Canary canary = Canary.of("p", "default", CanarySpec.builder().deployment("p").service(CanaryService.ofPort(80))
        .analysis(Analysis.builder().iterations(2)
            .webhooks(List.of(Webhook.of("load", WebhookType.ROLLOUT, "http://load/")))
            .alerts(List.of(new AlertRef("a", AlertSeverity.INFO, new ProviderRef("slack", null)))).build())
        .build());
    String yaml = CanaryManifests.toYaml(canary);
    assertThat(yaml).doesNotContain("type:", "timeout:", "severity:", "portName", "progressDeadlineSeconds",
        "primaryReadyThreshold");
    assertThat(CanaryManifests.readCanary(yaml).canary()).isEqualTo(canary);
  }

  @Test
  void aNumberOutOfRangeInAFreeFormTreeIsReportedWithItsPath() {
    ManifestException e = org.assertj.core.api.Assertions.catchThrowableOfType(() -> CanaryManifests.readCanary(
        "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: p\nspec:\n  targetRef:\n    name: p\n"
            + "  service:\n    port: 80\n    retries:\n      attempts: [1, 1e400]\n"), ManifestException.class);
    assertThat(e.problems()).containsExactly(new io.canaryanalysis.api.SpecProblem("spec.service.retries.attempts[1]",
        "out of range: expected a finite number"));
  }

  @Test
  void statusTreeUsesFlaggerFieldNames() {
    Map<String, Object> status = CanaryManifests.statusToTree(fullStatus());
    assertThat(status).containsEntry("phase", "WaitingPromotion").containsEntry("canaryWeight", 60)
        .containsEntry("failedChecks", 2).containsEntry("iterations", -1)
        .containsEntry("lastTransitionTime", "2024-05-01T10:05:00Z");
    assertThat(status.get("conditions")).asList().hasSize(1);
  }

  @Test
  void sampleFilesSurviveARoundTrip() {
    for (String file : List.of("podinfo-traefik.yaml", "istio-ab.yaml", "nginx-ingress.yaml", "bluegreen.yaml",
        "stored-canary.yaml")) {
      CanaryDocument first = CanaryManifests.readCanary(SampleManifestsTest.resource(file));
      CanaryDocument second = CanaryManifests.readCanary(CanaryManifests.toYaml(first.canary(), first.status()));
      assertThat(second.canary()).as(file).isEqualTo(first.canary());
      assertThat(second.status()).as(file).isEqualTo(first.status());
    }
  }

  @Test
  void metricTemplateRoundTrips() {
    MetricTemplate template = CanaryManifests.readMetricTemplate(SampleManifestsTest.resource("metric-template.yaml"));
    assertThat(CanaryManifests.readMetricTemplate(CanaryManifests.toYaml(template))).isEqualTo(template);
    assertThat(CanaryManifests.readMetricTemplate(CanaryManifests.toJson(template))).isEqualTo(template);
    MetricTemplate plain = new MetricTemplate("t", "n",
        new MetricTemplateProvider("prometheus", "http://p:9090", null, Map.of("A", "1, 2"), false), "up");
    assertThat(CanaryManifests.readMetricTemplate(CanaryManifests.toYaml(plain))).isEqualTo(plain);
    assertThat(CanaryManifests.readMetricTemplate(CanaryManifests.toTree(plain))).isEqualTo(plain);
  }
}
