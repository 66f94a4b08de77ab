package io.canaryanalysis.core;

import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.Readiness;
import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.WebhookResult;
import io.canaryanalysis.api.WorkloadSnapshot;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.Webhook;
import io.canaryanalysis.api.spec.WebhookType;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The pure decision step alone: one analysed tick of the state machine for a canary at 20% with a
 * rollout hook and two metrics whose answers are already known (no rendering, no SPI shell).
 * A benchmark, not a test; the README's performance section says how to run it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class StateMachineBenchmark {
  private static final Instant LAST_TICK = Instant.parse("2024-01-01T00:10:00Z");

  private TickInput input;
  private TickChecks checks;

  @Setup
  public void setUp() {
    Canary canary = Canary.of("podinfo", "test", CanarySpec.builder()
        .deployment("podinfo")
        .service(CanaryService.ofPort(9898))
        .provider("istio")
        .analysis(Analysis.builder().interval(Duration.ofMinutes(1)).threshold(3)
            .stepWeight(5).maxWeight(50)
            .metrics(List.of(
                MetricCheck.builder(MetricCheck.REQUEST_SUCCESS_RATE).thresholdRange(99.0, null).build(),
                MetricCheck.builder(MetricCheck.REQUEST_DURATION).thresholdRange(null, 500.0).build()))
            .webhooks(List.of(Webhook.of("load-test", WebhookType.ROLLOUT, "http://flagger-loadtester.test/")))
            .build())
        .build());
    CanaryStatus atTwenty = CanaryStatus.builder().phase(CanaryPhase.PROGRESSING).canaryWeight(20)
        .lastAppliedSpec("rev-2").lastPromotedSpec("rev-1").preRolloutPassed(true)
        .lastAnalysisTime(LAST_TICK).lastTransitionTime(LAST_TICK).build();
    input = new TickInput(canary, atTwenty, LAST_TICK.plus(Duration.ofMinutes(1)),
        new WorkloadSnapshot("rev-2", Map.of(), Readiness.READY, Readiness.READY), "istio",
        new RouterCapabilities(true, true, true, true, true));
    MetricOutcome successRate = new MetricOutcome.Measured(MetricResult.value(99.9));
    MetricOutcome duration = new MetricOutcome.Measured(MetricResult.value(120));
    WebhookResult passed = WebhookResult.status(200);
    checks = new TickChecks() {
      @Override
      public WebhookResult callWebhook(Webhook hook, CanaryPhase payloadPhase) {
        return passed;
      }

      @Override
      public MetricOutcome evaluate(MetricCheck check) {
        return check.name().equals(MetricCheck.REQUEST_SUCCESS_RATE) ? successRate : duration;
      }

      @Override
      public List<String> metricProviderProblems() {
        return List.of();
      }
    };
    TickResult check = tick();
    if (check.status().canaryWeight() != 25) {
      throw new IllegalStateException("the benchmark tick must advance to 25%, got " + check.status());
    }
  }

  @Benchmark
  public TickResult tick() {
    return CanaryStateMachine.tick(input, checks);
  }
}
