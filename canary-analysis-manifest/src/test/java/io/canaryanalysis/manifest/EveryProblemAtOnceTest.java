package io.canaryanalysis.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.core.validation.CanaryValidator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A field that cannot be read hides nothing: the checks run on the rest, in the same exception. */
class EveryProblemAtOnceTest {
  static final String TEN_PROBLEMS = "apiVersion: flagger.app/v1beta1\nkind: Canary\n"
      + "metadata:\n  name: podinfo\n  namespace: test\n"
      + "spec:\n  provider: traefik\n  targetRef:\n    name: podinfo\n  service:\n    port: 80\n"
      + "  analysis:\n"
      + "    interval: 0s\n"
      + "    threshold: 5\n"
      + "    maxWeight: 120\n"
      + "    stepWeights: [10, 30, 20]\n"
      + "    mirror: true\n"
      + "    metrics:\n"
      + "      - name: request-success-rate\n        thresholdRange: {min: 99, max: 1}\n"
      + "      - name: request-success-rate\n        thresholdRange: {min: 99}\n"
      + "    webhooks:\n"
      + "      - name: load-test\n        url: ftp://loadtester/\n        timeout: soon\n"
      + "      - name: gate\n        type: confirm-rolout\n        url: http://gate/\n"
      + "    alerts:\n      - name: on-call\n        providerRef: {}\n";

  static final TrafficRouter WEIGHTS_ONLY = new TrafficRouter() {
    @Override
    public String kind() {
      return "traefik";
    }

    @Override
    public RouterCapabilities capabilities() {
      return RouterCapabilities.WEIGHTS_ONLY;
    }

    @Override
    public void reconcile(Canary canary) {}

    @Override
    public void setRoutes(Canary canary, TrafficSplit split) {}

    @Override
    public TrafficSplit getRoutes(Canary canary) {
      return TrafficSplit.ALL_PRIMARY;
    }

    @Override
    public void finalizeRoutes(Canary canary) {}
  };

  static ManifestReader checked() {
    return ManifestReader.create().withCanaryChecks(c -> CanaryValidator.check(c, WEIGHTS_ONLY));
  }

  @Test
  void tenProblemsAreTenPathPrefixedLines() {
    ManifestException e = catchThrowableOfType(() -> checked().readCanary(TEN_PROBLEMS), ManifestException.class);
    assertThat(e.problems()).extracting(SpecProblem::toString).containsExactly(
        "spec.analysis.webhooks[0].timeout: expected a duration: a number with a unit such as 30s, 5m or 1m30s",
        "spec.analysis.webhooks[1].type: unknown webhook type; expected one of confirm-rollout, pre-rollout, "
            + "rollout, confirm-traffic-increase, confirm-promotion, post-rollout, rollback, event",
        "spec.analysis.alerts[0].providerRef.name: required",
        "spec.analysis.maxWeight: must be between 1 and 100",
        "spec.analysis.stepWeights[2]: must be greater than 30",
        "spec.analysis.interval: must be greater than 0",
        "spec.analysis.metrics[0].thresholdRange: min (99) must not be greater than max (1)",
        "spec.analysis.metrics[1].name: duplicate metric name \"request-success-rate\" (also metrics[0])",
        "spec.analysis.webhooks[0].url: must be an http or https URL with a host",
        "spec.analysis.mirror: traffic mirroring is not supported by the traefik router; remove mirror or use "
            + "the istio router");
    assertThat(e.getMessage().lines().skip(1)).hasSize(10).allMatch(line -> line.startsWith("  spec."));
  }

  @Test
  void anUnsupportedProviderDoesNotHideTheRest() {
    ManifestException e = catchThrowableOfType(() -> ManifestReader.create()
        .withCanaryChecks(CanaryValidator::check)
        .readCanary("apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: p\n"
            + "spec:\n  provider: linkerd\n  targetRef:\n    name: p\n  service:\n    port: 80\n"
            + "  analysis:\n    interval: 1m\n    threshold: 5\n    stepWeight: 10\n    maxWeight: 120\n"),
        ManifestException.class);
    assertThat(e.problems()).extracting(SpecProblem::path).containsExactly("spec.provider", "spec.analysis.maxWeight");
  }

