package io.canaryanalysis.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tune}: many noisy rollouts of a scenario, its report, and {@code simulate --seed} replays. */
class TuneCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern RATE_ROW = Pattern.compile(
      "(?m)^(promoted|rolled back|unsettled)\\s+(\\d+)\\s+([\\d.]+)%\\s+\\[([\\d.]+)%, ([\\d.]+)%\\]$");
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
      "simulation:",
      "  metrics:",
      "    request-success-rate:",
      "");

  @TempDir
  Path dir;

  private Path scenario(String name, String... steps) throws Exception {
    StringBuilder text = new StringBuilder(CANARY);
    for (String step : steps) {
      text.append("      - ").append(step).append('\n');
    }
    Path file = dir.resolve(name);
    Files.writeString(file, text, StandardCharsets.UTF_8);
    return file;
  }

  private static JsonNode json(String... args) throws Exception {
    RunnerOutput run = RunnerOutput.run(args);
    assertThat(run.exitCode()).as(run.err()).isZero();
    return JSON.readTree(run.out());
  }

  @Test
  void printsEachOutcomeWithItsRateAndWilsonInterval() {
    RunnerOutput run = RunnerOutput.run("tune", "noisy", "--runs", "300", "--seed", "42");

    assertThat(run.exitCode()).isZero();
    assertThat(run.err()).isEmpty();
    assertThat(run.out()).startsWith("Scenario noisy: A healthy release")
        .contains("Canary podinfo.test (router istio, canary, interval 1m0s, threshold 2, stepWeight 5, maxWeight 50)",
            "300 runs, seed 42, each up to 1h0m0s of simulated time",
            "OUTCOME          RUNS     RATE   95% INTERVAL (Wilson)",
            "Failed checks per run (threshold 2)",
            "Rollbacks caused by\n  metric request-success-rate",
            "(replay its event log: simulate --seed 42 --run ");
    Matcher rows = RATE_ROW.matcher(run.out());
    int total = 0;
    int found = 0;
    while (rows.find()) {
      found++;
      int runs = Integer.parseInt(rows.group(2));
      double rate = Double.parseDouble(rows.group(3));
      total += runs;
      assertThat(rate).isCloseTo(100.0 * runs / 300, org.assertj.core.api.Assertions.within(0.005));
      assertThat(Double.parseDouble(rows.group(4))).isLessThanOrEqualTo(rate);
      assertThat(Double.parseDouble(rows.group(5))).isGreaterThanOrEqualTo(rate);
      if (rows.group(1).equals("rolled back")) {
        assertThat(rate).isStrictlyBetween(0.0, 100.0);
      }
    }
    assertThat(found).isEqualTo(3);
    assertThat(total).isEqualTo(300);
    assertThat(run.out()).containsPattern("(?m)^promotion\\s+\\d+\\s+\\d+m0s\\s+\\d+m0s\\s+\\d+m0s\\s+\\d+m0s\\s+\\d+m0s$");
    assertThat(run.out()).containsPattern("(?m)^300 runs in [\\d.]+s of wall time \\(\\d+ runs/s\\)$");
  }

  @Test
  void jsonParsesAndItsFiguresAddUp() throws Exception {
    JsonNode r = json("tune", "--json", "noisy", "--runs", "250", "--seed", "7");

    assertThat(r.path("scenario").asText()).isEqualTo("noisy");
    assertThat(r.path("runs").asInt()).isEqualTo(250);
    assertThat(r.path("seed").asLong()).isEqualTo(7);
    assertThat(r.path("threshold").asInt()).isEqualTo(2);
    int sum = 0;
    for (String outcome : new String[] {"promoted", "rolledBack", "unsettled"}) {
      JsonNode rate = r.path(outcome);
      int runs = rate.path("runs").asInt();
      sum += runs;
      assertThat(rate.path("rate").asDouble()).isEqualTo(runs / 250.0);
      assertThat(rate.path("interval95").get(0).asDouble()).isLessThanOrEqualTo(runs / 250.0);
      assertThat(rate.path("interval95").get(1).asDouble()).isGreaterThanOrEqualTo(runs / 250.0);
    }
    assertThat(sum).isEqualTo(250);
    int rolledBack = r.path("rolledBack").path("runs").asInt();
    assertThat(rolledBack).isBetween(1, 249);
    assertThat(r.path("timeToRollbackSeconds").path("count").asInt()).isEqualTo(rolledBack);
    assertThat(r.path("timeToRollbackSeconds").path("p50").asLong())
        .isBetween(r.path("timeToRollbackSeconds").path("min").asLong(),
            r.path("timeToRollbackSeconds").path("p99").asLong());
    int histogram = 0;
    for (JsonNode runs : r.path("failedChecksHistogram")) {
      histogram += runs.asInt();
    }
    assertThat(histogram).isEqualTo(250);
    assertThat(r.path("failedChecksHistogram").path("2").asInt()).isEqualTo(rolledBack);
    JsonNode cause = r.path("rollbackCauses").get(0);
    assertThat(cause.path("kind").asText()).isEqualTo("METRIC");
    assertThat(cause.path("check").asText()).isEqualTo("request-success-rate");
    assertThat(cause.path("runs").asInt()).isEqualTo(rolledBack);
    assertThat(r.path("firstRollbackRun").isInt()).isTrue();

    assertThat(json("tune", "--json", "noisy", "--runs", "250", "--seed", "7")).isEqualTo(r);
    assertThat(json("tune", "--json", "noisy", "--runs", "250", "--seed", "8")).isNotEqualTo(r);
  }

  @Test
  void aHigherThresholdRollsBackLessOften() throws Exception {
    double strict = json("tune", "--json", "noisy", "--runs", "300", "--threshold", "1")
        .path("rolledBack").path("rate").asDouble();
    double tolerant = json("tune", "--json", "noisy", "--runs", "300", "--threshold", "4")
        .path("rolledBack").path("rate").asDouble();

    assertThat(strict).isGreaterThan(tolerant);
    assertThat(tolerant).isGreaterThan(0.0);
  }

  @Test
  void simulateUsesScriptedValuesUnlessSeededAndThenReplaysATuningRun() throws Exception {
    JsonNode tuned = json("tune", "--json", "noisy", "--runs", "100", "--seed", "42");
    int run = tuned.path("firstRollbackRun").asInt();

    JsonNode plain = json("simulate", "--json", "noisy");
    assertThat(plain.path("noise").isNull()).isTrue();
    assertThat(plain.path("outcome").path("phase").asText()).isEqualTo("Succeeded");
    assertThat(plain.path("outcome").path("failedChecks").asInt()).isZero();

    JsonNode replay = json("simulate", "--json", "--seed", "42", "--run", Integer.toString(run), "noisy");
    assertThat(replay.path("noise").path("seed").asLong()).isEqualTo(42);
    assertThat(replay.path("noise").path("run").asInt()).isEqualTo(run);
    assertThat(replay.path("outcome").path("phase").asText()).isEqualTo("Failed");
    assertThat(replay.path("outcome").path("lastFailure").path("check").asText()).isEqualTo("request-success-rate");
    assertThat(replay.path("outcome").path("lastFailure").path("value").asDouble()).isLessThan(99.0);

    RunnerOutput text = RunnerOutput.run("simulate", "--seed=42", "noisy");
    assertThat(text.out()).contains("Noise drawn as run 0 of tune --seed 42");
  }

  @Test
  void noDataChanceRollsBackOnMissingData() throws Exception {
    Path file = scenario("gaps.yaml", "{from: 0s, value: 99.9, noDataChance: 0.2}");

    JsonNode r = json("tune", "--json", file.toString(), "--runs", "200");

    assertThat(r.path("rolledBack").path("runs").asInt()).isBetween(1, 199);
    assertThat(r.path("rollbackCauses")).hasSize(1);
    assertThat(r.path("rollbackCauses").get(0).path("kind").asText()).isEqualTo("METRIC_NO_DATA");
  }

  @Test
  void aScenarioWithoutNoiseTunesToOneOutcomeWithANotice() throws Exception {
    Path file = scenario("steady.yaml", "{from: 0s, value: 99.9}");

    RunnerOutput run = RunnerOutput.run("tune", file.toString(), "--runs", "50");

    assertThat(run.exitCode()).isZero();
    assertThat(run.err()).isEqualTo("notice: " + file + " has no noise or noDataChance; every run is the same\n");
    assertThat(run.out()).containsPattern("(?m)^promoted\\s+50\\s+100.00%\\s+\\[92.87%, 100.00%\\]$")
        .contains("Rollbacks caused by\n  none");
  }

  @Test
  void invalidNoiseIsRejectedWithItsPath() throws Exception {
    Path file = scenario("bad-noise.yaml",
        "{from: 0s, value: 99.5, noise: -0.3}",
        "{from: 1m, value: 99.5, noise: high}",
        "{from: 2m, noData: true, noise: 0.3}",
        "{from: 3m, value: 99.5, noDataChance: 1.5}",
        "{from: 4m, error: boom, noDataChance: 0.1}",
        "{from: 5m, value: 99.5, nosie: 0.3}");

    RunnerOutput run = RunnerOutput.run("tune", file.toString());

    assertThat(run.exitCode()).isEqualTo(CanaryRunner.EXIT_USAGE);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).startsWith("error: invalid scenario " + file + " (6 problems)").contains(
        "simulation.metrics.request-success-rate[0].noise: must be 0 or more (the standard deviation of Gaussian "
            + "noise added to the value) but is -0.3",
        "simulation.metrics.request-success-rate[1].noise: expected a number (the standard deviation of Gaussian "
            + "noise added to the value) but found a string",
        "simulation.metrics.request-success-rate[2].noise: applies only to a step with a value",
        "simulation.metrics.request-success-rate[3].noDataChance: must be between 0 and 1 (the probability that a "
            + "query returns no data) but is 1.5",
        "simulation.metrics.request-success-rate[4].noDataChance: applies only to a step with a value",
        "simulation.metrics.request-success-rate[5].nosie: unknown field (expected one of from, value, noData, error, "
            + "minWeight, noise, noDataChance)");
  }

  @Test
  void badOptionsAreUsageErrors() {
    assertThat(RunnerOutput.run("tune").err()).startsWith("error: tune needs a scenario");
    assertThat(RunnerOutput.run("tune", "noisy", "--runs", "0").err())
        .startsWith("error: --runs must be a whole number from 1 to 10000000, got 0\nUsage: ");
    assertThat(RunnerOutput.run("tune", "noisy", "--runs").err()).startsWith("error: --runs needs a value");
    assertThat(RunnerOutput.run("tune", "noisy", "--seed", "x").err())
        .startsWith("error: --seed must be a whole number (a 64-bit integer), got x");
    assertThat(RunnerOutput.run("tune", "noisy", "--threshold", "0").err())
        .startsWith("error: --threshold must be a whole number from 1 to 1000, got 0");
    assertThat(RunnerOutput.run("tune", "noisy", "--fail-on-rollback").err())
        .startsWith("error: unknown option --fail-on-rollback");
    assertThat(RunnerOutput.run("simulate", "noisy", "--runs", "5").err())
        .startsWith("error: unknown option --runs");
    assertThat(RunnerOutput.run("simulate", "noisy", "--run", "3").err())
        .startsWith("error: --run needs --seed");
    RunnerOutput missing = RunnerOutput.run("tune", "nope");
    assertThat(missing.exitCode()).isEqualTo(CanaryRunner.EXIT_USAGE);
    assertThat(missing.err()).contains("file: no such file, and not a bundled scenario");
  }
}
