package io.canaryanalysis.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.JudgeSpec;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.api.status.CheckStatus;
import io.canaryanalysis.api.status.JudgeStatus;
import io.canaryanalysis.api.status.JudgeStep;
import io.canaryanalysis.api.status.LatencyEvidence;
import io.canaryanalysis.api.status.LatencyStep;
import io.canaryanalysis.api.status.Measurement;
import io.canaryanalysis.api.status.OutcomeClass;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The judge, the provider-error budget and the per-check status history in manifests. */
class JudgeManifestTest {
  private static final String HEAD = "apiVersion: flagger.app/v1beta1\nkind: Canary\n"
      + "metadata: {name: podinfo, namespace: test}\nspec:\n"
      + "  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}\n  service: {port: 9898}\n"
      + "  analysis:\n    interval: 1m\n    stepWeight: 10\n";

  @Test
  void judgeAloneIsAllAUserWritesAndItRoundTrips() {
    Canary canary = CanaryManifests.readCanary(HEAD + "    consecutiveErrorLimit: 4\n    measurementRetention: 20\n"
        + "    metrics:\n      - name: errors\n        judge: {alpha: 0.01}\n"
        + "      - name: request-success-rate\n        thresholdRange: {min: 99}\n        consecutiveErrorLimit: 2\n")
        .canary();

    MetricCheck judge = canary.spec().analysis().metrics().get(0);
    assertThat(judge.judge()).isEqualTo(JudgeSpec.alpha(0.01));
    assertThat(judge.judge().builtinSeries()).isTrue();
    assertThat(judge.effectiveErrorLimit(null)).isEqualTo(4);
    assertThat(canary.spec().analysis().metrics().get(1).effectiveErrorLimit(4)).isEqualTo(2);
    assertThat(canary.spec().analysis().effectiveMeasurementRetention()).isEqualTo(20);
    assertThat(CanaryManifests.readCanary(CanaryManifests.toYaml(canary)).canary()).isEqualTo(canary);
  }

  @Test
  void flaggerManifestsKeepFlaggersBehaviour() {
    Canary canary = CanaryManifests.readCanary(HEAD
        + "    metrics:\n      - name: request-success-rate\n        thresholdRange: {min: 99}\n").canary();
    assertThat(canary.spec().analysis().consecutiveErrorLimit()).isNull();
    assertThat(canary.spec().analysis().metrics().get(0).effectiveErrorLimit(null)).isNull();
    assertThat(CanaryManifests.toYaml(canary)).doesNotContain("consecutiveErrorLimit").doesNotContain("judge");
  }

  @Test
  void statusChecksRoundTripWithHistoryAndJudgeEvidence() {
    Canary canary = CanaryManifests.readCanary(HEAD + "    metrics:\n      - name: errors\n        judge: {}\n").canary();
    Instant t = Instant.parse("2026-12-01T10:00:00Z");
    CanaryStatus status = CanaryStatus.builder().phase(CanaryPhase.PROGRESSING).canaryWeight(20)
        .checks(List.of(new CheckStatus("errors", 2, List.of(
            new Measurement(t, OutcomeClass.INCONCLUSIVE, 3.5, "e >= 100"),
            new Measurement(t.plusSeconds(60), OutcomeClass.PROVIDER_ERROR, null, null)),
            new JudgeStatus(List.of(new JudgeStep(10, 3, 20, 1000, 9000), new JudgeStep(20, 1, 4, 400, 1600)),
                3.5, 1.3, 0.4, 4.2))))
        .build();

    CanaryStatus back = CanaryManifests.readCanary(CanaryManifests.toYaml(canary, status)).status();

    assertThat(back).isEqualTo(status);
  }

  @Test
  void badJudgeFieldsAreEveryProblemAtOnceWithTheirPaths() {
    ManifestException e = catchThrowableOfType(() -> EveryProblemAtOnceTest.checked().readCanary(HEAD
        + "    consecutiveErrorLimit: -1\n    measurementRetention: 1000\n"
        + "    metrics:\n      - name: errors\n        thresholdRange: {min: 99}\n        consecutiveErrorLimit: -2\n"
        + "        judge: {alpha: 2, minRatio: 0.5, canaryErrors: 'sum(x)'}\n"), ManifestException.class);

    assertThat(e.problems()).extracting(SpecProblem::path).contains(
        "spec.analysis.consecutiveErrorLimit", "spec.analysis.measurementRetention",
        "spec.analysis.metrics[0].consecutiveErrorLimit", "spec.analysis.metrics[0].thresholdRange",
        "spec.analysis.metrics[0].judge.alpha", "spec.analysis.metrics[0].judge.minRatio",
        "spec.analysis.metrics[0].judge");
  }

  @Test
  void judgeUnderBlueGreenIsRefused() {
    ManifestException e = catchThrowableOfType(() -> EveryProblemAtOnceTest.checked().readCanary(
        HEAD.replace("stepWeight: 10", "iterations: 5") + "    metrics:\n      - name: errors\n        judge: {}\n"),
        ManifestException.class);
    assertThat(e.problems()).extracting(SpecProblem::toString)
        .anyMatch(p -> p.startsWith("spec.analysis.metrics[0].judge: needs the canary strategy"));
  }

