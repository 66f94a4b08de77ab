package io.canaryanalysis.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The demo end to end, per provider, at a 1s interval: the real controller, DeploymentWorkload and
 * router on fabric8's mock API, traffic split by what the router wrote (the weights read back from
 * its objects; for {@code kubernetes} the ready pods behind the apex Service), and the checks
 * through PromQL on a real Prometheus (Debian's, on PATH; CI installs it): the builtin queries of
 * the router (Gateway API on the demo's Istio Gateway included; for {@code kubernetes} Flagger's
 * app-metrics builtins, the pods' own histogram). It promotes a healthy canary
 * and rolls back a regressed one; the JSON stream and the report file hold the same run.
 */
class DemoRunTest {
  @TempDir
  Path dir;

  /** The pods the replica-ratio router splits 4 primaries with, in a tick's {@code pods}. */
  private static final Pattern PODS = Pattern.compile("(\\d+) primary / (\\d+) canary pods");

  @ParameterizedTest
  @ValueSource(strings = {"gatewayapi", "istio", "traefik", "nginx", "kubernetes"})
  void promotesAHealthyCanaryThroughRealPrometheus(String provider) {
    DemoRun run = DemoRun.run(dir.resolve("report.html"), "--provider", provider, "--interval", "1s", "--json");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    JsonNode start = run.only("start");
    assertThat(start.path("provider").asText()).isEqualTo(provider);
    assertThat(start.path("metrics").asText()).as("prometheus is on PATH (CI installs it)").isEqualTo("prometheus");
    List<JsonNode> ticks = run.stream("tick");
    List<Integer> progressing = ticks.stream().filter(t -> t.path("phase").asText().equals("Progressing"))
        .map(t -> t.path("canaryWeight").asInt()).distinct().collect(Collectors.toList());
    assertThat(progressing).containsSubsequence(10, 20, 30, 40, 50);
    assertThat(ticks.get(ticks.size() - 1).path("phase").asText()).isEqualTo("Succeeded");
    List<Double> measured = ticks.stream().filter(t -> t.path("successRate").isNumber())
        .map(t -> t.path("successRate").asDouble()).collect(Collectors.toList());
    assertThat(measured).as("success rates the builtin PromQL returned").hasSizeGreaterThanOrEqualTo(4)
        .allSatisfy(sr -> assertThat(sr).isBetween(99.0, 100.0));
    assertThat(ticks.stream().filter(t -> t.path("latencyMs").isNumber()).map(t -> t.path("latencyMs").asDouble()))
        .as("latencies the builtin PromQL returned").isNotEmpty().allSatisfy(ms -> assertThat(ms).isBetween(1.0, 500.0));
    boolean pods = provider.equals("kubernetes");
    assertThat(start.path("metrics").asText()).isEqualTo("prometheus");
    assertThat(run.eventMessages()).contains("Initialization done! podinfo.test",
        "New revision detected! Scaling up podinfo.test",
        "Advance podinfo.test canary weight 50" + (pods ? " (4 primary / 4 canary pods)" : ""),
        "Copying podinfo.test template spec to podinfo-primary.test", "Promotion completed! Scaling down podinfo.test")
        .noneMatch(m -> m.startsWith("Halt") || m.startsWith("Rolling back"));
    if (pods) {
      assertTheLineShowsThePodSplit(ticks);
    } else {
      assertThat(ticks).noneSatisfy(t -> assertThat(t.has("pods")).isTrue());
    }
    JsonNode summary = run.only("summary");
    assertThat(summary.path("outcome").asText()).isEqualTo("Succeeded");
    assertThat(summary.path("maxCanaryWeight").asInt()).isEqualTo(50);
    assertThat(summary.path("canaryRequests").asLong()).isPositive();

    JsonNode report = run.reportData();
    assertThat(report.path("outcome").asText()).isEqualTo("Succeeded");
    assertThat(report.path("provider").asText()).isEqualTo(provider);
    assertThat(report.path("metrics").asText()).contains("real Prometheus")
        .contains(provider.equals("gatewayapi")
            ? "the builtin PromQL for Gateway API on istio" : "Flagger's builtin PromQL");
    assertThat(report.path("thresholds").path("successRate").asDouble()).isEqualTo(99.0);
    assertThat(report.path("thresholds").path("latencyMs").asDouble()).isEqualTo(500.0);
    assertThat(report.path("ticks")).hasSize(ticks.size());
    assertThat(list(report.path("events")).stream().filter(e -> !e.path("type").asText().equals("Demo"))
        .map(e -> e.path("message").asText())).containsExactlyElementsOf(run.eventMessages());
    assertTrafficFollowsTheWrittenWeights(report);
  }

  @ParameterizedTest
  @ValueSource(strings = {"gatewayapi", "istio", "traefik", "nginx", "kubernetes"})
  void rollsBackARegressedCanaryThroughRealPrometheus(String provider) {
    DemoRun run = DemoRun.run(dir.resolve("report.html"), "--provider", provider, "--interval", "1s", "--json",
        "--fail");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.only("start").path("metrics").asText()).isEqualTo("prometheus");
    List<JsonNode> ticks = run.stream("tick");
    assertThat(ticks.get(ticks.size() - 1).path("phase").asText()).isEqualTo("Failed");
    // Usually halted at 10-20%; Prometheus's scrape and rate window lag the simulated regression by
    // a tick or two on a loaded machine, so the bound is the one that matters: never at maxWeight (50).
    assertThat(ticks).allSatisfy(t -> assertThat(t.path("canaryWeight").asInt()).isLessThan(50));
    assertThat(ticks.stream().filter(t -> t.path("successRate").isNumber()).map(t -> t.path("successRate").asDouble()))
        .as("the regression the builtin PromQL saw").isNotEmpty().anySatisfy(sr -> assertThat(sr).isLessThan(99.0));
    assertThat(run.eventMessages())
        .anySatisfy(m -> assertThat(m).startsWith("Halt podinfo.test advancement success rate ").endsWith("< 99%"))
        .contains("Rolling back podinfo.test failed checks threshold reached 2", "Canary failed! Scaling down podinfo.test")
        .doesNotContain("Promotion completed! Scaling down podinfo.test");
    assertThat(run.stream("note")).anySatisfy(n -> assertThat(n.path("reason").asText()).isEqualTo("Regression"));
    assertThat(run.only("summary").path("canaryErrors").asLong()).isPositive();

    JsonNode report = run.reportData();
    assertThat(report.path("outcome").asText()).isEqualTo("Failed");
    assertThat(list(report.path("events")).stream().map(e -> e.path("message").asText()))
        .contains("Rolling back podinfo.test failed checks threshold reached 2");
    assertThat(list(report.path("samples")).stream().map(s -> s.path("canary").path("successRate"))
        .filter(JsonNode::isNumber).map(JsonNode::asDouble)).anySatisfy(sr -> assertThat(sr).isLessThan(99.0));
    if (provider.equals("kubernetes")) {
      assertThat(ticks.get(ticks.size() - 1).path("pods").asText()).as("rolled back: the canary's pods left the Service")
          .isEqualTo("4 primary / 0 canary pods");
    }
  }

  /**
   * Each tick of the replica-ratio router shows the pods it left behind the apex Service: 4
   * primaries throughout, the canary's pods growing with the weight, the nearest share to it.
   */
  private static void assertTheLineShowsThePodSplit(List<JsonNode> ticks) {
    int lastCanaryPods = 0;
    for (JsonNode t : ticks) {
      if (!t.has("pods")) {
        assertThat(t.path("phase").asText()).as("only before the router created the apex Service: %s", t)
            .isIn("Initializing", "Initialized");
        continue;
      }
      Matcher m = PODS.matcher(t.path("pods").asText());
      assertThat(m.matches()).as("pods of %s", t).isTrue();
      int primary = Integer.parseInt(m.group(1));
      int canary = Integer.parseInt(m.group(2));
      assertThat(primary).as("the primary keeps its replicas: %s", t).isEqualTo(4);
      int weight = t.path("canaryWeight").asInt();
      if (t.path("phase").asText().equals("Progressing") && weight > 0) {
        assertThat(canary).as("at least one canary pod, more as the weight grows: %s", t)
            .isPositive().isGreaterThanOrEqualTo(lastCanaryPods);
        double share = 100.0 * canary / (primary + canary);
        double oneMore = 100.0 * (canary + 1) / (primary + canary + 1);
        double oneLess = canary == 1 ? share : 100.0 * (canary - 1) / (primary + canary - 1);
        assertThat(Math.abs(share - weight)).as("the share nearest to %d%%: %s", weight, t)
            .isLessThanOrEqualTo(Math.abs(oneMore - weight)).isLessThanOrEqualTo(Math.abs(oneLess - weight));
        lastCanaryPods = canary;
      }
      if (weight == 0) {
        assertThat(canary).as("no canary pod behind the Service at weight 0: %s", t).isZero();
      }
    }
    assertThat(ticks).anySatisfy(t -> assertThat(t.path("pods").asText()).isEqualTo("4 primary / 4 canary pods"));
  }

  /** The default provider (Gateway API) and the replica-ratio router, whose lines show the pods. */
  @ParameterizedTest
  @ValueSource(strings = {"default", "kubernetes"})
  void withoutPrometheusTheChecksReadTheSimulatorAndTheTerminalDrawsEachTick(String provider) throws Exception {
    DemoRun run = provider.equals("default")
        ? DemoRun.run(dir.resolve("report.html"), "--interval", "1s", "--no-prometheus")
        : DemoRun.run(dir.resolve("report.html"), "--provider", provider, "--interval", "1s", "--no-prometheus");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out()).contains("metrics: --no-prometheus given; the checks read the simulator directly")
        .contains((provider.equals("default") ? "gatewayapi" : provider)
            + " canary podinfo.test on an embedded Kubernetes API (fabric8 mock server");
    String pods = provider.equals("kubernetes") ? "4 primary / 4 canary pods\\s+" : "";
    List<String> lines = run.out().lines().collect(Collectors.toList());
    assertThat(lines).anySatisfy(l -> assertThat(l).matches("\\s*\\d+\\.\\ds  Progressing\\s+\\[##########\\.{10}]  50%  "
        + pods + "success (99|100)\\.\\d\\d%\\s+latency \\d+ms\\s+failed checks 0"));
    assertThat(lines).anySatisfy(l -> assertThat(l).matches("\\s*\\d+\\.\\ds  Succeeded .*"));
    int events = lines.indexOf("Events:");
    int summary = lines.indexOf("Summary:");
    assertThat(events).isPositive();
    assertThat(summary).isGreaterThan(events);
    assertThat(lines.subList(events, summary)).anySatisfy(l -> assertThat(l)
        .contains("Normal", "Advance podinfo.test canary weight 50"));
    assertThat(lines.subList(summary, lines.size())).contains("  outcome         Succeeded",
        "  metrics from    the simulator (no prometheus on PATH)")
        .anySatisfy(l -> assertThat(l).startsWith("  report          ").endsWith("report.html"));
    assertThat(Files.readString(run.report())).contains("Promotion completed! Scaling down podinfo.test");
  }

  @Test
  void badOptionsAreUsageErrorsNamingTheOption() {
    DemoRun both = DemoRun.run(dir.resolve("r.html"), "--fail", "--fail-at", "30");
    assertThat(both.exitCode()).isEqualTo(Demo.EXIT_USAGE);
    assertThat(both.err()).startsWith("error: --fail and --fail-at are exclusive");
    DemoRun provider = DemoRun.run(dir.resolve("r.html"), "--provider", "linkerd");
    assertThat(provider.err()).startsWith("error: --provider must be one of gatewayapi, istio, traefik, nginx, kubernetes")
        .contains("got linkerd");
    DemoRun interval = DemoRun.run(dir.resolve("r.html"), "--interval", "fast");
    assertThat(interval.err()).startsWith("error: --interval must be a duration").contains("got fast");
    DemoRun kubeconfig = DemoRun.run(dir.resolve("r.html"), "--kubeconfig", "/nonexistent");
    assertThat(kubeconfig.err()).startsWith("error: --kubeconfig needs --prometheus URL");
    DemoRun unknown = DemoRun.run(dir.resolve("r.html"), "--speed", "3");
    assertThat(unknown.err()).startsWith("error: unknown option --speed");
    assertThat(Files.exists(dir.resolve("r.html"))).isFalse();
  }

  @Test
  void anInvalidCanaryFileIsAUsageErrorWithEveryProblemAndItsPath() throws Exception {
    Path canary = dir.resolve("canary.yaml");
    Files.writeString(canary, """
        apiVersion: flagger.app/v1beta1
        kind: Canary
        metadata:
          name: podinfo
        spec:
          provider: istio
          targetRef:
            apiVersion: apps/v1
            kind: Deployment
            name: podinfo
          service:
            port: 9898
          analysis:
            interval: soon
            stepWeight: many
        """);
    DemoRun run = DemoRun.run(dir.resolve("r.html"), "--canary", canary.toString());
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(Demo.EXIT_USAGE);
    assertThat(run.err()).contains("spec.analysis.interval", "spec.analysis.stepWeight");

    Files.writeString(canary, """
        apiVersion: flagger.app/v1beta1
        kind: Canary
        metadata:
          name: podinfo
        spec:
          provider: gatewayapi:v1beta1
          targetRef:
            apiVersion: apps/v1
            kind: Deployment
            name: podinfo
          service:
            port: 9898
        """);
    DemoRun unsupported = DemoRun.run(dir.resolve("r.html"), "--canary", canary.toString());
    assertThat(unsupported.exitCode()).as(unsupported.toString()).isEqualTo(Demo.EXIT_USAGE);
    assertThat(unsupported.err()).as("a provider the library has and the demo does not run yet")
        .contains("spec.provider: the demo runs gatewayapi, istio, traefik, nginx, kubernetes", "got gatewayapi:v1beta1");
  }

  /**
   * Between two samples that read the same weight back from the router's objects, the requests
   * the simulator sent to the canary match that weight (pooled over the run).
   */
  private static void assertTrafficFollowsTheWrittenWeights(JsonNode report) {
    List<JsonNode> samples = list(report.path("samples"));
    double expected = 0;
    long actual = 0;
    int steady = 0;
    for (int i = 1; i < samples.size(); i++) {
      JsonNode a = samples.get(i - 1);
      JsonNode b = samples.get(i);
      int w = b.path("canaryWeight").asInt();
      if (w == 0 || a.path("canaryWeight").asInt() != w) {
        continue;
      }
      long canary = b.path("canaryServed").asLong() - a.path("canaryServed").asLong();
      long primary = b.path("primaryServed").asLong() - a.path("primaryServed").asLong();
      expected += (canary + primary) * w / 100.0;
      actual += canary;
      steady++;
    }
    assertThat(steady).as("sample intervals at a steady non-zero canary weight").isGreaterThanOrEqualTo(4);
    assertThat((double) actual).as("requests sent to the canary at the weights read back")
        .isBetween(expected * 0.85, expected * 1.15);
    assertThat(samples.stream().mapToInt(s -> s.path("canaryWeight").asInt()).max().orElseThrow())
        .as("the largest weight read back from the router's objects").isEqualTo(50);
  }

  static List<JsonNode> list(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false).collect(Collectors.toList());
  }
}
