package io.canaryanalysis.simulation;

import static io.canaryanalysis.simulation.Podinfo.describe;
import static io.canaryanalysis.simulation.Podinfo.hook;
import static io.canaryanalysis.simulation.Podinfo.minutes;
import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.Readiness;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.spec.JudgeSpec;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.HttpMatch;
import io.canaryanalysis.api.spec.StringMatch;
import io.canaryanalysis.api.spec.WebhookType;
import io.canaryanalysis.api.status.CanaryPhase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Crash consistency: every rollout is run once without faults, then again with a failure or a
 * crash injected at every side-effect boundary (before and after each route write, scale call,
 * promotion, capacity raise and release and status write), one at a time, and then in seeded
 * random combinations. Each
 * faulty run must end as the uninterrupted one did, with the same revision in the primary and the
 * same sequence of canary weights, and the safety checks must see nothing: no traffic to a canary
 * scaled to zero, no promotion after a rollback, no revision promoted twice, no weight step
 * without the analysis at the weight before, and (the two scenarios with autoscalers) no traffic
 * moved to a primary without the ready replicas to carry it before the capacity wait's bound.
 */
class CrashConsistencyTest {
  static final int RANDOM_RUNS_PER_SCENARIO = 250;

  enum Kind { FAIL, CRASH }

  static Stream<Arguments> scenarios() {
    return Stream.of(
        Arguments.of("promotion", (Supplier<Simulation>) () -> Simulation.of(Podinfo.canary(
                Podinfo.analysis().stepWeight(10).maxWeight(30).threshold(2)
                    .webhooks(List.of(hook("notify", WebhookType.POST_ROLLOUT))).build()))
            .metric("request-success-rate", (t, weight) -> 100)
            .newRevisionAt(Duration.ZERO)),
        Arguments.of("rollback", (Supplier<Simulation>) () -> Simulation.of(Podinfo.canary(
                Podinfo.analysis().stepWeight(10).maxWeight(50).threshold(2).build()))
            .metric("request-success-rate", (t, weight) -> weight >= 30 ? 50 : 100)
            .newRevisionAt(Duration.ZERO)),
        Arguments.of("failed-promotion", (Supplier<Simulation>) () -> Simulation.of(Podinfo.canary(
                CanarySpec.builder().deployment("podinfo").service(CanaryService.ofPort(9898))
                    .progressDeadlineSeconds(120)
                    .analysis(Podinfo.analysis().stepWeight(25).maxWeight(50).build())))
            .metric("request-success-rate", (t, weight) -> 100)
            .primaryReadinessAfterPromotion(t -> Readiness.waiting("podinfo-primary.test not ready"))
            .newRevisionAt(Duration.ZERO)),
        Arguments.of("ab-testing", (Supplier<Simulation>) () -> Simulation.of(Podinfo.canary(
                Analysis.builder().interval(Duration.ofMinutes(1)).threshold(2).iterations(3)
                    .match(List.of(HttpMatch.headers(Map.of("x-canary", StringMatch.exact("insider")))))
                    .metrics(List.of(Podinfo.successRate())).build()))
            .metric("request-success-rate", (t, weight) -> 100)
            .newRevisionAt(Duration.ZERO)),
        Arguments.of("new-revision-mid-run", (Supplier<Simulation>) () -> Simulation.of(Podinfo.canary(
                Podinfo.analysis().stepWeight(10).maxWeight(40).build()))
            .metric("request-success-rate", (t, weight) -> 100)
            .newRevisionAt(Duration.ZERO)
            .newRevisionAt(minutes(4))),
        Arguments.of("rollback-capacity", (Supplier<Simulation>) () -> Simulation.of(Podinfo.canary(
                Podinfo.analysis().stepWeight(10).maxWeight(50).threshold(2).build()))
            .metric("request-success-rate", (t, weight) -> weight >= 30 ? 50 : 100)
            .primaryAutoscaler(6, 10, Duration.ofSeconds(90))
            .newRevisionAt(Duration.ZERO)),
        Arguments.of("promotion-capacity", (Supplier<Simulation>) () -> Simulation.of(Podinfo.canary(
                Podinfo.analysis().stepWeight(25).maxWeight(50)
                    .webhooks(List.of(hook("notify", WebhookType.POST_ROLLOUT))).build()))
            .metric("request-success-rate", (t, weight) -> 100)
            .primaryAutoscaler(6, 10, Duration.ofSeconds(90))
            .newRevisionAt(Duration.ZERO)),
        Arguments.of("judge-rollback", (Supplier<Simulation>) () -> Simulation.of(Podinfo.canary(
                Podinfo.analysis().stepWeight(10).maxWeight(50).threshold(2)
                    .metrics(List.of(MetricCheck.builder("errors").judge(JudgeSpec.alpha(0.01)).build())).build()))
            .traffic(TrafficTrace.constant(new Traffic(100, 0.01, 0.5)), 3)
            .newRevisionAt(Duration.ZERO)),
        Arguments.of("latency-judge-rollback", (Supplier<Simulation>) () -> Simulation.of(Podinfo.canary(
                Podinfo.analysis().stepWeight(10).maxWeight(50).threshold(2)
                    .metrics(List.of(MetricCheck.builder("latency").judge(JudgeSpec.latency(0.01)).build())).build()))
            .traffic(TrafficTrace.constant(Traffic.same(100, 0.01).withLatency(new LatencyDistribution(50, 200),
                new LatencyDistribution(50, 1000))), 3)
            .newRevisionAt(Duration.ZERO)));
  }

