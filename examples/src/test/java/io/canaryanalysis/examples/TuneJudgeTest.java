package io.canaryanalysis.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scripted traffic in scenarios, and {@code tune --judge}: the threshold rule and the judge on the same traces. */
class TuneJudgeTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  @Test
  void tuneReportsTheJudgeNextToTheThresholdRule() {
    RunnerOutput run = RunnerOutput.run("tune", "traffic", "--runs", "300", "--seed", "5", "--judge", "0.01");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("Side by side on the same traces")
        .containsPattern("(?m)^threshold rule \\(threshold 3\\)\\s+[\\d.]+% \\[")
        .containsPattern("(?m)^judge alpha 0.01\\s+[\\d.]+% \\[");
  }

  @Test
  void judgeFalseRollbackRateIsLowerThanTheRulesOnTheNoisyTrafficScenario() throws Exception {
    RunnerOutput run = RunnerOutput.run("tune", "--json", "traffic", "--runs", "400", "--seed", "5", "--judge", "0.01");
    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode r = JSON.readTree(run.out());
    double rule = r.path("rolledBack").path("rate").asDouble();
    double judge = r.path("judge").path("rolledBack").path("rate").asDouble();
    // A/A at 10 req/s: the rule's noisy success rate rolls back several percent; the judge at most alpha.
    assertThat(rule).isGreaterThan(0.02);
    assertThat(judge).isLessThanOrEqualTo(0.01);
    assertThat(r.path("judge").path("alpha").asDouble()).isEqualTo(0.01);
  }

  @Test
  void judgeNeedsTrafficAndATrafficStepNeedsItsFields() throws Exception {
    Path file = dir.resolve("judge.yaml");
    Files.writeString(file, String.join("\n",
        "canary:",
        "  apiVersion: flagger.app/v1beta1",
        "  kind: Canary",
        "  metadata: {name: podinfo, namespace: test}",
        "  spec:",
        "    targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}",
        "    service: {port: 9898}",
        "    analysis:",
        "      interval: 1m",
        "      stepWeight: 25",
        "      metrics:",
        "        - name: errors",
        "          judge: {alpha: 0.01}",
        ""), StandardCharsets.UTF_8);
    RunnerOutput missing = RunnerOutput.run("simulate", file.toString());
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.err()).contains("simulation.traffic").contains("judge errors");

    Files.writeString(file, Files.readString(file) + String.join("\n",
        "simulation:",
        "  traffic:",
        "    - {from: 0s, requestsPerSecond: -1}",
        ""), StandardCharsets.UTF_8);
    RunnerOutput bad = RunnerOutput.run("simulate", file.toString());
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err()).contains("simulation.traffic[0].requestsPerSecond").contains("simulation.traffic[0].primaryErrorRate");
  }

  @Test
  void simulateWithTrafficAndAJudgeRollsBackARegression() throws Exception {
    Path file = dir.resolve("regression.yaml");
    Files.writeString(file, String.join("\n",
        "canary:",
        "  apiVersion: flagger.app/v1beta1",
        "  kind: Canary",
        "  metadata: {name: podinfo, namespace: test}",
        "  spec:",
        "    provider: istio",
        "    targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}",
        "    service: {port: 9898}",
        "    analysis:",
        "      interval: 1m",
        "      stepWeight: 10",
        "      maxWeight: 50",
        "      metrics:",
        "        - name: errors",
        "          judge: {alpha: 0.01}",
        "simulation:",
        "  newRevisionAt: 0s",
        "  traffic:",
        "    - {from: 0s, requestsPerSecond: 200, primaryErrorRate: 0.01, canaryErrorRate: 0.1}",
        ""), StandardCharsets.UTF_8);
    RunnerOutput run = RunnerOutput.run("simulate", file.toString());
    assertThat(run.out()).as(run.err()).contains("Rolling back podinfo.test judge errors canary error rate higher "
        + "than primary's: e-value");
  }

  @Test
  void onTheLatencyScenarioTheLatencyJudgeCatchesWhatFlaggersDurationRuleCannot() throws Exception {
    RunnerOutput run = RunnerOutput.run("tune", "--json", "latency", "--runs", "200", "--seed", "5", "--judge", "0.01");
    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode r = JSON.readTree(run.out());
    // The canary's P99 (400 ms) stays under the rule's 500 ms bound (its rollbacks are minutes
    // without canary requests, no data, and a few noisy P99s); the histograms show the slower tail.
    double rule = r.path("rolledBack").path("rate").asDouble();
    double judge = r.path("judge").path("rolledBack").path("rate").asDouble();
    assertThat(rule).isLessThan(0.15);
    assertThat(judge).isGreaterThan(0.5).isGreaterThan(4 * rule);
  }

  @Test
  void latencyInATrafficStepIsValidatedAndTheLatencyJudgeNeedsIt() throws Exception {
    Path file = dir.resolve("latency.yaml");
    String head = String.join("\n",
        "canary:",
        "  apiVersion: flagger.app/v1beta1",
        "  kind: Canary",
        "  metadata: {name: podinfo, namespace: test}",
        "  spec:",
        "    targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}",
        "    service: {port: 9898}",
        "    analysis:",
        "      interval: 1m",
        "      stepWeight: 25",
        "      metrics:",
        "        - name: latency",
        "          judge: {kind: latency}",
        "simulation:",
        "  traffic:",
        "");
    Files.writeString(file, head + "    - {from: 0s, requestsPerSecond: 10, primaryErrorRate: 0}\n", StandardCharsets.UTF_8);
    RunnerOutput missing = RunnerOutput.run("simulate", file.toString());
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.err()).contains("the latency judge latency").contains("primaryLatency");

    Files.writeString(file, head + "    - {from: 0s, requestsPerSecond: 10, primaryErrorRate: 0,"
        + " primaryLatency: {median: 0, p99: 20}, canaryLatency: {median: 50, p99: 20, p50: 3}}\n",
        StandardCharsets.UTF_8);
    RunnerOutput bad = RunnerOutput.run("simulate", file.toString());
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err()).contains("simulation.traffic[0].primaryLatency.median")
        .contains("simulation.traffic[0].canaryLatency.p99: must not be less than the median")
        .contains("simulation.traffic[0].canaryLatency.p50");
  }
}
