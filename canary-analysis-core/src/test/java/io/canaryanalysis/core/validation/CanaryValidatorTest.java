package io.canaryanalysis.core.validation;

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
import io.canaryanalysis.api.spec.ObjectReference;
import io.canaryanalysis.api.spec.ProviderRef;
import io.canaryanalysis.api.spec.SeriesAggregation;
import io.canaryanalysis.api.spec.SessionAffinity;
import io.canaryanalysis.api.spec.StringMatch;
import io.canaryanalysis.api.spec.TemplateRef;
import io.canaryanalysis.api.spec.ThresholdRange;
import io.canaryanalysis.api.spec.Webhook;
import io.canaryanalysis.api.spec.WebhookType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** One focused test per check: a passing and a failing spec, with the exact path and message. */
class CanaryValidatorTest {

  static MetricCheck successRate() {
    return MetricCheck.builder("request-success-rate").thresholdRange(99.0, null).build();
  }

  static Analysis.Builder validAnalysis() {
    return Analysis.builder()
        .interval(Duration.ofSeconds(30))
        .threshold(5)
        .maxWeight(50)
        .stepWeight(10)
        .metrics(List.of(successRate()))
        .webhooks(List.of(Webhook.of("load-test", WebhookType.ROLLOUT, "http://flagger-loadtester.test/")));
  }

  static CanarySpec.Builder validSpec() {
    return CanarySpec.builder()
        .provider("istio")
        .deployment("podinfo")
        .service(CanaryService.builder().port(80).targetPort("9898").build())
        .analysis(validAnalysis().build());
  }

  static Canary canary(CanarySpec spec) {
    return Canary.of("podinfo", "test", spec);
  }

  static Canary withSpec(UnaryOperator<CanarySpec.Builder> change) {
    return canary(change.apply(validSpec()).build());
  }

  static Canary withAnalysis(UnaryOperator<Analysis.Builder> change) {
    return canary(validSpec().analysis(change.apply(validAnalysis()).build()).build());
  }

  static List<SpecProblem> problems(Canary canary) {
    return CanaryValidator.validate(canary);
  }

  static SpecProblem p(String path, String message) {
    return new SpecProblem(path, message);
  }

  @Test
  void validCanaryHasNoProblems() {
    assertThat(problems(withSpec(s -> s))).isEmpty();
  }

  @Test
  void autoscalerRefTakesFlaggersTwoKindsAndSaneReplicaBounds() {
    assertThat(problems(withSpec(s -> s.autoscalerRef(new io.canaryanalysis.api.spec.AutoscalerRef(
        "autoscaling/v2", "HorizontalPodAutoscaler", "podinfo", null, Map.of()))))).isEmpty();
    assertThat(problems(withSpec(s -> s.autoscalerRef(new io.canaryanalysis.api.spec.AutoscalerRef(
        "keda.sh/v1alpha1", "ScaledObject", "podinfo",
        new io.canaryanalysis.api.spec.ScalerReplicas(2, 10), Map.of("prom", "sum(up)")))))).isEmpty();
    assertThat(problems(withSpec(s -> s.autoscalerRef(new io.canaryanalysis.api.spec.AutoscalerRef(
        "autoscaling/v1", "VerticalPodAutoscaler", "podinfo",
        new io.canaryanalysis.api.spec.ScalerReplicas(5, 2), Map.of())))))
        .containsExactly(
            p("spec.autoscalerRef.kind", "VerticalPodAutoscaler is not an autoscaler canary-analysis knows; "
                + "use HorizontalPodAutoscaler or ScaledObject"),
            p("spec.autoscalerRef.primaryScalerReplicas.minReplicas", "must not exceed maxReplicas"));
    assertThat(warnings(withSpec(s -> s.autoscalerRef(new io.canaryanalysis.api.spec.AutoscalerRef(
        "autoscaling/v2beta2", "HorizontalPodAutoscaler", "podinfo", null, Map.of())))))
        .extracting(SpecProblem::path).containsExactly("spec.autoscalerRef.apiVersion");
  }

