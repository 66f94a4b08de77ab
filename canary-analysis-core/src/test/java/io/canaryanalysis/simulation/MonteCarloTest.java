package io.canaryanalysis.simulation;

import static io.canaryanalysis.simulation.Podinfo.minutes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.status.CheckKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** Many simulated rollouts with random metrics: rates, intervals, percentiles, reproducibility. */
class MonteCarloTest {
  private static final Duration HOUR = Duration.ofHours(1);

  /** The podinfo canary (1m interval, 5% steps to 50%, success rate >= 99) with {@code threshold}. */
  private static Canary canary(int threshold) {
    return Podinfo.canary(Podinfo.analysis().threshold(threshold).build());
  }

  /** A success rate drawn from N(mean, sd) on every query. */
  private static MonteCarloResult noisy(int runs, long seed, int threshold, double mean, double sd) {
    Canary canary = canary(threshold);
    return MonteCarlo.runs(runs).seed(seed).run(random -> Simulation.of(canary)
        .metric("request-success-rate", (t, w) -> mean + sd * random.nextGaussian())
        .newRevisionAt(Duration.ZERO), HOUR);
  }

  @Test
  void parallelRunsOnTheHostsExecutorGiveTheSequentialResult() throws Exception {
    Canary canary = canary(2);
    java.util.function.Function<java.util.random.RandomGenerator, Simulation> scenario =
        random -> Simulation.of(canary)
            .metric("request-success-rate", (t, w) -> 99.2 + 0.6 * random.nextGaussian())
            .newRevisionAt(Duration.ZERO);
    MonteCarloResult sequential = MonteCarlo.runs(300).seed(11).run(scenario, HOUR);
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      MonteCarloResult parallel = MonteCarlo.runs(300).seed(11).run(scenario, HOUR, pool, 4);
      MonteCarloResult oneTaskPerRun = MonteCarlo.runs(300).seed(11).run(scenario, HOUR, pool, 1000);

      assertThat(sequential.rolledBack()).as("the noise rolls some runs back").isPositive();
      assertThat(sequential.promoted()).isPositive();
      assertThat(parallel).isEqualTo(sequential);
      assertThat(oneTaskPerRun).isEqualTo(sequential);
      assertThat(MonteCarlo.runs(300).seed(12).run(scenario, HOUR, pool, 4)).isNotEqualTo(sequential);
      assertThatThrownBy(() -> MonteCarlo.runs(3).run(scenario, HOUR, pool, 0))
          .hasMessageContaining("parallelism must be positive");
      assertThatThrownBy(() -> MonteCarlo.runs(3).run(random -> null, HOUR, pool, 2))
          .isInstanceOf(NullPointerException.class).hasMessageContaining("no simulation for run");
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void wilsonIntervalMatchesKnownValues() {
    ConfidenceInterval none = ConfidenceInterval.wilson95(0, 100);
    assertThat(none.lower()).isZero();
    assertThat(none.upper()).isCloseTo(0.03699, within(1e-5));

    ConfidenceInterval five = ConfidenceInterval.wilson95(5, 100);
    assertThat(five.lower()).isCloseTo(0.02154, within(1e-5));
    assertThat(five.upper()).isCloseTo(0.11175, within(1e-5));

    ConfidenceInterval all = ConfidenceInterval.wilson95(100, 100);
    assertThat(all.lower()).isCloseTo(0.96301, within(1e-5));
    assertThat(all.upper()).isEqualTo(1.0);

    ConfidenceInterval half = ConfidenceInterval.wilson95(50, 100);
    assertThat(half.lower()).isCloseTo(0.40383, within(1e-5));
    assertThat(half.upper()).isCloseTo(0.59617, within(1e-5));

    ConfidenceInterval oneInTen = ConfidenceInterval.wilson95(1, 10);
    assertThat(oneInTen.lower()).isCloseTo(0.01788, within(1e-5));
    assertThat(oneInTen.upper()).isCloseTo(0.40415, within(1e-5));
  }

  @Test
  void wilsonRejectsImpossibleCounts() {
    assertThatThrownBy(() -> ConfidenceInterval.wilson95(1, 0)).hasMessageContaining("trials must be positive");
    assertThatThrownBy(() -> ConfidenceInterval.wilson95(11, 10))
        .hasMessageContaining("successes must be between 0 and 10, got 11");
    assertThatThrownBy(() -> MonteCarlo.runs(0)).hasMessageContaining("runs must be positive");
  }

  @Test
  void percentilesAreNearestRank() {
    List<Duration> observations = new ArrayList<>();
    for (int m = 10; m >= 1; m--) {
      observations.add(minutes(m));
    }
    DurationDistribution d = DurationDistribution.of(observations);

    assertThat(d.count()).isEqualTo(10);
    assertThat(d.percentile(0)).contains(minutes(1));
    assertThat(d.percentile(10)).contains(minutes(1));
    assertThat(d.percentile(11)).contains(minutes(2));
    assertThat(d.percentile(50)).contains(minutes(5));
    assertThat(d.percentile(70)).contains(minutes(7));
    assertThat(d.percentile(90)).contains(minutes(9));
    assertThat(d.percentile(99)).contains(minutes(10));
    assertThat(d.percentile(100)).contains(minutes(10));
    assertThat(d.mean()).contains(Duration.ofSeconds(330));
    assertThat(DurationDistribution.of(List.of()).percentile(50)).isEmpty();
    assertThatThrownBy(() -> d.percentile(101)).hasMessageContaining("between 0 and 100");
  }

  @Test
  void sameSeedGivesEqualResultsAndDifferentSeedsDrawDifferentValues() {
    assertThat(noisy(150, 7, 2, 99.3, 0.4)).isEqualTo(noisy(150, 7, 2, 99.3, 0.4));

    assertThat(drawn(20, 7)).isEqualTo(drawn(20, 7));
    assertThat(drawn(20, 7)).isNotEqualTo(drawn(20, 8));
    List<Double> runStarts = new ArrayList<>();
    for (int run = 0; run < 20; run++) {
      runStarts.add(MonteCarlo.random(7, run).nextDouble());
    }
    assertThat(runStarts).doesNotHaveDuplicates();
  }

  /** Every value the traces drew, in order. */
  private static List<Double> drawn(int runs, long seed) {
    Canary canary = canary(2);
    List<Double> values = new ArrayList<>();
    MonteCarlo.runs(runs).seed(seed).run(random -> Simulation.of(canary)
        .metric("request-success-rate", (t, w) -> {
          double value = 99.3 + 0.4 * random.nextGaussian();
          values.add(value);
          return value;
        })
        .newRevisionAt(Duration.ZERO), HOUR);
    return values;
  }

  @Test
  void aRunReplaysAloneFromItsOwnStream() {
    Canary canary = canary(2);
    MonteCarloResult all = noisy(200, 11, 2, 99.3, 0.4);
    assertThat(all.firstRollbackRun()).isPresent();
    int run = all.firstRollbackRun().getAsInt();

    RandomGenerator random = MonteCarlo.random(11, run);
    SimulationResult replay = Simulation.of(canary)
        .metric("request-success-rate", (t, w) -> 99.3 + 0.4 * random.nextGaussian())
        .newRevisionAt(Duration.ZERO)
        .run(HOUR);

    assertThat(replay.outcome().phase().flaggerName()).isEqualTo("Failed");
    assertThat(replay.outcome().timeToRollback()).isPresent();
    assertThat(all.timeToRollback().sorted()).contains(replay.outcome().timeToRollback().get());
    // more runs leave the earlier ones unchanged
    assertThat(noisy(400, 11, 2, 99.3, 0.4).firstRollbackRun()).hasValue(run);
  }

  @Test
  void aHealthyCanaryWithoutNoiseNeverRollsBack() {
    MonteCarloResult r = noisy(200, 3, 1, 99.9, 0);

    assertThat(r.promoted()).isEqualTo(200);
    assertThat(r.rolledBack()).isZero();
    assertThat(r.rollbackRate()).isZero();
    assertThat(r.promotionRate()).isEqualTo(1.0);
    assertThat(r.rollbackRateInterval().lower()).isZero();
    assertThat(r.rollbackRateInterval().upper()).isCloseTo(0.01884, within(1e-5));
    assertThat(r.failedCheckHistogram()).containsExactly(Map.entry(0, 200));
    assertThat(r.lastFailureChecks()).isEmpty();
    assertThat(r.firstRollbackRun()).isEmpty();
    assertThat(r.timeToPromotion().count()).isEqualTo(200);
    assertThat(r.timeToPromotion().min()).isEqualTo(r.timeToPromotion().max());
    assertThat(r.timeToPromotion().percentile(50).orElseThrow()).isGreaterThan(minutes(10));
    assertThat(r.timeToRollback().isEmpty()).isTrue();
  }

  @Test
  void aNoisySuccessRateNearTheBoundSometimesRollsBackAndAHigherThresholdRollsBackLess() {
    MonteCarloResult strict = noisy(300, 42, 1, 99.3, 0.4);
    MonteCarloResult tolerant = noisy(300, 42, 3, 99.3, 0.4);

    for (MonteCarloResult r : List.of(strict, tolerant)) {
      assertThat(r.rollbackRate()).isStrictlyBetween(0.0, 1.0);
      assertThat(r.rollbackRateInterval().contains(r.rollbackRate())).isTrue();
      assertThat(r.promoted() + r.rolledBack() + r.unsettled()).isEqualTo(300);
      assertThat(r.lastFailureChecks().keySet())
          .containsExactly(new MonteCarloResult.FailedCheck(CheckKind.METRIC, "request-success-rate"));
      assertThat(r.lastFailureChecks().values().iterator().next()).isEqualTo(r.rolledBack());
      assertThat(r.timeToRollback().count()).isEqualTo(r.rolledBack());
      assertThat(r.timeToPromotion().count()).isEqualTo(r.promoted());
      assertThat(r.failedCheckHistogram().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(300);
    }
    assertThat(strict.rollbackRate()).isGreaterThan(tolerant.rollbackRate());
    assertThat(strict.failedCheckHistogram().lastKey()).isEqualTo(1);
    assertThat(tolerant.failedCheckHistogram().lastKey()).isEqualTo(3);
    assertThat(tolerant.timeToRollback().percentile(50).orElseThrow())
        .isGreaterThan(strict.timeToRollback().percentile(50).orElseThrow());
  }

  @Test
  void aFailingCanaryAlwaysRollsBackNamingTheFailingCheck() {
    MonteCarloResult r = noisy(100, 5, 3, 90, 0.5);

    assertThat(r.rollbackRate()).isEqualTo(1.0);
    assertThat(r.promoted()).isZero();
    assertThat(r.rollbackRateInterval().upper()).isEqualTo(1.0);
    assertThat(r.lastFailureChecks()).containsExactly(
        Map.entry(new MonteCarloResult.FailedCheck(CheckKind.METRIC, "request-success-rate"), 100));
    assertThat(r.lastFailureChecks().keySet().iterator().next())
        .hasToString("metric request-success-rate");
    assertThat(r.failedCheckHistogram()).containsExactly(Map.entry(3, 100));
    assertThat(r.timeToRollback().min()).isEqualTo(r.timeToRollback().max());
    assertThat(r.firstRollbackRun()).hasValue(0);
  }

  @Test
  void runsCutShortAreUnsettled() {
    MonteCarloResult r = MonteCarlo.runs(20).run(random -> Simulation.of(canary(1))
        .metric("request-success-rate", (t, w) -> 99.9)
        .newRevisionAt(Duration.ZERO), minutes(3));

    assertThat(r.unsettled()).isEqualTo(20);
    assertThat(r.unsettledRate()).isEqualTo(1.0);
    assertThat(r.promotionRate()).isZero();
    assertThat(r.seed()).isEqualTo(MonteCarlo.DEFAULT_SEED);
  }
}
