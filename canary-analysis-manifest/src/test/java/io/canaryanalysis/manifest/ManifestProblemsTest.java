package io.canaryanalysis.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.spec.WebhookType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The reader reports unknown, unsupported and mistyped fields with their paths, all at once. */
class ManifestProblemsTest {

  private static final String HEADER = "apiVersion: flagger.app/v1beta1\nkind: Canary\n"
      + "metadata:\n  name: podinfo\n  namespace: test\n";

  private static List<SpecProblem> problems(String manifest) {
    ManifestException e = catchThrowableOfType(() -> CanaryManifests.readCanary(manifest),
        ManifestException.class);
    assertThat(e).as("expected a ManifestException").isNotNull();
    return e.problems();
  }

  private static String canary(String spec) {
    return HEADER + "spec:\n  targetRef:\n    name: podinfo\n  service:\n    port: 80\n" + spec;
  }

  @Test
  void misspelledFieldIsReportedWithItsFullPath() {
    assertThat(problems(canary("  analysis:\n    interval: 1m\n    threshold: 5\n    stepWeigth: 10\n")))
        .containsExactly(new SpecProblem("spec.analysis.stepWeigth", "unknown field"));
  }

  @Test
  void unknownFieldsInsideListsAndMapsCarryIndexesAndKeys() {
    assertThat(problems(canary("  analysis:\n    interval: 1m\n    threshold: 5\n    iterations: 3\n"
        + "    match:\n      - headers:\n          x-user:\n            exactly: bob\n"
        + "    metrics:\n      - name: request-success-rate\n        thresholdRange: {min: 99, minimum: 1}\n"
        + "    webhooks:\n      - name: load\n        url: http://x/\n        cmd: hey\n")))
        .containsExactly(
            new SpecProblem("spec.analysis.match[0].headers.x-user.exactly", "unknown field"),
            new SpecProblem("spec.analysis.match[0].headers.x-user", "set one of exact, prefix, suffix or regex"),
            new SpecProblem("spec.analysis.metrics[0].thresholdRange.minimum", "unknown field"),
            new SpecProblem("spec.analysis.webhooks[0].cmd", "unknown field"));
  }

  @Test
  void flaggerFieldsWithoutAnImplementationAreReportedAsNotSupported() {
    List<SpecProblem> problems = problems(HEADER + "spec:\n"
        + "  provider: linkerd\n"
        + "  targetRef:\n    name: podinfo\n"
        + "  routeRef:\n    name: podinfo\n"
        + "  service:\n    port: 80\n    trafficDistribution: PreferClose\n    meshName: global\n"
        + "    unmanagedMetadata:\n      labels: [a]\n"
        + "  analysis:\n    interval: 1m\n    threshold: 5\n    stepWeight: 5\n"
        + "    sessionAffinity:\n      cookieName: c\n      secure: true\n"
        + "    match:\n      - ignoreUriCase: true\n        uri: {prefix: /}\n");
    assertThat(problems).containsExactly(
        new SpecProblem("spec.provider", "the linkerd provider is not supported by canary-analysis; "
            + "use one of gatewayapi, gatewayapi:v1, gatewayapi:v1beta1, istio, kubernetes, nginx, traefik"),
        new SpecProblem("spec.routeRef", "not supported by canary-analysis; it is used by the apisix provider only"),
        new SpecProblem("spec.service.trafficDistribution", "not supported by canary-analysis"),
        new SpecProblem("spec.service.meshName", "not supported by canary-analysis; it is used by the App Mesh provider only"),
        new SpecProblem("spec.service.unmanagedMetadata", "not supported by canary-analysis"),
        new SpecProblem("spec.analysis.match[0].ignoreUriCase", "not supported by canary-analysis"),
        new SpecProblem("spec.analysis.sessionAffinity.secure",
            "not supported by canary-analysis; the session cookie attributes are not configurable"));
  }

  @Test
  void unknownProviderIsNotSilentlyReplacedByIstio() {
    assertThat(problems(HEADER + "spec:\n  provider: envoy\n  targetRef:\n    name: p\n  service:\n    port: 80\n"))
        .containsExactly(new SpecProblem("spec.provider",
            "unknown provider; use one of gatewayapi, gatewayapi:v1, gatewayapi:v1beta1, istio, kubernetes, nginx, traefik"));
  }

