package io.canaryanalysis.core;

import io.canaryanalysis.api.AlertSeverity;
import io.canaryanalysis.api.EventType;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.WorkloadSnapshot;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.WebhookType;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.api.status.CapacityWait;
import io.canaryanalysis.api.status.CheckStatus;
import io.canaryanalysis.api.status.JudgeStatus;
import io.canaryanalysis.api.status.Measurement;
import io.canaryanalysis.api.status.OutcomeClass;
import io.canaryanalysis.api.status.CheckKind;
import io.canaryanalysis.api.status.FailureReason;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The working state of one tick: the status being built and the actions decided so far. The steps
 * change it only through these methods: phase changes go through {@link #moveTo} so the
 * transition table is enforced, and a route change always records the weight it asks for, so the
 * status stays the intent the next tick converges to.
 */
final class Tick {
  final TickInput input;
  final TickChecks checks;
  final Canary canary;
  final CanarySpec spec;
  final Analysis analysis;
  final CanaryStatus previous;
  final Instant now;
  final String canaryKey;
  final String targetKey;
  private final CanaryStatus.Builder status;
  private final List<Action> actions = new ArrayList<>(8);
  private CanaryPhase phase;
  private int failedChecks;
  private final Map<String, CheckStatus> checkStatuses = new LinkedHashMap<>();

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
    this.failedChecks = previous.failedChecks();
    this.canaryKey = canary.key();
    this.targetKey = spec.targetRef().name() + "." + canary.namespace();
    for (CheckStatus c : previous.checks()) {
      checkStatuses.put(c.name(), c);
    }
  }

  /** What the status keeps about metric check {@code name} in this run so far, or null. */
  CheckStatus checkStatus(String name) {
    return checkStatuses.get(name);
  }

  /**
   * Records one measurement of {@code check}: appends it to the bounded history, counts provider
   * errors in a row (any other class resets the run) and keeps the judge's new state.
   */
  void recordMeasurement(MetricCheck check, OutcomeClass outcome, Double value, String bound,
      JudgeStatus judge) {
    CheckStatus before = checkStatuses.get(check.name());
    int retention = analysis.effectiveMeasurementRetention();
    List<Measurement> history = new ArrayList<>(before == null ? List.of() : before.measurements());
    if (retention > 0) {
      history.add(new Measurement(now, outcome, value == null || Double.isFinite(value) ? value : null, bound));
    }
    while (history.size() > retention) {
      history.remove(0);
    }
    int errors = outcome == OutcomeClass.PROVIDER_ERROR
        ? (before == null ? 0 : before.consecutiveErrors()) + 1 : 0;
    JudgeStatus kept = judge != null ? judge : before == null ? null : before.judge();
    checkStatuses.put(check.name(), new CheckStatus(check.name(), errors, history, kept));
    status.checks(new ArrayList<>(checkStatuses.values()));
  }

  CanaryPhase phase() {
    return phase;
  }

  WorkloadSnapshot workload() {
    return input.workload();
  }

  /** The split the persisted status asks for; the engine converged the router to it before this tick. */
  TrafficSplit routes() {
    return routesOf(previous);
  }

  static TrafficSplit routesOf(CanaryStatus status) {
    int canaryWeight = Math.max(0, Math.min(100, status.canaryWeight()));
    return new TrafficSplit(100 - canaryWeight, canaryWeight, status.mirrored());
  }

  /** Changes the phase, enforcing the transition table from the phase this tick started in. */
  void moveTo(CanaryPhase next) {
    PhaseTransitions.check(previous.phase(), next);
    phase = next;
    status.phase(next);
  }

  void event(EventType type, String message) {
    actions.add(new Action.RecordEvent(type, message, null));
  }

  /** An event whose webhook payload names {@code payloadPhase} rather than the phase the tick ends in. */
  void event(EventType type, String message, CanaryPhase payloadPhase) {
    actions.add(new Action.RecordEvent(type, message, payloadPhase));
  }

  void info(String message) {
    event(EventType.NORMAL, message);
  }

  void warning(String message) {
    event(EventType.WARNING, message);
  }

  /** Alerts the subscriptions that accept {@code severity}; nothing when the canary subscribes but none accepts it. */
  void alert(AlertSeverity severity, String message) {
    Action.SendAlert alert = Alerts.route(canary, severity, message);
    if (alert != null) {
      actions.add(alert);
    }
  }

  /** Routes traffic and records the split as the status' intent. */
  void setRoutes(TrafficSplit split) {
    actions.add(new Action.SetRoutes(split));
    status.canaryWeight(split.canaryWeight()).mirrored(split.mirrored());
  }

  void act(Action action) {
    actions.add(action);
  }

  int threshold() {
    return Math.max(1, analysis.threshold());
  }

  int failedChecks() {
    return failedChecks;
  }

  Duration progressDeadline() {
    int seconds = spec.progressDeadlineSeconds() > 0
        ? spec.progressDeadlineSeconds() : CanarySpec.DEFAULT_PROGRESS_DEADLINE_SECONDS;
    return Duration.ofSeconds(seconds);
  }

  String primaryTargetKey() {
    return spec.targetRef().name() + "-primary." + canary.namespace();
  }

  String targetKind() {
    return spec.targetRef().kind() == null ? "Deployment" : spec.targetRef().kind();
  }

  FailureReason reason(CheckKind kind, String check, Double value, String bound, String message) {
    return new FailureReason(kind, check, value, bound, message, now);
  }

  /** Counts one failed check of this run and records why. */
  void countFailedCheck(FailureReason reason) {
    failedChecks++;
    status.failedChecks(failedChecks).lastFailure(reason);
  }

  void preRolloutPassed() {
    status.preRolloutPassed(true);
  }

  void iterations(int iterations) {
    status.iterations(iterations);
  }

  /** Starts waiting for readiness at {@code since} (kept across ticks for the progress deadline). */
  void notReadySince(Instant since) {
    status.notReadySince(since);
  }

  void ready() {
    status.notReadySince(null);
  }

  /** Records the observed revision as both analysed and promoted (initialization). */
  void adoptObservedRevision() {
    WorkloadSnapshot w = workload();
    status.lastAppliedSpec(w.revision())
        .lastPromotedSpec(w.revision())
        .trackedConfigs(w.trackedConfigs())
        .canaryWeight(0)
        .mirrored(false)
        .notReadySince(null);
  }

  /** Resets the run bookkeeping for a new or restarted run of the observed revision. */
  void startRunBookkeeping() {
    WorkloadSnapshot w = workload();
    failedChecks = 0;
    status.canaryWeight(0)
        .mirrored(false)
        .failedChecks(0)
        .iterations(0)
        .lastAppliedSpec(w.revision())
        .trackedConfigs(w.trackedConfigs())
        .lastFailure(null)
        .notReadySince(null)
        .preRolloutPassed(false)
        .checks(List.of());
    checkStatuses.clear();
  }

  /** Ends the run as Succeeded: the analysed revision is now the primary's; post-rollout hooks are due. */
  void succeed() {
    moveTo(CanaryPhase.SUCCEEDED);
    status.iterations(0)
        .lastPromotedSpec(previous.lastAppliedSpec())
        .notReadySince(null);
    owePostRolloutHooks(CanaryPhase.SUCCEEDED);
  }

  /** Ends the run as Failed with {@code reason}; post-rollout hooks are due. */
  void fail(FailureReason reason) {
    failKeepingTraffic(reason);
    rollbackDone();
  }

  /**
   * Decides the rollback (the run is Failed with {@code reason}) while traffic stays where it is
   * until the primary can carry it; {@link #rollbackDone} follows when it has moved.
   */
  void failKeepingTraffic(FailureReason reason) {
    moveTo(CanaryPhase.FAILED);
    status.iterations(0)
        .lastAppliedSpec(workload().revision())
        .trackedConfigs(workload().trackedConfigs())
        .lastFailure(reason)
        .notReadySince(null);
  }

  /** The rollback's traffic is on the primary: nothing waits any more, post-rollout hooks are due. */
  void rollbackDone() {
    status.capacityWait(null);
    owePostRolloutHooks(CanaryPhase.FAILED);
  }

  /**
   * Records that the post-rollout hooks are owed for the run that ended in {@code phase}, when the
   * spec has any. The marker exists so that a crash between this status write and the hook calls
   * calls them on the next tick (at-least-once), and clearing it is a second status write. With no
   * post-rollout hook there is nothing to owe: the marker would be written and cleared with no
   * side effect in between, so a crash between the two writes could not lose anything, and the
   * ending tick is one status write. (A hook added to the spec after the run ended is not called for
   * it, as in Flagger, which runs the post-rollout hooks of the spec that decided.)
   */
  private void owePostRolloutHooks(CanaryPhase phase) {
    if (analysis.webhooks(WebhookType.POST_ROLLOUT).isEmpty()) {
      return;
    }
    status.pendingPostRollout(phase);
    actions.add(new Action.RunPostRolloutHooks());
  }

  /** Records (or clears, with null) the traffic move that waits for the primary's capacity. */
  void capacityWait(CapacityWait wait) {
    status.capacityWait(wait);
  }

  /**
   * The decision: the new status and its actions. An analysed tick records its time and gets the
   * next decision number, which the webhook payloads of this tick carry.
   */
  TickResult finish(Duration nextTickIn, boolean analysed) {
    if (analysed) {
      status.lastAnalysisTime(now).decision(previous.decision() + 1);
    }
    // The steps never set conditions, so the builder still holds the previous ones.
    CanaryStatus built = status
        .conditions(PromotedCondition.update(previous.conditions(), phase, targetKind(), now))
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
        || !Objects.equals(a.lastAppliedSpec(), b.lastAppliedSpec())
        || !Objects.equals(a.lastPromotedSpec(), b.lastPromotedSpec())
        || !a.trackedConfigs().equals(b.trackedConfigs())
        || !Objects.equals(a.lastFailure(), b.lastFailure())
        || a.preRolloutPassed() != b.preRolloutPassed()
        || a.mirrored() != b.mirrored()
        || (a.capacityWait() == null) != (b.capacityWait() == null);
  }
}
