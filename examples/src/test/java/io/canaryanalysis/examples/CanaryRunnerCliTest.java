package io.canaryanalysis.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: JSON output, files, usage and every input error path. */
class CanaryRunnerCliTest {
  private static final String CANARY = String.join("\n",
      "canary:",
      "  apiVersion: flagger.app/v1beta1",
      "  kind: Canary",
      "  metadata: {name: podinfo, namespace: test}",
      "  spec:",
      "    targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}",
      "    service: {port: 9898}",
      "    analysis:",
      "      interval: 1m",
      "      threshold: 2",
      "      stepWeight: 25",
      "      metrics:",
      "        - name: request-success-rate",
      "          thresholdRange: {min: 99}",
      "");

  @TempDir
  Path dir;

  private Path write(String name, String text) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, text, StandardCharsets.UTF_8);
    return file;
  }

  @Test
  void jsonOutputHasTheOutcomeAndEveryTick() throws Exception {
    RunnerOutput run = RunnerOutput.run("simulate", "--json", "rollback");

    assertThat(run.exitCode()).isZero();
    JsonNode json = new ObjectMapper().readTree(run.out());
    assertThat(json.path("canary").asText()).isEqualTo("podinfo.test");
    assertThat(json.path("router").asText()).isEqualTo("istio");
    JsonNode outcome = json.path("outcome");
    assertThat(outcome.path("phase").asText()).isEqualTo("Failed");
    assertThat(outcome.path("settled").asBoolean()).isTrue();
    assertThat(outcome.path("timeToRollbackSeconds").asLong()).isEqualTo(360);
    assertThat(outcome.path("timeToPromotionSeconds").isNull()).isTrue();
    assertThat(outcome.path("lastFailure").path("check").asText()).isEqualTo("request-success-rate");
    assertThat(outcome.path("lastFailure").path("value").asDouble()).isEqualTo(53.42);
    assertThat(outcome.path("lastFailure").path("bound").asText()).isEqualTo("< 99");

    JsonNode timeline = json.path("timeline");
    assertThat(timeline).hasSize(7);
    JsonNode last = timeline.get(6);
    assertThat(last.path("time").asText()).isEqualTo("00:06:00");
    assertThat(last.path("phase").asText()).isEqualTo("Failed");
    List<String> messages = new ArrayList<>();
    last.path("events").forEach(e -> messages.add(e.path("type").asText() + " " + e.path("message").asText()));
    assertThat(messages).containsExactly(
        "Warning Halt podinfo.test advancement success rate 53.42% < 99%",
        "Warning Rolling back podinfo.test failed checks threshold reached 3",
        "Warning Canary failed! Scaling down podinfo.test");
    assertThat(last.path("alerts").get(0).path("severity").asText()).isEqualTo("error");
    assertThat(timeline.get(3).path("canaryWeight").asInt()).isEqualTo(10);
    assertThat(timeline.get(3).path("webhooksCalled").get(0).asText()).isEqualTo("load-test");
  }

  @Test
  void leadingOptionImpliesSimulate() throws Exception {
    RunnerOutput run = RunnerOutput.run("--json");
    assertThat(run.exitCode()).isZero();
    assertThat(new ObjectMapper().readTree(run.out()).path("outcome").path("phase").asText())
        .isEqualTo("Succeeded");
  }

  @Test
  void runsAScenarioFileWithTracesOnWeightHooksAndReadiness() throws Exception {
    Path file = write("weights.yaml", CANARY.replace("      metrics:",
        String.join("\n",
            "      webhooks:",
            "        - {name: smoke, type: rollout, url: 'http://tester.test/'}",
            "      metrics:"))
        + String.join("\n",
            "simulation:",
            "  duration: 20m",
            "  newRevisionAt: 1m",
            "  router: istio",
            "  metrics:",
            "    request-success-rate:",
            "      - {from: 0s, value: 99.5}",
            "      - {from: 0s, minWeight: 50, value: 96.5}",
            "  webhooks:",
            "    smoke:",
            "      - {from: 0s, error: 'timeout after 10s'}",
            "      - {from: 5m, status: 200}",
            "  readiness:",
            "    canary:",
            "      - {from: 2m, ready: false, message: 'canary deployment podinfo.test not ready: rolling'}",
            "      - {from: 3m, ready: true}",
            ""));

    RunnerOutput run = RunnerOutput.run("simulate", file.toString());

    assertThat(run.err()).isEmpty();
    assertThat(run.exitCode()).isZero();
    assertThat(run.events()).containsSubsequence(
        "00:01:00 Normal New revision detected! Scaling up podinfo.test",
        "00:02:00 Warning canary deployment podinfo.test not ready: rolling",
        "00:03:00 Normal Starting canary analysis for podinfo.test",
        "00:03:00 Normal Advance podinfo.test canary weight 25",
        "00:04:00 Warning Halt podinfo.test advancement external check smoke failed timeout after 10s",
        "00:05:00 Normal Advance podinfo.test canary weight 50",
        "00:06:00 Warning Halt podinfo.test advancement success rate 96.50% < 99%",
        "00:06:00 Warning Rolling back podinfo.test failed checks threshold reached 2");
    assertThat(run.summary("new revision at")).isEqualTo("00:01:00");
    assertThat(run.summary("time to rollback")).isEqualTo("5m0s (rolled back at 00:06:00)");
  }

  @Test
  void unknownKeysAreErrorsWithTheirPaths() throws Exception {
    Path file = write("typo.yaml", CANARY.replace("stepWeight: 25", "stepWeigth: 25")
        + String.join("\n",
            "simulation:",
            "  duraton: 30m",
            "  metrics:",
            "    request-success-rate:",
            "      - {from: 0s, vaule: 99}",
            "  readiness:",
            "    canary: [{from: 0s, ready: true}]",
            "    primray: [{from: 0s, ready: true}]",
            "extra: 1",
            ""));

    RunnerOutput run = RunnerOutput.run("simulate", file.toString());

    assertThat(run.exitCode()).isEqualTo(CanaryRunner.EXIT_USAGE);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).startsWith("error: invalid scenario " + file + " (");
    assertThat(run.err()).contains(
        "  extra: unknown field (expected one of canary, simulation, description)",
        "  canary.spec.analysis.stepWeigth: unknown field",
        "  simulation.duraton: unknown field (expected one of duration, newRevisionAt, router, metrics, "
            + "webhooks, readiness, traffic)",
        "  simulation.metrics.request-success-rate[0].vaule: unknown field",
        "  simulation.readiness.primray: unknown field (expected one of canary, primary, primaryAfterPromotion)");
  }

  @Test
  void anInvalidManifestListsEveryProblem() throws Exception {
    Path file = write("invalid.yaml", String.join("\n",
        "canary:",
        "  apiVersion: flagger.app/v1beta1",
        "  kind: Canary",
        "  metadata: {name: podinfo, namespace: test}",
        "  spec:",
        "    provider: traefik",
        "    targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}",
        "    service: {port: 9898}",
        "    analysis:",
        "      interval: 1m",
        "      threshold: 0",
        "      iterations: 5",
        "      match:",
        "        - headers: {x-canary: {exact: insider}}",
        "      metrics:",
        "        - name: request-success-rate",
        "          thresholdRange: {min: 99}",
        "simulation:",
        "  metrics:",
        "    request-success-rate: [{from: 0s, value: 99.9}]",
        "    error-rate: [{from: 0s, noData: true}]",
        "  webhooks:",
        "    approval: [{from: 0s, status: 403}]",
        ""));

    RunnerOutput run = RunnerOutput.run("simulate", file.toString());

    assertThat(run.exitCode()).isEqualTo(CanaryRunner.EXIT_USAGE);
    assertThat(run.err()).contains(
        "canary.spec.analysis.threshold: ",
        "canary.spec.analysis.match: A/B routing on headers is not supported by the traefik router",
        "simulation.metrics.error-rate: the canary has no metric named error-rate (its metrics: request-success-rate)",
        "simulation.webhooks.approval: the canary has no webhook named approval (its webhooks: none)");
  }

  @Test
  void everyCanaryMetricNeedsATrace() throws Exception {
    Path file = write("untraced.yaml", CANARY + "simulation: {duration: 10m}\n");

    RunnerOutput run = RunnerOutput.run("simulate", file.toString());

    assertThat(run.exitCode()).isEqualTo(CanaryRunner.EXIT_USAGE);
    assertThat(run.err()).contains("simulation.metrics: no trace for metric request-success-rate "
        + "(canary.spec.analysis.metrics[0]); script its values, or {from: 0s, noData: true} to simulate no data");
  }

  @Test
  void badTraceValuesNameTheirStep() throws Exception {
    Path file = write("values.yaml", CANARY + String.join("\n",
        "simulation:",
        "  duration: 0s",
        "  newRevisionAt: [1m, soon]",
        "  router: linkerd",
        "  metrics:",
        "    request-success-rate:",
        "      - {from: 0s, value: high}",
        "      - {from: 1, value: 99}",
        "      - {from: 2m, value: 99, noData: true}",
        "      - {from: 3m, minWeight: 120, value: 99}",
        "  readiness:",
        "    canary: [{from: 0s, ready: true, failed: true}]",
        ""));

    RunnerOutput run = RunnerOutput.run("simulate", file.toString());

    assertThat(run.exitCode()).isEqualTo(CanaryRunner.EXIT_USAGE);
    assertThat(run.err()).contains(
        "simulation.duration: must be more than 0s and at most 168h",
        "simulation.newRevisionAt[1]: not a duration: soon (write it like 30s, 4m, 1m30s or 1h)",
        "simulation.router: unknown router linkerd (the runner simulates gatewayapi, gatewayapi:v1, gatewayapi:v1beta1, istio, kubernetes, nginx, traefik)",
        "simulation.metrics.request-success-rate[0].value: expected a number but found a string",
        "simulation.metrics.request-success-rate[1].from: expected a duration like 30s, 4m or 1h but found a number",
        "simulation.metrics.request-success-rate[2]: needs exactly one of value (a number), noData: true or error",
        "simulation.metrics.request-success-rate[3].minWeight: must be between 0 and 100 but is 120",
        "simulation.readiness.canary[0]: failed and message apply only when ready is false");
  }

  @Test
  void malformedYamlSaysWhere() throws Exception {
    Path file = write("broken.yaml", "canary: [unclosed\n");
    RunnerOutput run = RunnerOutput.run("simulate", file.toString());
    assertThat(run.exitCode()).isEqualTo(CanaryRunner.EXIT_USAGE);
    assertThat(run.err()).contains("scenario: not valid YAML at line");
  }

  @Test
  void routerMustAgreeWithTheManifestProvider() throws Exception {
    Path file = write("router.yaml", CANARY.replace("    targetRef:", "    provider: nginx\n    targetRef:")
        + "simulation:\n  router: traefik\n  metrics:\n    request-success-rate: [{from: 0s, value: 99.9}]\n");
    RunnerOutput run = RunnerOutput.run("simulate", file.toString());
    assertThat(run.exitCode()).isEqualTo(CanaryRunner.EXIT_USAGE);
    assertThat(run.err()).contains("simulation.router: traefik does not match canary.spec.provider nginx");
  }

  @Test
  void theKubernetesProviderSimulatesAndRefusesWhatPodsCannotDo() throws Exception {
    Path ok = write("kubernetes.yaml", CANARY.replace("    targetRef:", "    provider: kubernetes\n    targetRef:")
        + "simulation:\n  metrics:\n    request-success-rate: [{from: 0s, value: 99.9}]\n");
    RunnerOutput run = RunnerOutput.run("simulate", ok.toString());
    assertThat(run.exitCode()).isZero();

    Path mirror = write("mirror.yaml", CANARY.replace("    targetRef:", "    provider: kubernetes\n    targetRef:")
        .replace("      stepWeight: 25", "      iterations: 3\n      mirror: true")
        + "simulation:\n  metrics:\n    request-success-rate: [{from: 0s, value: 99.9}]\n");
    RunnerOutput refused = RunnerOutput.run("simulate", mirror.toString());
    assertThat(refused.exitCode()).isEqualTo(CanaryRunner.EXIT_USAGE);
    assertThat(refused.err()).contains("canary.spec.analysis.mirror");
  }

  @Test
  void missingFileIsAUsageError() {
    RunnerOutput run = RunnerOutput.run("simulate", dir.resolve("nope.yaml").toString());

    assertThat(run.exitCode()).isEqualTo(CanaryRunner.EXIT_USAGE);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).contains("nope.yaml (1 problem)",
        "file: no such file, and not a bundled scenario (bundled: promotion, rollback, ab-testing, manual-gate, noisy, traffic, latency, gatewayapi-promotion, gatewayapi-rollback)");
  }

  @Test
  void usageErrorsPrintUsageAndExitTwo() {
    RunnerOutput unknownOption = RunnerOutput.run("simulate", "--verbose", "promotion");
    assertThat(unknownOption.exitCode()).isEqualTo(CanaryRunner.EXIT_USAGE);
    assertThat(unknownOption.err()).startsWith("error: unknown option --verbose\nUsage: ");

    RunnerOutput twoFiles = RunnerOutput.run("simulate", "promotion", "rollback");
    assertThat(twoFiles.exitCode()).isEqualTo(CanaryRunner.EXIT_USAGE);
    assertThat(twoFiles.err()).contains("one scenario at a time (got promotion and rollback)");

    RunnerOutput unknownCommand = RunnerOutput.run("deploy");
    assertThat(unknownCommand.exitCode()).isEqualTo(CanaryRunner.EXIT_USAGE);
    assertThat(unknownCommand.err()).startsWith("error: unknown command deploy");
  }

  @Test
  void helpPrintsUsage() {
    RunnerOutput run = RunnerOutput.run("--help");
    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).startsWith("Usage: java -jar canary-runner.jar [demo [options]]")
        .contains("--fail-on-rollback", "--json", "tune", "--runs", "--seed", "promotion, rollback, ab-testing, manual-gate, noisy");
  }
}