  @Test
  void wrongTypesNameTheFieldAndTheFoundType() {
    assertThat(problems(canary("  skipAnalysis: \"yes\"\n  analysis:\n    interval: 60\n    threshold: \"5\"\n"
        + "    stepWeight: 2.5\n    stepWeights: 10\n    mirror: 1\n    metrics:\n      - name: x\n"
        + "        thresholdRange: {max: \"5\"}\n        templateRef: t\n")))
        .containsExactly(
            new SpecProblem("spec.analysis.interval", "expected a string but found an integer"),
            new SpecProblem("spec.analysis.threshold", "expected an integer but found a string"),
            new SpecProblem("spec.analysis.stepWeight", "expected an integer but found a decimal number"),
            new SpecProblem("spec.analysis.stepWeights", "expected a list but found an integer"),
            new SpecProblem("spec.analysis.mirror", "expected a boolean but found an integer"),
            new SpecProblem("spec.analysis.metrics[0].thresholdRange.max", "expected a number but found a string"),
            new SpecProblem("spec.analysis.metrics[0].templateRef", "expected an object but found a string"),
            new SpecProblem("spec.skipAnalysis", "expected a boolean but found a string"));
  }

  @Test
  void unparseableDurationsNameTheField() {
    assertThat(problems(canary("  analysis:\n    interval: 1 minute\n    threshold: 1\n    iterations: 2\n"
        + "    metrics:\n      - name: request-duration\n        interval: 5x\n        threshold: 500\n"
        + "    webhooks:\n      - name: w\n        url: http://x/\n        timeout: soon\n")))
        .containsExactly(
            new SpecProblem("spec.analysis.interval",
                "expected a duration: a number with a unit such as 30s, 5m or 1m30s"),
            new SpecProblem("spec.analysis.metrics[0].interval",
                "expected a duration: a number with a unit such as 30s, 5m or 1m30s"),
            new SpecProblem("spec.analysis.webhooks[0].timeout",
                "expected a duration: a number with a unit such as 30s, 5m or 1m30s"));
  }

  @Test
  void durationsAcceptFlaggerFormsAndTheHourAndGoStyleExtensions() {
    for (Map.Entry<String, Duration> c : Map.of("30s", Duration.ofSeconds(30), "5m", Duration.ofMinutes(5),
        "1m30s", Duration.ofSeconds(90), "1h", Duration.ofHours(1), "1h2m3s", Duration.ofSeconds(3723),
        "500ms", Duration.ofMillis(500)).entrySet()) {
      CanaryDocument doc = CanaryManifests.readCanary(canary(
          "  analysis:\n    interval: " + c.getKey() + "\n    threshold: 1\n    iterations: 1\n"));
      assertThat(doc.canary().spec().analysis().interval()).as(c.getKey()).isEqualTo(c.getValue());
    }
  }