  @Test
  void aCheckFindingOnAFieldThatCouldNotBeReadIsLeftOut() {
    ManifestException e = catchThrowableOfType(() -> ManifestReader.create()
        .withCanaryChecks(CanaryValidator::check)
        .readCanary("apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: p\n"
            + "spec:\n  targetRef:\n    name: p\n  service:\n    port: 80\n"
            + "  analysis:\n    interval: 1m\n    threshold: 5\n    stepWeight: ten\n"
            + "    metrics:\n      - name: request-success-rate\n        thresholdRange: {min: high}\n"
            + "      - just-a-string\n      - name: request-duration\n        thresholdRange: {max: 500}\n"
            + "        interval: 1e400s\n"),
        ManifestException.class);
    // Without the left-out findings there would also be "spec.analysis: set one of stepWeight, ...",
    // "metrics[0].thresholdRange: set min, max or both" and "metrics[1]: set thresholdRange".
    assertThat(e.problems()).extracting(SpecProblem::toString).containsExactly(
        "spec.analysis.stepWeight: expected an integer but found a string",
        "spec.analysis.metrics[1]: expected an object but found a string",
        "spec.analysis.metrics[0].thresholdRange.min: expected a number but found a string",
        "spec.analysis.metrics[2].interval: expected a duration: a number with a unit such as 30s, 5m or 1m30s");
  }

  @Test
  void warningsOfTheChecksComeBackAsNotices() {
    CanaryDocument doc = ManifestReader.create().withCanaryChecks(CanaryValidator::check)
        .readCanary("apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: p\n"
            + "spec:\n  targetRef:\n    name: p\n  service:\n    port: 80\n"
            + "  analysis:\n    interval: 1m\n    threshold: 5\n    maxWeight: 50\n    stepWeights: [10, 80]\n");
    assertThat(doc.notices()).extracting(SpecProblem::path).containsExactly("spec.analysis.maxWeight");
  }

  @Test
  void readAllRunsTheChecksOfEveryDocument() {
    String canary = "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: p\n"
        + "spec:\n  targetRef:\n    name: p\n  service:\n    port: 80\n"
        + "  analysis:\n    interval: 1m\n    threshold: 0\n    stepWeight: 10\n";
    String template = "apiVersion: flagger.app/v1beta1\nkind: MetricTemplate\nmetadata:\n  name: t\n"
        + "spec:\n  provider:\n    type: prometheus\n    address: prometheus:9090\n  query: up\n";
    ManifestException e = catchThrowableOfType(() -> ManifestReader.create()
        .withCanaryChecks(CanaryValidator::check).withMetricTemplateChecks(CanaryValidator::check)
        .readAll(canary + "---\n" + template), ManifestException.class);
    assertThat(e.problems()).containsExactly(
        new SpecProblem("documents[0].spec.analysis.threshold", "must be at least 1"),
        new SpecProblem("documents[1].spec.provider.address", "must be an http or https URL with a host"));
  }

  @Test
  void relatedPathsAreTheFieldItsChildrenAndItsParent() {
    assertThat(ManifestReader.related("spec.analysis", "spec.analysis.stepWeight")).isTrue();
    assertThat(ManifestReader.related("spec.analysis.metrics[0].x", "spec.analysis.metrics[0]")).isTrue();
    assertThat(ManifestReader.related("spec", "spec.analysis.stepWeight")).isFalse();
    assertThat(ManifestReader.related("spec.analysis.stepWeights", "spec.analysis.stepWeight")).isFalse();
    assertThat(ManifestReader.parent("metadata.labels[\"a.b/c\"]")).isEqualTo("metadata.labels");
    assertThat(ManifestReader.parent("spec.analysis.metrics[3]")).isEqualTo("spec.analysis.metrics");
    assertThat(ManifestReader.parent("spec")).isEmpty();
    assertThat(List.of()).isEmpty();
  }
}