  @Test
  void targetRefNeedsANameAndADeployment() {
    assertThat(problems(withSpec(s -> s.targetRef(new ObjectReference("apps/v1", "Deployment", " ")))))
        .containsExactly(p("spec.targetRef.name", "required"));
    assertThat(problems(withSpec(s -> s.targetRef(new ObjectReference("apps/v1", "DaemonSet", "ds"))))).isEmpty();
    assertThat(problems(withSpec(s -> s.targetRef(new ObjectReference("apps/v1", "StatefulSet", "ss")))))
        .containsExactly(p("spec.targetRef.kind", "StatefulSet targets are not supported by canary-analysis; use Deployment or DaemonSet"));
    assertThat(problems(withSpec(s -> s.targetRef(new ObjectReference("apps/v1", "DaemonSet", "ds"))
        .autoscalerRef(new io.canaryanalysis.api.spec.AutoscalerRef("autoscaling/v2", "HorizontalPodAutoscaler", "ds", null, Map.of())))))
        .containsExactly(p("spec.autoscalerRef", "a DaemonSet runs one pod per node and cannot have an autoscaler"));
    assertThat(problems(withSpec(s -> s.targetRef(new ObjectReference(null, null, "p"))))).isEmpty();
  }

  @Test
  void servicePortMustBeAValidPort() {
    assertThat(problems(withSpec(s -> s.service(CanaryService.ofPort(0)))))
        .containsExactly(p("spec.service.port", "must be between 1 and 65535"));
    assertThat(problems(withSpec(s -> s.service(CanaryService.ofPort(65536)))))
        .containsExactly(p("spec.service.port", "must be between 1 and 65535"));
    assertThat(problems(withSpec(s -> s.service(CanaryService.ofPort(65535))))).isEmpty();
    assertThat(problems(withSpec(s -> s.service(CanaryService.builder().port(80).targetPort("70000").build()))))
        .containsExactly(p("spec.service.targetPort", "must be between 1 and 65535"));
    assertThat(problems(withSpec(s -> s.service(CanaryService.builder().port(80).targetPort("http").build()))))
        .isEmpty();
  }

  @Test
  void analysisIsRequiredUnlessSkipAnalysis() {
    assertThat(problems(withSpec(s -> s.analysis(null))))
        .containsExactly(p("spec.analysis", "required unless spec.skipAnalysis is true"));
    assertThat(problems(withSpec(s -> s.analysis(null).skipAnalysis(true)))).isEmpty();
  }

  @Test
  void exactlyOneOfStepWeightStepWeightsAndIterations() {
    assertThat(problems(withAnalysis(a -> a.stepWeight(0).maxWeight(null))))
        .containsExactly(p("spec.analysis", "set one of stepWeight, stepWeights or iterations"));
    assertThat(problems(withAnalysis(a -> a.maxWeight(null).stepWeights(List.of(10, 20)))))
        .containsExactly(p("spec.analysis", "set only one of stepWeight, stepWeights or iterations; "
            + "found stepWeight and stepWeights"));
    assertThat(problems(withAnalysis(a -> a.iterations(5))))
        .containsExactly(p("spec.analysis", "set only one of stepWeight, stepWeights or iterations; "
            + "found stepWeight and iterations"));
    assertThat(problems(withAnalysis(a -> a.stepWeight(0).maxWeight(null).iterations(5)))).isEmpty();
    assertThat(problems(withAnalysis(a -> a.stepWeight(0).maxWeight(null).stepWeights(List.of(5, 50))))).isEmpty();
  }

  @Test
  void stepWeightIsBetween1And100() {
    assertThat(problems(withAnalysis(a -> a.stepWeight(-5))))
        .containsExactly(p("spec.analysis.stepWeight", "must be between 1 and 100"));
    assertThat(problems(withAnalysis(a -> a.stepWeight(101).maxWeight(null))))
        .containsExactly(p("spec.analysis.stepWeight", "must be between 1 and 100"));
    assertThat(problems(withAnalysis(a -> a.stepWeight(100).maxWeight(100)))).isEmpty();
  }

  @Test
  void maxWeightIsBetween1And100AndAtLeastStepWeight() {
    assertThat(problems(withAnalysis(a -> a.maxWeight(0))))
        .containsExactly(p("spec.analysis.maxWeight", "must be between 1 and 100"));
    assertThat(problems(withAnalysis(a -> a.maxWeight(120))))
        .containsExactly(p("spec.analysis.maxWeight", "must be between 1 and 100"));
    assertThat(problems(withAnalysis(a -> a.stepWeight(20).maxWeight(10))))
        .containsExactly(p("spec.analysis.maxWeight", "must be at least stepWeight (20)"));
    assertThat(problems(withAnalysis(a -> a.stepWeight(20).maxWeight(20)))).isEmpty();
  }

  static List<SpecProblem> warnings(Canary canary) {
    return CanaryValidator.check(canary).warnings();
  }