  @Test
  void webhookTimeoutShorterThanTwoCharactersIsTheDefaultWithANotice() {
    CanaryDocument doc = CanaryManifests.readCanary(canary("  analysis:\n    interval: 1m\n    threshold: 1\n"
        + "    iterations: 1\n    webhooks:\n      - name: a\n        url: http://x/\n        timeout: \"5\"\n"
        + "      - name: b\n        type: \"\"\n        url: http://x/\n        timeout: \"\"\n"));
    assertThat(doc.canary().spec().analysis().webhooks())
        .extracting(w -> w.timeout(), w -> w.type())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(Duration.ofSeconds(10), WebhookType.ROLLOUT),
            org.assertj.core.groups.Tuple.tuple(Duration.ofSeconds(10), WebhookType.ROLLOUT));
    assertThat(doc.notices()).containsExactly(new SpecProblem("spec.analysis.webhooks[0].timeout",
        "has no unit; read as the default 10s, as Flagger does"));
  }

  @Test
  void enumValuesAreCheckedWithTheAcceptedValuesListed() {
    assertThat(problems(canary("  analysis:\n    interval: 1m\n    threshold: 1\n    iterations: 1\n"
        + "    metrics:\n      - name: m\n        query: up\n        kind: gauge\n        aggregate: median\n"
        + "        onNoData: skip\n"
        + "    webhooks:\n      - name: w\n        type: confirm-rollouts\n        url: http://x/\n"
        + "    alerts:\n      - name: a\n        severity: critical\n        providerRef: {name: slack}\n")))
        .containsExactly(
            new SpecProblem("spec.analysis.metrics[0].kind", "unknown value; expected one of value, alert"),
            new SpecProblem("spec.analysis.metrics[0].aggregate",
                "unknown value; expected one of none, sum, min, max, avg"),
            new SpecProblem("spec.analysis.metrics[0].onNoData", "unknown value; expected one of fail, pass, hold"),
            new SpecProblem("spec.analysis.webhooks[0].type", "unknown webhook type; expected one of "
                + "confirm-rollout, pre-rollout, rollout, confirm-traffic-increase, confirm-promotion, "
                + "post-rollout, rollback, event"),
            new SpecProblem("spec.analysis.alerts[0].severity",
                "unknown severity; expected one of info, warn, error"));
  }

  @Test
  void missingRequiredFieldsAreReported() {
    assertThat(problems("apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  namespace: test\n"
        + "spec:\n  targetRef:\n    kind: Deployment\n  service:\n    name: x\n  analysis:\n    interval: 1m\n"
        + "    threshold: 1\n    stepWeight: 5\n    metrics:\n      - interval: 1m\n"
        + "    webhooks:\n      - url: http://x/\n    alerts:\n      - name: a\n"))
        .containsExactly(
            new SpecProblem("metadata.name", "required"),
            new SpecProblem("spec.targetRef.name", "required"),
            new SpecProblem("spec.service.port", "required"),
            new SpecProblem("spec.analysis.metrics[0].name", "required"),
            new SpecProblem("spec.analysis.webhooks[0].name", "required"),
            new SpecProblem("spec.analysis.alerts[0].providerRef", "required"));
  }

  @Test
  void bothAnalysisAndTheDeprecatedCanaryAnalysisIsAnError() {
    assertThat(problems(canary("  analysis:\n    interval: 1m\n    threshold: 1\n    stepWeight: 5\n"
        + "  canaryAnalysis:\n    interval: 1m\n    threshold: 1\n    stepWeight: 5\n")))
        .containsExactly(new SpecProblem("spec.canaryAnalysis",
            "set either spec.analysis or the deprecated spec.canaryAnalysis, not both"));
  }

  @Test
  void problemsInTheDeprecatedSectionUseItsOwnPath() {
    assertThat(problems(canary("  canaryAnalysis:\n    interval: 1m\n    threshold: 1\n    stepWieght: 5\n")))
        .containsExactly(new SpecProblem("spec.canaryAnalysis.stepWieght", "unknown field"));
  }

  @Test
  void labelKeysWithDotsAreQuotedInPaths() {
    assertThat(problems(HEADER.replace("  namespace: test\n", "  namespace: test\n  labels:\n"
        + "    app.kubernetes.io/version: 2\n") + "spec:\n  targetRef:\n    name: p\n  service:\n    port: 80\n"))
        .containsExactly(new SpecProblem("metadata.labels[\"app.kubernetes.io/version\"]",
            "expected a string but found an integer"));
  }

  @Test
  void wrongApiVersionAndKindAreReported() {
    assertThat(problems("apiVersion: flagger.app/v1alpha3\nkind: Canary\nmetadata:\n  name: p\n"))
        .containsExactly(new SpecProblem("apiVersion", "expected flagger.app/v1beta1"),
            new SpecProblem("spec", "required"));
    assertThat(problems("apiVersion: flagger.app/v1beta1\nkind: MetricTemplate\nmetadata:\n  name: p\n"))
        .containsExactly(new SpecProblem("kind", "expected Canary but found MetricTemplate"));
  }

  @Test
  void syntaxErrorsDoNotEchoTheSource() {
    ManifestException e = catchThrowableOfType(() -> CanaryManifests.readCanary(
        "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: [unclosed\n  token: s3cr3t-value\n"),
        ManifestException.class);
    assertThat(e.problems()).hasSize(1);
    assertThat(e.problems().get(0).path()).isEqualTo("manifest");
    assertThat(e.problems().get(0).message()).startsWith("not valid YAML at line ");
    assertThat(e.getMessage()).doesNotContain("s3cr3t-value");
  }

  @Test
  void duplicateKeysAreAnError() {
    assertThatThrownBy(() -> CanaryManifests.readCanary(canary(
        "  analysis:\n    interval: 1m\n    interval: 2m\n    threshold: 1\n    iterations: 1\n")))
        .isInstanceOf(ManifestException.class)
        .hasMessageContaining("spec.analysis.interval: duplicate key");
  }

  @Test
  void readCanaryNeedsExactlyOneDocument() {
    String one = canary("  analysis:\n    interval: 1m\n    threshold: 1\n    iterations: 1\n");
    assertThat(problems(one + "---\n" + one)).containsExactly(
        new SpecProblem("manifest", "expected one document but found 2; use readAll"));
    assertThat(problems("# nothing here\n")).containsExactly(new SpecProblem("manifest", "no document found"));
  }

  @Test
  void readAllReportsProblemsOfEveryDocumentWithDocumentPaths() {
    String bad = canary("  analysis:\n    interval: 1m\n    threshold: 1\n    iterations: 1\n    mirorr: true\n");
    String template = "apiVersion: flagger.app/v1beta1\nkind: MetricTemplate\nmetadata:\n  name: t\n"
        + "spec:\n  provider:\n    type: datadog\n    region: eu\n  query: up\n";
    ManifestException e = catchThrowableOfType(() -> CanaryManifests.readAll(bad + "---\n" + template),
        ManifestException.class);
    assertThat(e.problems()).containsExactly(
        new SpecProblem("documents[0].spec.analysis.mirorr", "unknown field"),
        new SpecProblem("documents[1].spec.provider.type",
            "the datadog metric provider is not supported by canary-analysis; only prometheus is"),
        new SpecProblem("documents[1].spec.provider.region",
            "not supported by canary-analysis; it is used by the cloudwatch provider only"));
  }

  @Test
  void kubernetesListAndJsonArraysAreExpanded() {
    String json = "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":["
        + "{\"apiVersion\":\"flagger.app/v1beta1\",\"kind\":\"MetricTemplate\",\"metadata\":{\"name\":\"a\"},"
        + "\"spec\":{\"provider\":{\"type\":\"prometheus\",\"address\":\"http://p:9090\"},\"query\":\"up\"}},"
        + "{\"apiVersion\":\"flagger.app/v1beta1\",\"kind\":\"MetricTemplate\",\"metadata\":{\"name\":\"b\"},"
        + "\"spec\":{\"provider\":{\"type\":\"prometheus\",\"address\":\"http://p:9090\"},\"query\":\"up\"}}]}";
    assertThat(CanaryManifests.readAll(json).metricTemplates()).extracting(t -> t.name()).containsExactly("a", "b");
    assertThat(CanaryManifests.readAll("[" + json + "," + json + "]").metricTemplates()).hasSize(4);
  }

  @Test
  void metricTemplateHeaderValuesNeverAppearInMessages() {
    ManifestException e = catchThrowableOfType(() -> CanaryManifests.readMetricTemplate(
        "apiVersion: flagger.app/v1beta1\nkind: MetricTemplate\nmetadata:\n  name: t\nspec:\n"
            + "  provider:\n    address: http://p:9090\n    headers:\n      Authorization: {bearer: s3cr3t}\n"
            + "  query: up\n"), ManifestException.class);
    assertThat(e.problems()).containsExactly(new SpecProblem("spec.provider.headers.Authorization",
        "expected a list of strings but found an object"));
    assertThat(e.getMessage()).doesNotContain("s3cr3t");
  }

  @Test
  void statusWithUnknownPhaseAndBadTimestampIsReported() {
    assertThat(problems(canary("  analysis:\n    interval: 1m\n    threshold: 1\n    iterations: 1\n")
        + "status:\n  phase: Running\n  lastTransitionTime: yesterday\n  observedGeneration: 2\n"))
        .containsExactly(
            new SpecProblem("status.phase", "unknown phase; expected one of Initializing, Initialized, "
                + "Waiting, Progressing, WaitingPromotion, Promoting, Finalising, Succeeded, Failed, "
                + "Terminating, Terminated"),
            new SpecProblem("status.lastTransitionTime", "expected an RFC 3339 timestamp such as 2024-05-01T10:00:00Z"),
            new SpecProblem("status.observedGeneration", "unknown field"));
  }

  @Test
  void targetPortAcceptsANumberOrAName() {
    assertThat(CanaryManifests.readCanary(HEADER + "spec:\n  targetRef:\n    name: p\n  service:\n    port: 80\n"
        + "    targetPort: http\n").canary().spec().service().targetPort()).isEqualTo("http");
    assertThat(problems(HEADER + "spec:\n  targetRef:\n    name: p\n  service:\n    port: 80\n"
        + "    targetPort: [1]\n")).containsExactly(
        new SpecProblem("spec.service.targetPort", "expected an integer or a string but found a list"));
  }

  @Test
  void canaryReadsFromAJsonLikeTree() {
    Map<String, Object> tree = Map.of("apiVersion", "flagger.app/v1beta1", "kind", "Canary",
        "metadata", Map.of("name", "p", "namespace", "n"),
        "spec", Map.of("targetRef", Map.of("name", "p"), "service", Map.of("port", 80)));
    CanaryDocument doc = CanaryManifests.readCanary(tree);
    assertThat(doc.canary().key()).isEqualTo("p.n");
    assertThat(doc.canary().spec().analysis()).isNull();
  }
}
