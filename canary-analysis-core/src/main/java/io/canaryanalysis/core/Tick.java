package io.canaryanalysis.core;

import io.canaryanalysis.api.AlertSeverity;
import io.canaryanalysis.api.EventType;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.WorkloadSnapshot;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.api.status.FailureReason;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The working state of one tick: the status being built and the actions decided so far. Phase
 * changes go through {@link #moveTo} so the transition table is enforced.
 */
final class Tick {
  final TickInput input;
  final TickChecks checks;
  final Canary canary;
  final CanarySpec spec;
  final Analysis analysis;
  final CanaryStatus previous;
  final CanaryStatus.Builder status;
  final Instant now;
  final String canaryKey;
  final String targetKey;
  private final List<Action> actions = new ArrayList<>(8);
  private CanaryPhase phase;

  Tick(TickInput input, TickChecks checks) {
    this.input = input;
    this.checks = checks;
    this.canary = input.canary();
    this.spec = canary.spec();
    this.analysis = spec.analysis() == null ? Analysis.builder().build() : spec.analysis();
    this.previous = input.status();
    this.status = previous.toBuilder();
    this.now = input.now();
    this.phase = previous.phase();
    this.canaryKey = canary.key();
    this.targetKey = spec.targetRef().name() + "." + canary.namespace();
  }

  CanaryPhase phase() {
    return phase;
  }

  WorkloadSnapshot workload() {
    return input.workload();
  }

  /** Changes the phase, enforcing the transition table from the phase this tick started in. */
  void moveTo(CanaryPhase next) {
    PhaseTransitions.check(previous.phase(), next);
    phase = next;
    status.phase(next);
  }

  void event(EventType type, String message) {
    actions.add(new Action.RecordEvent(type, message));
  }

  void info(String message) {
    event(EventType.NORMAL, message);
  }

  void warning(String message) {
    event(EventType.WARNING, message);
  }

  void alert(AlertSeverity severity, String message) {
    actions.add(new Action.SendAlert(severity, message));
  }

  void setRoutes(TrafficSplit split) {
    actions.add(new Action.SetRoutes(split));
  }

  void act(Action action) {
    actions.add(action);
  }

  int threshold() {
    return Math.max(1, analysis.threshold());
  }

  Duration progressDeadline() {
    int seconds = spec.progressDeadlineSeconds() > 0
        ? spec.progressDeadlineSeconds() : CanarySpec.DEFAULT_PROGRESS_DEADLINE_SECONDS;
    return Duration.ofSeconds(seconds);
  }

  String primaryTargetKey() {
    return spec.targetRef().name() + "-primary." + canary.namespace();
  }

  FailureReason reason(io.canaryanalysis.api.status.CheckKind kind, String check, Double value,
      String bound, String message) {
    return new FailureReason(kind, check, value, bound, message, now);
  }

  /** Resets the run bookkeeping for a new or restarted run of the observed revision. */
  void startRunBookkeeping() {
    WorkloadSnapshot w = workload();
    status.canaryWeight(0)
        .failedChecks(0)
        .iterations(0)
        .lastAppliedSpec(w.revision())
        .trackedConfigs(w.trackedConfigs())
        .lastFailure(null)
        .notReadySince(null)
        .preRolloutPassed(false);
  }

  TickResult finish(Duration nextTickIn, boolean analysed) {
    if (analysed) {
      status.lastAnalysisTime(now);
    }
    CanaryStatus built = status.build();
    String kind = spec.targetRef().kind() == null ? "Deployment" : spec.targetRef().kind();
    built = built.toBuilder()
        .conditions(PromotedCondition.update(built.conditions(), built.phase(), kind, now))
        .build();
    if (changedIgnoringTimes(previous, built)) {
      built = built.toBuilder().lastTransitionTime(now).build();
    }
    return new TickResult(built, actions, nextTickIn, analysed);
  }

  private static boolean changedIgnoringTimes(CanaryStatus a, CanaryStatus b) {
    return a.phase() != b.phase()
        || a.canaryWeight() != b.canaryWeight()
        || a.failedChecks() != b.failedChecks()
        || a.iterations() != b.iterations()
        || !java.util.Objects.equals(a.lastAppliedSpec(), b.lastAppliedSpec())
        || !java.util.Objects.equals(a.lastPromotedSpec(), b.lastPromotedSpec())
        || !a.trackedConfigs().equals(b.trackedConfigs())
        || !java.util.Objects.equals(a.lastFailure(), b.lastFailure())
        || a.preRolloutPassed() != b.preRolloutPassed();
  }
}