  @Test
  void maxWeightThatDisagreesWithStepWeightsIsAcceptedWithAWarningAsFlaggerIgnoresIt() {
    Canary canary = withAnalysis(a -> a.stepWeight(0).maxWeight(50).stepWeights(List.of(10, 80)));
    assertThat(problems(canary)).isEmpty();
    assertThat(warnings(canary)).containsExactly(p("spec.analysis.maxWeight", "ignored: it differs from the "
        + "last stepWeights entry (80), and with stepWeights promotion starts at the last entry (as Flagger does)"));
    assertThat(warnings(withAnalysis(a -> a.stepWeight(0).maxWeight(80).stepWeights(List.of(10, 80))))).isEmpty();
  }

  @Test
  void metricsServerAndHeadlessAreAccepted() {
    assertThat(problems(withSpec(s -> s.metricsServer("http://prometheus.monitoring:9090")))).isEmpty();
    assertThat(problems(withSpec(s -> s.service(CanaryService.builder().port(80).headless(true).build()))))
        .isEmpty();
  }

  @Test
  void durationsAndNumbersOutOfTheEnginesRangeAreRefused() {
    assertThat(problems(withAnalysis(a -> a.interval(Duration.ofHours(10_000_000_000_000L)))))
        .containsExactly(p("spec.analysis.interval", "must be at most 100 years (876000h)"));
    assertThat(problems(withAnalysis(a -> a.metrics(List.of(MetricCheck.builder("request-success-rate")
        .thresholdRange(Double.NEGATIVE_INFINITY, Double.NaN).interval(Duration.ofDays(40_000)).build())))))
        .containsExactly(
            p("spec.analysis.metrics[0].interval", "must be at most 100 years (876000h)"),
            p("spec.analysis.metrics[0].thresholdRange.min", "must be a finite number"),
            p("spec.analysis.metrics[0].thresholdRange.max", "must be a finite number"));
    assertThat(problems(withAnalysis(a -> a.webhooks(List.of(Webhook.of("h", WebhookType.ROLLOUT, "http://h/")
        .withTimeout(Duration.ofDays(40_000)))))))
        .containsExactly(p("spec.analysis.webhooks[0].timeout", "must be at most 100 years (876000h)"));
  }

  @Test
  void anOldIngressApiVersionOnNginxIsAcceptedWithAWarning() {
    Canary canary = withSpec(s -> s.provider("nginx").ingressRef(new ObjectReference("extensions/v1beta1", "Ingress", "podinfo")));
    assertThat(problems(canary)).isEmpty();
    assertThat(warnings(canary)).containsExactly(p("spec.ingressRef.apiVersion", "the Ingress is read as "
        + "networking.k8s.io/v1 whatever apiVersion says (as Flagger does); write networking.k8s.io/v1"));
  }

  @Test
  void stepWeightsAreEachBetween1And100AndStrictlyIncreasing() {
    assertThat(problems(withAnalysis(a -> a.stepWeight(0).maxWeight(null).stepWeights(List.of(5, 10, 10, 0, 150)))))
        .containsExactly(
            p("spec.analysis.stepWeights[2]", "must be greater than 10"),
            p("spec.analysis.stepWeights[3]", "must be between 1 and 100"),
            p("spec.analysis.stepWeights[4]", "must be between 1 and 100"));
    assertThat(problems(withAnalysis(a -> a.stepWeight(0).maxWeight(null).stepWeights(List.of(20, 10)))))
        .containsExactly(p("spec.analysis.stepWeights[1]", "must be greater than 20"));
    assertThat(problems(withAnalysis(a -> a.stepWeight(0).maxWeight(null).stepWeights(List.of(1, 2, 10, 80, 100)))))
        .isEmpty();
  }

  @Test
  void stepWeightPromotionIsBetween0And100() {
    assertThat(problems(withAnalysis(a -> a.stepWeightPromotion(-1))))
        .containsExactly(p("spec.analysis.stepWeightPromotion", "must be between 0 and 100"));
    assertThat(problems(withAnalysis(a -> a.stepWeightPromotion(101))))
        .containsExactly(p("spec.analysis.stepWeightPromotion", "must be between 0 and 100"));
    assertThat(problems(withAnalysis(a -> a.stepWeightPromotion(100)))).isEmpty();
  }

  @Test
  void thresholdIsAtLeast1() {
    assertThat(problems(withAnalysis(a -> a.threshold(0))))
        .containsExactly(p("spec.analysis.threshold", "must be at least 1"));
    assertThat(problems(withAnalysis(a -> a.threshold(1)))).isEmpty();
  }