  /** Fails or crashes at chosen calls of {@link Faults#at}, counting every call. */
  static final class PlannedFaults implements Faults {
    final Map<Integer, Kind> plan;
    int calls;
    int injected;

    PlannedFaults(Map<Integer, Kind> plan) {
      this.plan = plan;
    }

    @Override
    public void at(Boundary boundary, Moment moment) {
      Kind kind = plan.get(calls++);
      if (kind == null) {
        return;
      }
      injected++;
      String where = boundary + " " + moment + " (call " + (calls - 1) + ")";
      if (kind == Kind.CRASH) {
        throw new Crash("injected crash at " + where);
      }
      throw new Failure("injected failure at " + where);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void everySingleFaultEndsLikeTheUninterruptedRun(String name, Supplier<Simulation> scenario) {
    PlannedFaults counting = new PlannedFaults(Map.of());
    SimulationResult baseline = scenario.get().faults(counting).run(minutes(240));
    assertThat(baseline.outcome().settled()).as(describe(baseline)).isTrue();
    assertThat(baseline.safetyViolations()).isEmpty();
    int boundaries = counting.calls;
    assertThat(boundaries).isGreaterThan(10);

    int runs = 0;
    for (int call = 0; call < boundaries; call++) {
      for (Kind kind : Kind.values()) {
        PlannedFaults faults = new PlannedFaults(Map.of(call, kind));
        SimulationResult faulty = scenario.get().faults(faults).run(minutes(240));
        assertSameEnding(name + " with a " + kind + " at call " + call, baseline, faulty);
        assertThat(faults.injected).isEqualTo(1);
        runs++;
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void seededRandomCombinationsOfFaultsEndLikeTheUninterruptedRun(String name, Supplier<Simulation> scenario) {
    SimulationResult baseline = scenario.get().run(minutes(240));
    int injected = 0;
    for (int seed = 0; seed < RANDOM_RUNS_PER_SCENARIO; seed++) {
      SplittableRandom random = new SplittableRandom(seed);
      Map<Integer, Kind> plan = new LinkedHashMap<>();
      for (int call = 0; call < 400; call++) {
        if (random.nextInt(100) < 6) {
          plan.put(call, random.nextBoolean() ? Kind.FAIL : Kind.CRASH);
        }
      }
      PlannedFaults faults = new PlannedFaults(plan);
      SimulationResult faulty = scenario.get().faults(faults).run(minutes(480));
      assertSameEnding(name + " seed " + seed + " faults at " + plan, baseline, faulty);
      injected += faults.injected;
    }
    assertThat(injected).isGreaterThan(RANDOM_RUNS_PER_SCENARIO);
  }

  private static void assertSameEnding(String what, SimulationResult baseline, SimulationResult faulty) {
    String timeline = what + "\n" + describe(faulty);
    assertThat(faulty.safetyViolations()).as(timeline).isEmpty();
    assertThat(faulty.outcome().settled()).as(timeline).isTrue();
    assertThat(faulty.outcome().phase()).as(timeline).isEqualTo(baseline.outcome().phase());
    assertThat(faulty.primaryRevision()).as(timeline).isEqualTo(baseline.primaryRevision());
    if (!what.startsWith("new-revision-mid-run")) { // its revision appears at a time, not a weight
      assertThat(weightSteps(faulty)).as(timeline).isEqualTo(weightSteps(baseline));
    }
    long hooks = postRolloutCalls(baseline);
    if (hooks > 0) {
      assertThat(postRolloutCalls(faulty)).as(timeline + "\npost-rollout hooks are at-least-once")
          .isGreaterThanOrEqualTo(hooks);
    }
    if (baseline.outcome().phase() == CanaryPhase.SUCCEEDED || baseline.outcome().phase() == CanaryPhase.FAILED) {
      assertThat(faulty.timeline().get(faulty.timeline().size() - 1).status().pendingPostRollout())
          .as(timeline).isNull();
    }
  }

  private static long postRolloutCalls(SimulationResult r) {
    return r.timeline().stream().flatMap(t -> t.hookCalls().stream())
        .filter(c -> c.type() == WebhookType.POST_ROLLOUT).count();
  }

  /** The canary weights the router carried, without repeats: the steps of the rollout. */
  private static List<Integer> weightSteps(SimulationResult r) {
    List<Integer> steps = new ArrayList<>();
    for (TickRecord t : r.timeline()) {
      if (steps.isEmpty() || steps.get(steps.size() - 1) != t.canaryWeight()) {
        steps.add(t.canaryWeight());
      }
    }
    return steps;
  }
}
