package io.canaryanalysis.simulation;

import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.FailureReason;
import java.time.Duration;
import java.util.ArrayList;
import io.canaryanalysis.api.status.Measurement;
import io.canaryanalysis.api.status.OutcomeClass;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The timeline of a simulated rollout, tick by tick, and how it ended.
 *
 * @param primaryRevision the revision the primary runs at the end
 * @param safetyViolations what must never happen but did: traffic to a canary scaled to zero, a
 *     canary scaled down while it had traffic, a promotion after a rollback was decided, a
 *     revision promoted twice, a weight step without the analysis at the weight before; empty
 *     for a correct engine
 * @param statusWrites how many statuses were persisted
 */
public record SimulationResult(List<TickRecord> timeline, Outcome outcome, String primaryRevision,
    List<String> safetyViolations, int statusWrites) {

  public SimulationResult {
    timeline = List.copyOf(timeline);
    safetyViolations = List.copyOf(safetyViolations);
  }

  /**
   * How the simulation ended.
   *
   * @param phase the final phase
   * @param settled true when the run ended (Succeeded or Failed, or idle with nothing left to
   *     analyse) before the simulated duration ran out
   * @param finishedAt simulated time of the tick that settled it, or null
   * @param revisionAt simulated time the last scripted revision appeared, or null when none
   * @param lastFailure the status' last failure, or null
   * @param failedChecks failed checks of the last run
   */
  public record Outcome(
      CanaryPhase phase,
      boolean settled,
      Duration finishedAt,
      Duration revisionAt,
      FailureReason lastFailure,
      int failedChecks) {

    /** Time from the new revision to the promotion, when the run succeeded. */
    public Optional<Duration> timeToPromotion() {
      return phase == CanaryPhase.SUCCEEDED ? runTime() : Optional.empty();
    }

    /** Time from the new revision to the rollback, when the run failed. */
    public Optional<Duration> timeToRollback() {
      return phase == CanaryPhase.FAILED ? runTime() : Optional.empty();
    }

    private Optional<Duration> runTime() {
      if (!settled || finishedAt == null) {
        return Optional.empty();
      }
      return Optional.of(revisionAt == null ? finishedAt : finishedAt.minus(revisionAt));
    }
  }

  /** Every event message of the run, in order. */
  public List<String> eventMessages() {
    List<String> messages = new ArrayList<>();
    for (TickRecord tick : timeline) {
      messages.addAll(tick.eventMessages());
    }
    return messages;
  }

  /**
   * Every measurement of metric check {@code check} over the run, in order, with its outcome class
   * (pass, fail, inconclusive, no data, provider error), read from the status after each tick.
   */
  public List<Measurement> measurements(String check) {
    List<Measurement> all = new ArrayList<>();
    java.time.Instant last = null;
    for (TickRecord tick : timeline) {
      var status = tick.status().check(check);
      if (status.isEmpty() || status.get().measurements().isEmpty()) {
        continue;
      }
      List<Measurement> kept = status.get().measurements();
      Measurement newest = kept.get(kept.size() - 1);
      if (newest.time() != null && !newest.time().equals(last)) {
        all.add(newest);
        last = newest.time();
      }
    }
    return all;
  }

  /** How many measurements of {@code check} fell in each outcome class. */
  public Map<OutcomeClass, Integer> outcomeCounts(String check) {
    Map<OutcomeClass, Integer> counts = new EnumMap<>(OutcomeClass.class);
    for (Measurement m : measurements(check)) {
      counts.merge(m.outcome(), 1, Integer::sum);
    }
    return counts;
  }

  /** The phase after each tick. */
  public List<CanaryPhase> phases() {
    List<CanaryPhase> phases = new ArrayList<>(timeline.size());
    for (TickRecord tick : timeline) {
      phases.add(tick.phase());
    }
    return phases;
  }

  /** The canary weight after each tick. */
  public List<Integer> canaryWeights() {
    List<Integer> weights = new ArrayList<>(timeline.size());
    for (TickRecord tick : timeline) {
      weights.add(tick.canaryWeight());
    }
    return weights;
  }
}