  @Test
  void intervalIsAtLeast10Seconds() {
    assertThat(problems(withAnalysis(a -> a.interval(Duration.ofSeconds(9))))).isEmpty();
    assertThat(warnings(withAnalysis(a -> a.interval(Duration.ofSeconds(9)))))
        .containsExactly(p("spec.analysis.interval", "shorter than 10s; raised to 10s, as Flagger does"));
    assertThat(problems(withAnalysis(a -> a.interval(Duration.ofSeconds(10))))).isEmpty();
  }

  @Test
  void iterationsAreNotNegative() {
    assertThat(problems(withAnalysis(a -> a.stepWeight(0).maxWeight(null).iterations(-1))))
        .containsExactly(p("spec.analysis.iterations", "must not be negative"));
  }

  @Test
  void mirrorWeightIsBetween0And100AndNeedsMirror() {
    assertThat(problems(withAnalysis(a -> a.mirror(true).mirrorWeight(101))))
        .containsExactly(p("spec.analysis.mirrorWeight", "must be between 0 and 100"));
    assertThat(problems(withAnalysis(a -> a.mirrorWeight(50)))).isEmpty();
    assertThat(warnings(withAnalysis(a -> a.mirrorWeight(50))))
        .containsExactly(p("spec.analysis.mirrorWeight", "ignored without mirror: true (as Flagger does)"));
    assertThat(problems(withAnalysis(a -> a.mirror(true).mirrorWeight(50)))).isEmpty();
  }

  @Test
  void readyThresholdsAreBetween1And100() {
    assertThat(problems(withAnalysis(a -> a.primaryReadyThreshold(0).canaryReadyThreshold(101))))
        .containsExactly(
            p("spec.analysis.primaryReadyThreshold", "must be between 1 and 100"),
            p("spec.analysis.canaryReadyThreshold", "must be between 1 and 100"));
    assertThat(problems(withAnalysis(a -> a.primaryReadyThreshold(1).canaryReadyThreshold(100)))).isEmpty();
  }

  @Test
  void progressDeadlineIsPositive() {
    assertThat(problems(withSpec(s -> s.progressDeadlineSeconds(0))))
        .containsExactly(p("spec.progressDeadlineSeconds", "must be greater than 0"));
    assertThat(problems(withSpec(s -> s.progressDeadlineSeconds(1)))).isEmpty();
  }

  @Test
  void matchNeedsIterations() {
    List<HttpMatch> match = List.of(HttpMatch.headers(Map.of("x-canary", StringMatch.exact("insider"))));
    assertThat(problems(withAnalysis(a -> a.match(match))))
        .containsExactly(p("spec.analysis.match", "A/B matching needs iterations; with stepWeight or stepWeights "
            + "the match would be ignored or promote after one step (as Flagger does on nginx)"));
    assertThat(problems(withAnalysis(a -> a.stepWeight(0).maxWeight(null).iterations(10).match(match)))).isEmpty();
  }

  @Test
  void emptyMatchEntriesAreReported() {
    List<HttpMatch> match = List.of(HttpMatch.headers(Map.of()));
    assertThat(problems(withAnalysis(a -> a.stepWeight(0).maxWeight(null).iterations(10).match(match))))
        .containsExactly(p("spec.analysis.match[0]", "must set at least one condition"));
  }

  @Test
  void sessionAffinityNeedsACookieNameDifferentFromThePrimaryOne() {
    assertThat(problems(withAnalysis(a -> a.sessionAffinity(new SessionAffinity(" ", null, 0)))))
        .containsExactly(p("spec.analysis.sessionAffinity.cookieName", "required"));
    assertThat(problems(withAnalysis(a -> a.sessionAffinity(new SessionAffinity("c", "c", 0)))))
        .containsExactly(p("spec.analysis.sessionAffinity.primaryCookieName", "must differ from cookieName"));
    assertThat(problems(withAnalysis(a -> a.sessionAffinity(new SessionAffinity("c", "p", 0))))).isEmpty();
  }

  @Test
  void metricNamesAreRequiredAndUnique() {
    assertThat(problems(withAnalysis(a -> a.metrics(List.of(successRate(), successRate())))))
        .containsExactly(p("spec.analysis.metrics[1].name",
            "duplicate metric name \"request-success-rate\" (also metrics[0])"));
    assertThat(problems(withAnalysis(a -> a.metrics(List.of(
        MetricCheck.builder("").query("up").thresholdRange(1.0, null).build())))))
        .containsExactly(p("spec.analysis.metrics[0].name", "required"));
  }

