package io.canaryanalysis.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.status.CanaryPhase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runner validates a scenario as a cluster would (the provider's real router), reports every
 * problem at once, reads every document of the file and starts from a stored status.
 */
class ScenarioValidationTest {
  private static final String NGINX_COOKIE_REGEX = String.join("\n",
      "canary:",
      "  apiVersion: flagger.app/v1beta1",
      "  kind: Canary",
      "  metadata: {name: podinfo, namespace: test}",
      "  spec:",
      "    provider: nginx",
      "    targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}",
      "    ingressRef: {apiVersion: networking.k8s.io/v1, kind: Ingress, name: podinfo}",
      "    service: {port: 9898}",
      "    analysis:",
      "      interval: 1m",
      "      threshold: 2",
      "      iterations: 5",
      "      match:",
      "        - headers:",
      "            cookie: {regex: \"^(.*?;)?(canary=always)(;.*)?$\"}",
      "      metrics:",
      "        - name: request-success-rate",
      "          thresholdRange: {min: 99}",
      "simulation:",
      "  metrics:",
      "    request-success-rate: [{from: 0s, value: 99.9}]",
      "");

  @TempDir
  Path dir;

  private Path write(String name, String text) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, text, StandardCharsets.UTF_8);
    return file;
  }

  @Test
  void anNginxCookieRegexThatTheNginxRouterRefusesIsRefusedBySimulate() throws Exception {
    RunnerOutput run = RunnerOutput.run("simulate", write("nginx-ab.yaml", NGINX_COOKIE_REGEX).toString());

    assertThat(run.exitCode()).isEqualTo(CanaryRunner.EXIT_USAGE);
    assertThat(run.err()).contains("canary.spec.analysis.match[0].headers.cookie: ingress-nginx routes on a "
        + "cookie by name (canary-by-cookie: requests whose cookie value is \"always\" reach the canary); "
        + "set exact: <cookie name>, found regex");
  }

  @Test
  void theSameScenarioWithACookieNameRuns() throws Exception {
    String fixed = NGINX_COOKIE_REGEX.replace("{regex: \"^(.*?;)?(canary=always)(;.*)?$\"}", "{exact: canary}");
    RunnerOutput run = RunnerOutput.run("simulate", write("nginx-ab.yaml", fixed).toString());

    assertThat(run.err()).isEmpty();
    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("Promotion completed!");
  }

  @Test
  void tuneRefusesItToo() throws Exception {
    RunnerOutput run = RunnerOutput.run("tune", write("nginx-ab.yaml", NGINX_COOKIE_REGEX).toString());
    assertThat(run.exitCode()).isEqualTo(CanaryRunner.EXIT_USAGE);
    assertThat(run.err()).contains("found regex");
  }

  @Test
  void aManifestWithTenProblemsPrintsTenPathPrefixedLinesAndExits2() throws Exception {
    String scenario = String.join("\n",
        "canary:",
        "  apiVersion: flagger.app/v1beta1",
        "  kind: Canary",
        "  metadata: {name: podinfo, namespace: test}",
        "  spec:",
        "    provider: traefik",
        "    targetRef: {name: podinfo}",
        "    service: {port: 80}",
        "    analysis:",
        "      interval: 0s",
        "      threshold: 5",
        "      maxWeight: 120",
        "      stepWeights: [10, 30, 20]",
        "      mirror: true",
        "      metrics:",
        "        - name: request-success-rate",
        "          thresholdRange: {min: 99, max: 1}",
        "        - name: request-success-rate",
        "          thresholdRange: {min: 99}",
        "      webhooks:",
        "        - {name: load-test, url: \"ftp://loadtester/\", timeout: soon}",
        "        - {name: gate, type: confirm-rolout, url: \"http://gate/\"}",
        "      alerts:",
        "        - {name: on-call, providerRef: {}}",
        "simulation:",
        "  metrics:",
        "    request-success-rate: [{from: 0s, value: 99.9}]",
        "");
    RunnerOutput run = RunnerOutput.run("simulate", write("ten.yaml", scenario).toString());

    assertThat(run.exitCode()).isEqualTo(CanaryRunner.EXIT_USAGE);
    assertThat(run.err().lines().filter(line -> line.startsWith("  canary.spec."))).hasSize(10);
    assertThat(run.err()).startsWith("error: invalid scenario ").contains("(10 problems)")
        .contains("  canary.spec.analysis.webhooks[0].timeout: expected a duration",
            "  canary.spec.analysis.maxWeight: must be between 1 and 100",
            "  canary.spec.analysis.mirror: traffic mirroring is not supported by the traefik router");
  }

  @Test
  void metricTemplatesAfterTheScenarioAreReadAndATemplateRefMustNameOne() throws Exception {
    String canary = String.join("\n",
        "canary:",
        "  apiVersion: flagger.app/v1beta1",
        "  kind: Canary",
        "  metadata: {name: podinfo, namespace: test}",
        "  spec:",
        "    targetRef: {name: podinfo}",
        "    service: {port: 80}",
        "    analysis:",
        "      interval: 1m",
        "      threshold: 2",
        "      stepWeight: 50",
        "      metrics:",
        "        - name: error-rate",
        "          templateRef: {name: error-rate}",
        "          thresholdRange: {max: 1}",
        "simulation:",
        "  metrics:",
        "    error-rate: [{from: 0s, value: 0.1}]",
        "");
    String template = String.join("\n",
        "apiVersion: flagger.app/v1beta1",
        "kind: MetricTemplate",
        "metadata: {name: error-rate}",
        "spec:",
        "  provider: {type: prometheus, address: \"http://prometheus.monitoring:9090\"}",
        "  query: sum(rate(errors[{{ interval }}]))",
        "");
    RunnerOutput ok = RunnerOutput.run("simulate", write("t.yaml", canary + "---\n" + template).toString());
    assertThat(ok.err()).isEmpty();
    assertThat(ok.exitCode()).isZero();

    RunnerOutput missing = RunnerOutput.run("simulate", write("m.yaml", canary).toString());
    assertThat(missing.exitCode()).isEqualTo(CanaryRunner.EXIT_USAGE);
    assertThat(missing.err()).contains("canary.spec.analysis.metrics[0].templateRef: no MetricTemplate error-rate "
        + "in namespace test in this file; add it as a document after ---");

    String others = canary + "---\n" + template.replace("type: prometheus", "type: datadog")
        + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: podinfo}\n"
        + "---\n{not: [valid\n";
    RunnerOutput bad = RunnerOutput.run("simulate", write("o.yaml", others).toString());
    assertThat(bad.exitCode()).isEqualTo(CanaryRunner.EXIT_USAGE);
    assertThat(bad.err()).contains(
        "documents[1].spec.provider.type: the datadog metric provider is not supported by canary-analysis",
        "documents[2].kind: expected MetricTemplate",
        "documents[3]: not valid YAML");
  }

  @Test
  void aCanaryStatusStartsTheRunFromThatStatus() throws Exception {
    String scenario = String.join("\n",
        "canary:",
        "  apiVersion: flagger.app/v1beta1",
        "  kind: Canary",
        "  metadata: {name: podinfo, namespace: test}",
        "  spec:",
        "    targetRef: {name: podinfo}",
        "    service: {port: 80}",
        "    analysis:",
        "      interval: 1m",
        "      threshold: 2",
        "      stepWeight: 50",
        "      metrics:",
        "        - name: request-success-rate",
        "          thresholdRange: {min: 99}",
        "  status:",
        "    phase: Succeeded",
        "    lastAppliedSpec: rev-1",
        "    lastPromotedSpec: rev-1",
        "simulation:",
        "  duration: 5m",
        "  newRevisionAt: []",
        "  metrics:",
        "    request-success-rate: [{from: 0s, value: 99.9}]",
        "");
    Scenario parsed = Scenario.parse(scenario, "stored");
    assertThat(parsed.status().phase()).isEqualTo(CanaryPhase.SUCCEEDED);
    assertThat(parsed.run().phases()).doesNotContain(CanaryPhase.INITIALIZING, CanaryPhase.INITIALIZED);
  }
}
