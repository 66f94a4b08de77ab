package io.canaryanalysis.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Each bundled scenario through the command line, with Flagger's exact event texts at their times. */
class BundledScenariosTest {

  @Test
  void promotionStepsFivePercentToFiftyAndPromotes() {
    RunnerOutput run = RunnerOutput.run("simulate", "promotion");

    assertThat(run.exitCode()).isZero();
    assertThat(run.err()).isEmpty();
    assertThat(run.events()).containsSubsequence(
        "00:00:00 Normal Initialization done! podinfo.test",
        "00:00:00 ALERT info: New Deployment detected, initialization completed.",
        "00:01:00 Normal New revision detected! Scaling up podinfo.test",
        "00:02:00 Normal Starting canary analysis for podinfo.test",
        "00:02:00 Normal Pre-rollout check acceptance-test passed",
        "00:02:00 Normal Advance podinfo.test canary weight 5",
        "00:03:00 Normal Advance podinfo.test canary weight 10",
        "00:11:00 Normal Advance podinfo.test canary weight 50",
        "00:12:00 Normal Copying podinfo.test template spec to podinfo-primary.test",
        "00:13:00 Normal Routing all traffic to primary",
        "00:14:00 Normal Promotion completed! Scaling down podinfo.test",
        "00:14:00 ALERT info: Canary analysis completed successfully, promotion finished.");
    assertThat(run.events()).filteredOn(e -> e.contains("Advance podinfo.test canary weight")).hasSize(10);
    assertThat(run.events()).noneMatch(e -> e.contains("Warning"));
    assertThat(run.out()).contains("00:11:00  Progressing       50/50");
    assertThat(run.summary("final phase")).isEqualTo("Succeeded");
    assertThat(run.summary("time to promotion")).isEqualTo("14m0s (promoted at 00:14:00)");
    assertThat(run.summary("last failure")).isEqualTo("none");
  }

  @Test
  void rollbackHaltsThreeTimesThenRollsBack() {
    RunnerOutput run = RunnerOutput.run("simulate", "rollback");

    assertThat(run.exitCode()).isZero();
    assertThat(run.events()).containsSubsequence(
        "00:03:00 Normal Advance podinfo.test canary weight 10",
        "00:04:00 Warning Halt podinfo.test advancement success rate 53.42% < 99%",
        "00:05:00 Warning Halt podinfo.test advancement success rate 53.42% < 99%",
        "00:06:00 Warning Halt podinfo.test advancement success rate 53.42% < 99%",
        "00:06:00 Warning Rolling back podinfo.test failed checks threshold reached 3",
        "00:06:00 Warning Canary failed! Scaling down podinfo.test",
        "00:06:00 ALERT error: Failed checks threshold reached 3");
    assertThat(run.log()).last().extracting(RunnerOutput.LogLine::phase).isEqualTo("Failed");
    assertThat(run.summary("final phase")).isEqualTo("Failed");
    assertThat(run.summary("time to rollback")).isEqualTo("6m0s (rolled back at 00:06:00)");
    assertThat(run.summary("failed checks")).isEqualTo("3 (threshold 3)");
    assertThat(run.summary("last failure"))
        .isEqualTo("Halt podinfo.test advancement success rate 53.42% < 99% [metric request-success-rate]");
  }

  @Test
  void gatewayApiScenariosPromoteAndRollBackThroughTheRealRoutersValidation() {
    RunnerOutput promoted = RunnerOutput.run("simulate", "gatewayapi-promotion");
    assertThat(promoted.exitCode()).isZero();
    assertThat(promoted.summary("final phase")).isEqualTo("Succeeded");
    RunnerOutput rolledBack = RunnerOutput.run("simulate", "gatewayapi-rollback");
    assertThat(rolledBack.exitCode()).isZero();
    assertThat(rolledBack.summary("final phase")).isEqualTo("Failed");
    assertThat(rolledBack.events()).contains("00:06:00 Warning Rolling back podinfo.test failed checks threshold reached 3");
  }