  @Test
  void metricIsBuiltinOrHasAQueryOrATemplateRefButNotBoth() {
    assertThat(problems(withAnalysis(a -> a.metrics(List.of(
        MetricCheck.builder("error-rate").thresholdRange(null, 1.0).build())))))
        .containsExactly(p("spec.analysis.metrics[0].name", "\"error-rate\" is not a builtin metric "
            + "(request-success-rate, request-duration); set templateRef or query"));
    assertThat(problems(withAnalysis(a -> a.metrics(List.of(
        MetricCheck.builder("error-rate").query("up").templateRef("t").thresholdRange(null, 1.0).build())))))
        .containsExactly(p("spec.analysis.metrics[0]", "set either query or templateRef, not both"));
    assertThat(problems(withAnalysis(a -> a.metrics(List.of(
        MetricCheck.builder("request-duration").threshold(500.0).build(),
        MetricCheck.builder("error-rate").query("up").thresholdRange(null, 1.0).build(),
        MetricCheck.builder("latency").templateRef(new TemplateRef("latency", "monitoring"))
            .thresholdRange(null, 0.5).build()))))).isEmpty();
  }

  @Test
  void thresholdRangeMinMustNotExceedMax() {
    assertThat(problems(withAnalysis(a -> a.metrics(List.of(
        MetricCheck.builder("request-success-rate").thresholdRange(99.5, 90.0).build())))))
        .containsExactly(p("spec.analysis.metrics[0].thresholdRange", "min (99.5) must not be greater than max (90)"));
    assertThat(problems(withAnalysis(a -> a.metrics(List.of(
        MetricCheck.builder("request-success-rate").thresholdRange(new ThresholdRange(null, null)).build())))))
        .containsExactly(p("spec.analysis.metrics[0].thresholdRange", "set min, max or both"));
    assertThat(problems(withAnalysis(a -> a.metrics(List.of(
        MetricCheck.builder("request-success-rate").thresholdRange(90.0, 90.0).build()))))).isEmpty();
  }

  @Test
  void valueMetricWithoutAnyThresholdIsAnError() {
    assertThat(problems(withAnalysis(a -> a.metrics(List.of(MetricCheck.builder("errors").query("up").build())))))
        .containsExactly(p("spec.analysis.metrics[0]",
            "set thresholdRange (or the deprecated threshold); without one Flagger fails every positive value"));
    assertThat(problems(withAnalysis(a -> a.metrics(List.of(MetricCheck.builder("request-duration").build())))))
        .containsExactly(p("spec.analysis.metrics[0]",
            "set thresholdRange (or the deprecated threshold); without one the builtin check judges against 0"));
    assertThat(problems(withAnalysis(a -> a.metrics(List.of(
        MetricCheck.builder("errors").query("up").threshold(5.0).build()))))).isEmpty();
  }

  @Test
  void thresholdNextToThresholdRangeIsReportedAsIgnored() {
    assertThat(warnings(withAnalysis(a -> a.metrics(List.of(
        MetricCheck.builder("request-success-rate").thresholdRange(99.0, null).threshold(98.0).build())))))
        .containsExactly(p("spec.analysis.metrics[0].threshold",
            "ignored when thresholdRange is set (as Flagger does); remove one of them"));
  }

  @Test
  void metricIntervalMustBePositive() {
    assertThat(problems(withAnalysis(a -> a.metrics(List.of(
        MetricCheck.builder("request-success-rate").thresholdRange(99.0, null).interval(Duration.ZERO).build())))))
        .containsExactly(p("spec.analysis.metrics[0].interval", "must be greater than 0"));
    assertThat(problems(withAnalysis(a -> a.metrics(List.of(
        MetricCheck.builder("request-success-rate").thresholdRange(99.0, null)
            .interval(Duration.ofSeconds(30)).build()))))).isEmpty();
  }

  @Test
  void templateRefNeedsANameAndVariablesNeedATemplateRef() {
    assertThat(problems(withAnalysis(a -> a.metrics(List.of(MetricCheck.builder("m").templateRef(" ")
        .thresholdRange(1.0, null).build())))))
        .containsExactly(p("spec.analysis.metrics[0].templateRef.name", "required"));
    assertThat(warnings(withAnalysis(a -> a.metrics(List.of(MetricCheck.builder("m").query("up")
        .templateVariables(Map.of("a", "b")).thresholdRange(1.0, null).build())))))
        .containsExactly(p("spec.analysis.metrics[0].templateVariables", "ignored without templateRef (as Flagger does)"));
  }