  @Test
  void unknownOutcomeClassInAStoredStatusIsAnErrorWithItsPath() {
    ManifestException e = catchThrowableOfType(() -> CanaryManifests.readCanary(HEAD
        + "    metrics:\n      - name: errors\n        judge: {}\n"
        + "status:\n  phase: Progressing\n  checks:\n    - name: errors\n      measurements:\n"
        + "        - {time: '2026-12-01T10:00:00Z', outcome: maybe}\n"), ManifestException.class);
    assertThat(e.problems()).extracting(SpecProblem::path).contains("status.checks[0].measurements[0].outcome");
  }

  @Test
  void latencyJudgeIsOneLineWithBuiltinHistogramsOrTwoQueriesAndItRoundTrips() {
    Canary canary = CanaryManifests.readCanary(HEAD + "    metrics:\n      - name: latency\n"
        + "        judge: {kind: latency, alpha: 0.005}\n"
        + "      - name: custom-latency\n        judge:\n          kind: latency\n          minRatio: 2\n"
        + "          canaryBuckets: 'sum by (le) (increase(x_bucket{app=\"c\"}[{{ interval }}]))'\n"
        + "          primaryBuckets: 'sum by (le) (increase(x_bucket{app=\"p\"}[{{ interval }}]))'\n").canary();

    JudgeSpec builtin = canary.spec().analysis().metrics().get(0).judge();
    assertThat(builtin).isEqualTo(JudgeSpec.latency(0.005));
    assertThat(builtin.builtinSeries()).isTrue();
    JudgeSpec custom = canary.spec().analysis().metrics().get(1).judge();
    assertThat(custom.isLatency()).isTrue();
    assertThat(custom.builtinSeries()).isFalse();
    assertThat(custom.effectiveMinRatio()).isEqualTo(2.0);
    assertThat(custom.canaryBuckets()).contains("app=\"c\"");
    assertThat(CanaryManifests.readCanary(CanaryManifests.toYaml(canary)).canary()).isEqualTo(canary);
  }

  @Test
  void latencyEvidenceRoundTripsInTheStatus() {
    Canary canary = CanaryManifests.readCanary(HEAD + "    metrics:\n      - name: latency\n"
        + "        judge: {kind: latency}\n").canary();
    Instant t = Instant.parse("2026-12-01T10:00:00Z");
    LatencyEvidence evidence = new LatencyEvidence(List.of(50.0, 100.0, 250.0),
        List.of(new LatencyStep(10, 600, 5400, List.of(300L, 40L, 9L), List.of(2700L, 200L, 20L)),
            new LatencyStep(20, 1200, 4800, List.of(610L, 90L, 15L), List.of(2400L, 180L, 19L))),
        250.0, 247.5, 180.25);
    CanaryStatus status = CanaryStatus.builder().phase(CanaryPhase.PROGRESSING).canaryWeight(20)
        .checks(List.of(new CheckStatus("latency", 0, List.of(
            new Measurement(t, OutcomeClass.INCONCLUSIVE, 12.5, "e >= 100")),
            new JudgeStatus(List.of(), 12.5, 2.4, 1.1, 5.3, evidence))))
        .build();

    CanaryStatus back = CanaryManifests.readCanary(CanaryManifests.toYaml(canary, status)).status();

    assertThat(back).isEqualTo(status);
  }

  @Test
  void badLatencyJudgeFieldsAreEveryProblemAtOnceWithTheirPaths() {
    ManifestException e = catchThrowableOfType(() -> EveryProblemAtOnceTest.checked().readCanary(HEAD
        + "    metrics:\n      - name: latency\n"
        + "        judge: {kind: latency, alpha: 0, canaryErrors: 'sum(x)', canaryBuckets: 'sum by (le) (x)'}\n"
        + "      - name: errors\n        judge: {primaryBuckets: 'sum by (le) (x)'}\n"
        + "      - name: typo\n        judge: {kind: latencies}\n"), ManifestException.class);

    assertThat(e.problems()).extracting(SpecProblem::toString).contains(
        "spec.analysis.metrics[0].judge.alpha: must be greater than 0 and at most 0.5",
        "spec.analysis.metrics[0].judge.canaryErrors: not used by a latency judge, which compares histograms; "
            + "set canaryBuckets and primaryBuckets",
        "spec.analysis.metrics[0].judge: set both histograms (canaryBuckets, primaryBuckets) or none for the "
            + "router's builtin ones",
        "spec.analysis.metrics[1].judge.primaryBuckets: only used by kind latency");
    assertThat(e.problems()).extracting(SpecProblem::path).contains("spec.analysis.metrics[2].judge.kind");
  }

  @Test
  void aStoredLatencyStepWithTheWrongNumberOfCountsIsAnErrorWithItsPath() {
    ManifestException e = catchThrowableOfType(() -> CanaryManifests.readCanary(HEAD
        + "    metrics:\n      - name: latency\n        judge: {kind: latency}\n"
        + "status:\n  phase: Progressing\n  checks:\n    - name: latency\n      judge:\n        eValue: 1\n"
        + "        latency:\n          bounds: [50, 100]\n          steps:\n"
        + "            - {weight: 10, canaryRequests: 5, primaryRequests: 50, canarySlower: [1], primarySlower: [3, -1]}\n"),
        ManifestException.class);
    assertThat(e.problems()).extracting(SpecProblem::path).contains(
        "status.checks[0].judge.latency.steps[0].canarySlower",
        "status.checks[0].judge.latency.steps[0].primarySlower");
  }
}
