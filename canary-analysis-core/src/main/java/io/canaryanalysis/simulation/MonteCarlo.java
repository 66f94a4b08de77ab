package io.canaryanalysis.simulation;

import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.FailureReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * Runs many {@link Simulation}s of one configuration, each with its own random stream, and
 * summarises how often it promotes or rolls back and how long that takes: the false-rollback rate
 * of a healthy release under noisy metrics, which neither Flagger nor Argo Rollouts can tell.
 *
 * <pre>{@code
 * MonteCarloResult r = MonteCarlo.runs(2_000).seed(42)
 *     .run(random -> Simulation.of(canary)
 *             .metric("request-success-rate", (t, w) -> 99.5 + 0.3 * random.nextGaussian())
 *             .newRevisionAt(Duration.ZERO),
 *          Duration.ofHours(1));
 * r.rollbackRate();   // r.rollbackRateInterval() for its 95% Wilson interval
 * }</pre>
 *
 * <p>Run {@code i} draws from an {@value #ALGORITHM} generator seeded from the master seed and
 * {@code i} alone ({@link #random(long, int)}), so results are reproducible, each run can be replayed
 * on its own, and adding runs does not change the earlier ones. Runs execute one after the other
 * on the calling thread. Immutable: {@link #seed} returns a new instance.
 */
public final class MonteCarlo {
  /** The random generator algorithm of every run. */
  public static final String ALGORITHM = "L64X128MixRandom";
  /** The master seed when none is given. */
  public static final long DEFAULT_SEED = 1L;

  private static final RandomGeneratorFactory<RandomGenerator> GENERATORS = RandomGeneratorFactory.of(ALGORITHM);
  private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

  private final int runs;
  private final long seed;

  private MonteCarlo(int runs, long seed) {
    if (runs <= 0) {
      throw new IllegalArgumentException("runs must be positive, got " + runs);
    }
    this.runs = runs;
    this.seed = seed;
  }

  /** A Monte Carlo of {@code runs} simulations with the {@link #DEFAULT_SEED}. */
  public static MonteCarlo runs(int runs) {
    return new MonteCarlo(runs, DEFAULT_SEED);
  }

  /** The same Monte Carlo with master seed {@code seed}. */
  public MonteCarlo seed(long seed) {
    return new MonteCarlo(runs, seed);
  }

  /**
   * The random stream of run {@code run} under master seed {@code seed}: a fresh {@value #ALGORITHM}
   * generator whose seed is a SplitMix64 mix of both, so neighbouring runs and seeds are unrelated.
   */
  public static RandomGenerator random(long seed, int run) {
    if (run < 0) {
      throw new IllegalArgumentException("run must not be negative, got " + run);
    }
    return GENERATORS.create(mix64(seed + GOLDEN_GAMMA * (run + 1L)));
  }

  /**
   * Simulates every run: {@code scenario} builds the run's simulation from its random stream (draw
   * only from that stream inside the traces), which then runs for at most {@code duration}.
   */
  public MonteCarloResult run(Function<? super RandomGenerator, Simulation> scenario, Duration duration) {
    Objects.requireNonNull(scenario, "scenario");
    Objects.requireNonNull(duration, "duration");
    SimulationResult.Outcome[] outcomes = new SimulationResult.Outcome[runs];
    for (int run = 0; run < runs; run++) {
      outcomes[run] = simulate(scenario, duration, run);
    }
    return aggregate(outcomes);
  }

  /**
   * The same runs spread over {@code parallelism} tasks on the host's {@code executor} (the core
   * starts no threads): run {@code i} still draws from {@link #random(long, int) random(seed, i)}
   * and the outcomes are aggregated in run order, so the result equals {@link #run(Function,
   * Duration)}'s. {@code scenario} is then called from several threads; it must only build.
   *
   * @throws RuntimeException the first failure of a run, as thrown
   */
  public MonteCarloResult run(Function<? super RandomGenerator, Simulation> scenario, Duration duration,
      Executor executor, int parallelism) {
    Objects.requireNonNull(scenario, "scenario");
    Objects.requireNonNull(duration, "duration");
    Objects.requireNonNull(executor, "executor");
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be positive, got " + parallelism);
    }
    SimulationResult.Outcome[] outcomes = new SimulationResult.Outcome[runs];
    int tasks = Math.min(parallelism, runs);
    CompletableFuture<?>[] futures = new CompletableFuture<?>[tasks];
    for (int task = 0; task < tasks; task++) {
      int first = task;
      futures[task] = CompletableFuture.runAsync(() -> {
        for (int run = first; run < runs; run += tasks) {
          outcomes[run] = simulate(scenario, duration, run);
        }
      }, executor);
    }
    try {
      CompletableFuture.allOf(futures).join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw e;
    }
    return aggregate(outcomes);
  }

  private SimulationResult.Outcome simulate(Function<? super RandomGenerator, Simulation> scenario,
      Duration duration, int run) {
    Simulation simulation = Objects.requireNonNull(scenario.apply(random(seed, run)),
        "the scenario returned no simulation for run " + run);
    return simulation.run(duration).outcome();
  }

  private MonteCarloResult aggregate(SimulationResult.Outcome[] outcomes) {
    int promoted = 0;
    int rolledBack = 0;
    int firstRollback = -1;
    List<Duration> toPromotion = new ArrayList<>();
    List<Duration> toRollback = new ArrayList<>();
    Map<Integer, Integer> failedChecks = new TreeMap<>();
    Map<MonteCarloResult.FailedCheck, Integer> causes = new HashMap<>();
    for (int run = 0; run < outcomes.length; run++) {
      SimulationResult.Outcome outcome = outcomes[run];
      failedChecks.merge(outcome.failedChecks(), 1, Integer::sum);
      if (!outcome.settled()) {
        continue;
      }
      if (outcome.phase() == CanaryPhase.SUCCEEDED) {
        promoted++;
        outcome.timeToPromotion().ifPresent(toPromotion::add);
      } else if (outcome.phase() == CanaryPhase.FAILED) {
        rolledBack++;
        if (firstRollback < 0) {
          firstRollback = run;
        }
        outcome.timeToRollback().ifPresent(toRollback::add);
        FailureReason failure = outcome.lastFailure();
        if (failure != null) {
          causes.merge(new MonteCarloResult.FailedCheck(failure.kind(), failure.check()), 1, Integer::sum);
        }
      }
    }
    return new MonteCarloResult(seed, runs, promoted, rolledBack, DurationDistribution.of(toPromotion),
        DurationDistribution.of(toRollback), new TreeMap<>(failedChecks), causes,
        firstRollback < 0 ? OptionalInt.empty() : OptionalInt.of(firstRollback));
  }

  /** SplitMix64's finalizer (Stafford variant 13). */
  private static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