  @Test
  void alertKindMetricsTakeNoThresholdAndNeedAQuery() {
    assertThat(problems(withAnalysis(a -> a.metrics(List.of(MetricCheck.builder("spike").kind(MetricKind.ALERT)
        .query("rate(errors[1m]) > 2").thresholdRange(null, 1.0).threshold(2.0)
        .aggregation(SeriesAggregation.SUM).build())))))
        .containsExactly(
            p("spec.analysis.metrics[0].thresholdRange",
                "not used by kind alert: the check fails when the query returns any series"),
            p("spec.analysis.metrics[0].threshold",
                "not used by kind alert: the check fails when the query returns any series"),
            p("spec.analysis.metrics[0].aggregate", "not used by kind alert: every returned series is a firing alert"));
    assertThat(problems(withAnalysis(a -> a.metrics(List.of(
        MetricCheck.builder("request-success-rate").kind(MetricKind.ALERT).build())))))
        .containsExactly(p("spec.analysis.metrics[0].kind",
            "kind alert needs a query or templateRef with an alert expression"));
    assertThat(problems(withAnalysis(a -> a.metrics(List.of(MetricCheck.builder("spike").kind(MetricKind.ALERT)
        .query("rate(errors[1m]) > 2").build()))))).isEmpty();
  }

  @Test
  void webhookNamesAreRequiredAndUnique() {
    Webhook hook = Webhook.of("gate", WebhookType.CONFIRM_ROLLOUT, "http://gate/");
    assertThat(problems(withAnalysis(a -> a.webhooks(List.of(hook, hook.withTimeout(Duration.ofSeconds(3)))))))
        .containsExactly(p("spec.analysis.webhooks[1].name", "duplicate webhook name \"gate\" (also webhooks[0])"));
    assertThat(problems(withAnalysis(a -> a.webhooks(List.of(Webhook.of("", WebhookType.ROLLOUT, "http://x/"))))))
        .containsExactly(p("spec.analysis.webhooks[0].name", "required"));
  }

  @Test
  void webhookUrlIsRequiredAndAnHttpUrlWithAHost() {
    for (String bad : List.of("flagger-loadtester.test/", "ftp://host/", "http://", "http:///path",
        "http://host:99999/", "http://bad host/")) {
      assertThat(problems(withAnalysis(a -> a.webhooks(List.of(Webhook.of("w", WebhookType.ROLLOUT, bad))))))
          .as(bad).containsExactly(p("spec.analysis.webhooks[0].url", "must be an http or https URL with a host"));
    }
    assertThat(problems(withAnalysis(a -> a.webhooks(List.of(Webhook.of("w", WebhookType.ROLLOUT, null))))))
        .containsExactly(p("spec.analysis.webhooks[0].url", "required"));
    for (String good : List.of("http://flagger-loadtester.test/", "https://gate.example.com:8443/approve?x=1",
        "http://10.0.0.1:8080", "http://user:pass@host/", "http://[::1]:9090/hook", "HTTP://Host.Example")) {
      assertThat(problems(withAnalysis(a -> a.webhooks(List.of(Webhook.of("w", WebhookType.ROLLOUT, good))))))
          .as(good).isEmpty();
    }
  }

  @Test
  void invalidWebhookUrlIsNotEchoed() {
    String secretUrl = "http//user:s3cr3t@host/";
    assertThat(problems(withAnalysis(a -> a.webhooks(List.of(Webhook.of("w", WebhookType.ROLLOUT, secretUrl))))))
        .allSatisfy(problem -> assertThat(problem.toString()).doesNotContain("s3cr3t"));
  }

  @Test
  void webhookTimeoutIsPositiveAndRetriesNotNegative() {
    Webhook hook = new Webhook("w", WebhookType.ROLLOUT, "http://x/", Duration.ZERO, -1, false, false, Map.of());
    assertThat(problems(withAnalysis(a -> a.webhooks(List.of(hook)))))
        .containsExactly(
            p("spec.analysis.webhooks[0].timeout", "must be greater than 0"),
            p("spec.analysis.webhooks[0].retries", "must not be negative"));
  }

