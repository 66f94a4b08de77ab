package io.canaryanalysis.simulation;

import io.canaryanalysis.api.status.CheckKind;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What {@link MonteCarlo} observed over many simulated rollouts of one configuration: how often it
 * promoted or rolled back (with 95% Wilson score intervals), how long that took, how many checks
 * failed per run, and which checks caused the rollbacks.
 *
 * <p>A run is <em>promoted</em> when it settled Succeeded, <em>rolled back</em> when it settled
 * Failed, and <em>unsettled</em> otherwise (still analysing when the simulated duration ran out, or
 * nothing to analyse).
 *
 * @param seed the master seed the runs' random streams were derived from
 * @param runs how many runs were simulated
 * @param promoted runs that ended promoted
 * @param rolledBack runs that ended rolled back
 * @param timeToPromotion time from the new revision to the promotion, over the promoted runs
 * @param timeToRollback time from the new revision to the rollback, over the rolled-back runs
 * @param failedCheckHistogram failed checks at the end of a run (the status' failedChecks) to the
 *     number of runs that ended with that many, ascending
 * @param lastFailureChecks for rolled-back runs, the check that failed last (the one that
 *     triggered the rollback) to the number of runs, most frequent first; a rollback whose status
 *     names no failure is not counted here
 * @param firstRollbackRun the index of the first run that rolled back, to replay it with
 *     {@link MonteCarlo#random(long, int)}; empty when none did
 */
public record MonteCarloResult(
    long seed,
    int runs,
    int promoted,
    int rolledBack,
    DurationDistribution timeToPromotion,
    DurationDistribution timeToRollback,
    SortedMap<Integer, Integer> failedCheckHistogram,
    Map<FailedCheck, Integer> lastFailureChecks,
    OptionalInt firstRollbackRun) {

  /** A check that failed: its kind and name, as in the status' {@code lastFailure}. */
  public record FailedCheck(CheckKind kind, String check) {
    public FailedCheck {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(check, "check");
    }

    /** The kind in lower case with dashes, then the name: {@code metric request-success-rate}. */
    @Override
    public String toString() {
      return kind.name().toLowerCase().replace('_', '-') + " " + check;
    }
  }

  public MonteCarloResult {
    if (runs <= 0) {
      throw new IllegalArgumentException("runs must be positive, got " + runs);
    }
    if (promoted < 0 || rolledBack < 0 || promoted + rolledBack > runs) {
      throw new IllegalArgumentException("promoted (" + promoted + ") and rolled back (" + rolledBack
          + ") runs must add up to at most " + runs);
    }
    Objects.requireNonNull(timeToPromotion, "timeToPromotion");
    Objects.requireNonNull(timeToRollback, "timeToRollback");
    Objects.requireNonNull(firstRollbackRun, "firstRollbackRun");
    failedCheckHistogram = Collections.unmodifiableSortedMap(new TreeMap<>(failedCheckHistogram));
    Map<FailedCheck, Integer> byCount = new LinkedHashMap<>();
    lastFailureChecks.entrySet().stream()
        .sorted(Map.Entry.<FailedCheck, Integer>comparingByValue().reversed()
            .thenComparing(e -> e.getKey().toString()))
        .forEach(e -> byCount.put(e.getKey(), e.getValue()));
    lastFailureChecks = Collections.unmodifiableMap(byCount);
  }

  /** Runs that neither promoted nor rolled back. */
  public int unsettled() {
    return runs - promoted - rolledBack;
  }

  /** The fraction of runs that rolled back: for a healthy canary, the false-rollback rate. */
  public double rollbackRate() {
    return (double) rolledBack / runs;
  }

  /** The 95% Wilson score interval of {@link #rollbackRate()}. */
  public ConfidenceInterval rollbackRateInterval() {
    return ConfidenceInterval.wilson95(rolledBack, runs);
  }

  public double promotionRate() {
    return (double) promoted / runs;
  }

  /** The 95% Wilson score interval of {@link #promotionRate()}. */
  public ConfidenceInterval promotionRateInterval() {
    return ConfidenceInterval.wilson95(promoted, runs);
  }

  public double unsettledRate() {
    return (double) unsettled() / runs;
  }

  /** The 95% Wilson score interval of {@link #unsettledRate()}. */
  public ConfidenceInterval unsettledRateInterval() {
    return ConfidenceInterval.wilson95(unsettled(), runs);
  }
}