  @Test
  void rollbackWithFailOnRollbackExitsOne() {
    assertThat(RunnerOutput.run("simulate", "--fail-on-rollback", "rollback").exitCode())
        .isEqualTo(CanaryRunner.EXIT_ROLLED_BACK);
    assertThat(RunnerOutput.run("simulate", "--fail-on-rollback", "promotion").exitCode()).isZero();
  }

  @Test
  void abTestingRunsTenIterationsOnMatchedTrafficThenPromotes() {
    RunnerOutput run = RunnerOutput.run("simulate", "ab-testing");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("router istio, ab-testing, interval 1m0s, threshold 5, iterations 10");
    assertThat(run.events()).containsSubsequence(
        "00:02:00 Normal Starting canary analysis for abtest.test",
        "00:02:00 Normal Advance abtest.test canary iteration 1/10",
        "00:04:00 Normal Advance abtest.test canary iteration 3/10",
        "00:05:00 Warning Halt abtest.test advancement request duration 730ms > 500ms",
        "00:06:00 Normal Advance abtest.test canary iteration 4/10",
        "00:12:00 Normal Advance abtest.test canary iteration 10/10",
        "00:13:00 Normal Copying abtest.test template spec to abtest-primary.test",
        "00:15:00 Normal Promotion completed! Scaling down abtest.test");
    assertThat(run.events()).noneMatch(e -> e.contains("canary weight"));
    assertThat(run.out()).contains("00:02:00  Progressing       0/100     0 i1");
    assertThat(run.summary("final phase")).isEqualTo("Succeeded");
    assertThat(run.summary("failed checks")).isEqualTo("1 (threshold 5)");
  }

  @Test
  void manualGateWaitsForPromotionApprovalThenPromotes() {
    RunnerOutput run = RunnerOutput.run("simulate", "manual-gate");

    assertThat(run.exitCode()).isZero();
    assertThat(run.events()).containsSubsequence(
        "00:06:00 Normal Advance podinfo.test canary weight 50",
        "00:07:00 Warning Halt podinfo.test advancement waiting for promotion approval approval",
        "00:07:00 ALERT warn: Canary promotion is waiting for approval.",
        "00:15:00 Normal Confirm-promotion check approval passed",
        "00:15:00 Normal Copying podinfo.test template spec to podinfo-primary.test",
        "00:17:00 Normal Promotion completed! Scaling down podinfo.test");
    assertThat(run.events()).filteredOn(e -> e.contains("waiting for promotion approval")).hasSize(1);
    assertThat(run.log()).filteredOn(l -> l.phase().equals("WaitingPromotion"))
        .extracting(RunnerOutput.LogLine::time)
        .containsExactly("00:07:00", "00:07:00", "00:08:00", "00:09:00", "00:10:00", "00:11:00",
            "00:12:00", "00:13:00", "00:14:00");
    assertThat(run.summary("time to promotion")).isEqualTo("17m0s (promoted at 00:17:00)");
  }

  @Test
  void simulateWithoutAScenarioRunsThePromotionScenario() {
    RunnerOutput run = RunnerOutput.run("simulate");
    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).startsWith("Scenario promotion:");
    assertThat(run.summary("final phase")).isEqualTo("Succeeded");
  }

  @Test
  void noArgumentsMeansTheDemoAndALeadingOptionStillMeansSimulate() {
    assertThat(CanaryRunner.command(new java.util.ArrayList<>())).isEqualTo("demo");
    java.util.List<String> options = new java.util.ArrayList<>(java.util.List.of("--json", "rollback"));
    assertThat(CanaryRunner.command(options)).isEqualTo("simulate");
    assertThat(options).containsExactly("--json", "rollback");
    java.util.List<String> demo = new java.util.ArrayList<>(java.util.List.of("demo", "--fail"));
    assertThat(CanaryRunner.command(demo)).isEqualTo("demo");
    assertThat(demo).containsExactly("--fail");
  }

  @Test
  void listNamesEveryBundledScenario() {
    RunnerOutput run = RunnerOutput.run("list");
    assertThat(run.exitCode()).isZero();
    assertThat(run.out().lines().map(l -> l.split(" ")[0]))
        .containsExactly("promotion", "rollback", "ab-testing", "manual-gate", "noisy", "traffic", "latency",
            "gatewayapi-promotion", "gatewayapi-rollback");
  }
}