  @Test
  void webhookRetriesAreAtMostTen() {
    Webhook ten = new Webhook("w", WebhookType.ROLLOUT, "http://x/", null, 10, false, false, Map.of());
    Webhook many = new Webhook("w", WebhookType.ROLLOUT, "http://x/", null, Integer.MAX_VALUE, false, false, Map.of());
    assertThat(problems(withAnalysis(a -> a.webhooks(List.of(ten))))).isEmpty();
    assertThat(problems(withAnalysis(a -> a.webhooks(List.of(many)))))
        .containsExactly(p("spec.analysis.webhooks[0].retries", "must be at most 10, got 2147483647"));
  }

  @Test
  void confirmTrafficIncreaseHooksNeedTheCanaryStrategy() {
    Webhook gate = Webhook.of("more", WebhookType.CONFIRM_TRAFFIC_INCREASE, "http://gate/");
    assertThat(warnings(withAnalysis(a -> a.stepWeight(0).maxWeight(null).iterations(5).webhooks(List.of(gate)))))
        .containsExactly(p("spec.analysis.webhooks[0].type", "never called: confirm-traffic-increase hooks run "
            + "only with stepWeight or stepWeights, and this analysis uses iterations (blue-green)"));
    assertThat(problems(withAnalysis(a -> a.webhooks(List.of(gate))))).isEmpty();
  }

  @Test
  void everyWebhookTypeIsAcceptedWhereItRuns() {
    List<Webhook> hooks = List.of(
        Webhook.of("a", WebhookType.CONFIRM_ROLLOUT, "http://x/"),
        Webhook.of("b", WebhookType.PRE_ROLLOUT, "http://x/"),
        Webhook.of("c", WebhookType.ROLLOUT, "http://x/"),
        Webhook.of("d", WebhookType.CONFIRM_TRAFFIC_INCREASE, "http://x/"),
        Webhook.of("e", WebhookType.CONFIRM_PROMOTION, "http://x/"),
        Webhook.of("f", WebhookType.POST_ROLLOUT, "http://x/"),
        Webhook.of("g", WebhookType.ROLLBACK, "http://x/"),
        Webhook.of("h", WebhookType.EVENT, "http://x/"));
    assertThat(problems(withAnalysis(a -> a.webhooks(hooks)))).isEmpty();
  }

  @Test
  void alertsNeedUniqueNamesAndAProvider() {
    AlertRef slack = new AlertRef("team", AlertSeverity.WARN, new ProviderRef("slack", null));
    assertThat(problems(withAnalysis(a -> a.alerts(List.of(slack, slack,
        new AlertRef("x", null, new ProviderRef(" ", "flagger")))))))
        .containsExactly(
            p("spec.analysis.alerts[1].name", "duplicate alert name \"team\" (also alerts[0])"),
            p("spec.analysis.alerts[2].providerRef.name", "required"));
    assertThat(problems(withAnalysis(a -> a.alerts(List.of(slack,
        new AlertRef("errors", AlertSeverity.ERROR, new ProviderRef("pager", "ops"))))))).isEmpty();
  }

  @Test
  void providerMustBeOneThisProjectImplements() {
    assertThat(problems(withSpec(s -> s.provider("linkerd"))))
        .containsExactly(p("spec.provider", "the linkerd provider is not supported by canary-analysis; "
            + "use one of gatewayapi, gatewayapi:v1, gatewayapi:v1beta1, istio, kubernetes, nginx, traefik"));
    assertThat(problems(withSpec(s -> s.provider("envoy"))))
        .containsExactly(p("spec.provider", "unknown provider \"envoy\"; use one of gatewayapi, gatewayapi:v1, gatewayapi:v1beta1, istio, kubernetes, nginx, traefik"));
    assertThat(problems(withSpec(s -> s.provider(null)))).isEmpty();
    assertThat(problems(withSpec(s -> s.provider("traefik")))).isEmpty();
  }

  @Test
  void nginxProviderNeedsAnIngressRefAndOtherProvidersMayNameOneForTemplates() {
    assertThat(problems(withSpec(s -> s.provider("nginx"))))
        .containsExactly(p("spec.ingressRef", "required by the nginx provider: the Ingress to clone for canary traffic"));
    assertThat(problems(withSpec(s -> s.provider("nginx").ingressRef(ObjectReference.ingress("podinfo"))))).isEmpty();
    assertThat(problems(withSpec(s -> s.provider("nginx")
        .ingressRef(new ObjectReference("v1", "Service", "podinfo")))))
        .containsExactly(p("spec.ingressRef.kind", "must be Ingress"));
    // Other routers ignore ingressRef, but metric templates render its name as {{ ingress }}.
    assertThat(problems(withSpec(s -> s.provider("istio").ingressRef(ObjectReference.ingress("podinfo"))))).isEmpty();
  }

  @Test
  void metricsServerMustBeAnHttpUrl() {
    assertThat(problems(withSpec(s -> s.metricsServer("prometheus:9090")))).first()
        .isEqualTo(p("spec.metricsServer", "must be an http or https URL with a host"));
    assertThat(problems(withSpec(s -> s.metricsServer("http://prometheus.monitoring:9090"))))
        .extracting(SpecProblem::message).noneMatch(m -> m.contains("URL"));
  }

  @Test
  void metricTemplateChecks() {
    MetricTemplate good = new MetricTemplate("t", "n", MetricTemplateProvider.prometheus("http://p:9090"), "up");
    assertThat(CanaryValidator.validate(good)).isEmpty();
    MetricTemplate bad = new MetricTemplate("t", "n",
        new MetricTemplateProvider("datadog", "p:9090", null, Map.of(), false), " ");
    assertThat(CanaryValidator.validate(bad)).containsExactly(
        p("spec.provider.type", "the datadog metric provider is not supported by canary-analysis; only prometheus is"),
        p("spec.provider.address", "must be an http or https URL with a host"),
        p("spec.query", "required"));
    assertThat(CanaryValidator.validate(new MetricTemplate("t", "n",
        new MetricTemplateProvider("prometheus", null, null, Map.of(), false), "up")))
        .containsExactly(p("spec.provider.address", "required"));
  }

  @Test
  void manyProblemsAreAllReportedWithExactPathsAndMessages() {
    Analysis analysis = Analysis.builder()
        .interval(Duration.ofSeconds(5))
        .threshold(0)
        .maxWeight(150)
        .stepWeight(10)
        .stepWeights(List.of(5, 20, 10))
        .mirrorWeight(30)
        .canaryReadyThreshold(0)
        .match(List.of(HttpMatch.headers(Map.of("x-user", StringMatch.exact("bob")))))
        .sessionAffinity(new SessionAffinity("same", "same", 0))
        .metrics(List.of(
            MetricCheck.builder("request-success-rate").thresholdRange(99.0, 1.0).build(),
            MetricCheck.builder("custom").query("sum(up)").build(),
            MetricCheck.builder("request-success-rate").thresholdRange(99.0, null).build()))
        .webhooks(List.of(
            new Webhook("hook", WebhookType.ROLLOUT, "not-a-url", Duration.ZERO, 0, false, false, Map.of()),
            Webhook.of("hook", WebhookType.PRE_ROLLOUT, null)))
        .build();
    Canary canary = Canary.of("podinfo", "test", CanarySpec.builder()
        .provider("nginx")
        .targetRef(new ObjectReference("apps/v1", "Deployment", ""))
        .service(CanaryService.ofPort(0))
        .progressDeadlineSeconds(-1)
        .analysis(analysis)
        .build());
    assertThat(CanaryValidator.validate(canary)).containsExactly(
        p("spec.targetRef.name", "required"),
        p("spec.ingressRef", "required by the nginx provider: the Ingress to clone for canary traffic"),
        p("spec.service.port", "must be between 1 and 65535"),
        p("spec.progressDeadlineSeconds", "must be greater than 0"),
        p("spec.analysis", "set only one of stepWeight, stepWeights or iterations; found stepWeight and stepWeights"),
        p("spec.analysis.maxWeight", "must be between 1 and 100"),
        p("spec.analysis.stepWeights[2]", "must be greater than 20"),
        p("spec.analysis.threshold", "must be at least 1"),
        p("spec.analysis.canaryReadyThreshold", "must be between 1 and 100"),
        p("spec.analysis.match", "A/B matching needs iterations; with stepWeight or stepWeights the match "
            + "would be ignored or promote after one step (as Flagger does on nginx)"),
        p("spec.analysis.sessionAffinity.primaryCookieName", "must differ from cookieName"),
        p("spec.analysis.metrics[0].thresholdRange", "min (99) must not be greater than max (1)"),
        p("spec.analysis.metrics[1]",
            "set thresholdRange (or the deprecated threshold); without one Flagger fails every positive value"),
        p("spec.analysis.metrics[2].name", "duplicate metric name \"request-success-rate\" (also metrics[0])"),
        p("spec.analysis.webhooks[0].url", "must be an http or https URL with a host"),
        p("spec.analysis.webhooks[0].timeout", "must be greater than 0"),
        p("spec.analysis.webhooks[1].name", "duplicate webhook name \"hook\" (also webhooks[0])"),
        p("spec.analysis.webhooks[1].url", "required"));
  }
}
