package io.canaryanalysis.core;

import io.canaryanalysis.api.AlertSeverity;
import io.canaryanalysis.api.EventType;
import io.canaryanalysis.api.Readiness;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.WorkloadSnapshot;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Flagger's {@code advanceCanary} (flagger.md §2.3) as a pure function: given the spec, the stored
 * status, the time and the observed workload, plus the checks it asks for one at a time, it returns
 * the new status and the actions to perform. No I/O, no clock, no randomness, no mutable state.
 *
 * <p>Differences from Flagger (each fixes a defect listed in flagger.md §9):
 * <ul>
 *   <li>the threshold rollback happens in the tick whose failed check reaches the threshold, and
 *       {@code status.lastFailure} says which check failed, with value and bound;
 *   <li>{@code failedChecks} is kept when the run fails;
 *   <li>the progress deadline is measured here from {@code status.notReadySince} and
 *       {@code spec.progressDeadlineSeconds}; {@code Readiness.State.FAILED} ends the wait at once;
 *       a not-ready rollback sends an alert;
 *   <li>pre-rollout hooks and the "Starting canary analysis" event happen once per run;
 *   <li>confirm-traffic-increase is not asked on the tick that promotes;
 *   <li>WaitingPromotion keeps the real canary weight and iterations;
 *   <li>a Failed canary does not re-record its revision before looking for a new one, so a new
 *       revision seen on a tick that stops early is not lost;
 *   <li>a weight off the stepWeights ladder goes to the next rung above it, and stepWeight never
 *       goes past maxWeight;
 *   <li>ticks are gated by {@code status.lastAnalysisTime} so they stay one interval apart
 *       however often the host reconciles.
 * </ul>
 */
final class CanaryStateMachine {

  private CanaryStateMachine() {}

  /** The analysis interval Flagger uses: the spec's, default 60s, clamped to at least 10s. */
  static Duration interval(CanarySpec spec) {
    Analysis analysis = spec.analysis();
    Duration interval = analysis == null ? Analysis.DEFAULT_INTERVAL : analysis.interval();
    return interval.compareTo(Analysis.MIN_INTERVAL) < 0 ? Analysis.MIN_INTERVAL : interval;
  }

  /** Time left before the next tick is due; zero when it is due now. */
  static Duration remainingDelay(CanarySpec spec, CanaryStatus status, Instant now) {
    if (status.lastAnalysisTime() == null) {
      return Duration.ZERO;
    }
    Instant due = status.lastAnalysisTime().plus(interval(spec));
    return now.isBefore(due) ? Duration.between(now, due) : Duration.ZERO;
  }

  /**
   * What a reconcile call does now, decided once for engine and machine: wait (not due yet), only
   * say that the canary is suspended, or run a tick.
   */
  static Plan plan(Canary canary, CanaryStatus status, Instant now) {
    Duration remaining = remainingDelay(canary.spec(), status, now);
    if (!remaining.isZero()) {
      return new Plan.Wait(remaining);
    }
    if (canary.spec().suspend()) {
      Tick tick = new Tick(new TickInput(canary, status, now, null, null, null), NO_CHECKS);
      tick.info("skipping canary run as object is suspended");
      return new Plan.Suspended(tick.finish(interval(canary.spec()), false));
    }
    return new Plan.Run();
  }

  /** The outcome of {@link #plan}. */
  sealed interface Plan permits Plan.Wait, Plan.Suspended, Plan.Run {
    /** Not due: call again after {@code remaining}. */
    record Wait(Duration remaining) implements Plan {}

    /** Suspended: deliver the result's event, change nothing. */
    record Suspended(TickResult result) implements Plan {}

    /** Due: converge, then decide with {@link #tick}. */
    record Run() implements Plan {}
  }

  /** Runs one due, unsuspended tick (see {@link #plan}). */
  static TickResult tick(TickInput input, TickChecks checks) {
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(checks, "checks");
    Duration interval = interval(input.canary().spec());
    Tick tick = new Tick(input, checks);
    Objects.requireNonNull(input.workload(), "workload");
    CanaryPhase phase = input.status().phase();
    switch (phase) {
      case INITIALIZING:
        initialize(tick);
        return tick.finish(interval, true);
      case TERMINATING:
      case TERMINATED:
        return tick.finish(interval, false);
      default:
        break;
    }
    if (input.status().capacityWait() != null && CapacityStep.resume(tick)) {
      return tick.finish(interval, true);
    }
    if (!phase.isRunActive() && !revisionChanged(input.status(), input.workload())) {
      return tick.finish(interval, false);
    }
    advance(tick);
    return tick.finish(interval, true);
  }

  /**
   * True when the observed revision or tracked configs differ from the analysed ones. A revision
   * equal to {@code lastPromotedSpec} (a manual revert to what the primary runs) is not new, as in
   * Flagger.
   */
  static boolean revisionChanged(CanaryStatus status, WorkloadSnapshot workload) {
    String revision = workload.revision();
    if (status.lastAppliedSpec() == null) {
      return true;
    }
    boolean specChanged = !revision.equals(status.lastPromotedSpec())
        && !revision.equals(status.lastAppliedSpec());
    return specChanged || !status.trackedConfigs().equals(workload.trackedConfigs());
  }

  /** Initializing → Initialized: the primary exists and is ready; the target is scaled to zero. */
  private static void initialize(Tick t) {
    probeMetricProviders(t);
    if (!t.spec.skipAnalysis() && !t.workload().primary().isReady()) {
      // Remembered so the engine can tell an initialization stuck past the progress deadline.
      t.notReadySince(t.previous.notReadySince() == null ? t.now : t.previous.notReadySince());
      t.warning(ReadinessGate.text(t.workload().primary(), t.primaryTargetKey() + " not ready"));
      return;
    }
    t.act(new Action.ScaleToZero());
    t.moveTo(CanaryPhase.INITIALIZED);
    t.adoptObservedRevision();
    t.info("Initialization done! " + t.canaryKey);
    t.alert(AlertSeverity.INFO, "New " + t.targetKind() + " detected, initialization completed.");
  }

  /**
   * Flagger's start-up probe of the metric backends while a canary initializes: an event says
   * whether every provider the metrics use answers. It never blocks initialization.
   */
  private static void probeMetricProviders(Tick t) {
    if (t.spec.skipAnalysis() || t.analysis.metrics().isEmpty()) {
      return;
    }
    List<String> problems = t.checks.metricProviderProblems();
    if (problems.isEmpty()) {
      t.event(EventType.NORMAL, "all the metrics providers are available!", CanaryPhase.INITIALIZING);
    } else {
      t.event(EventType.WARNING, "Error checking metric providers: " + String.join("; ", problems),
          CanaryPhase.INITIALIZING);
    }
  }

  /**
   * One tick of deleting a canary with {@code revertOnDeletion} (Flagger's finalizer): enter
   * Terminating and scale the target up; once it is ready, point the apex Service at it and hand
   * the routes back ({@link TickResult#actFirst}: Terminated is recorded only after that worked,
   * because after it the host removes the finalizer and nothing would repair a failed revert).
   */
  static TickResult terminate(TickInput input) {
    Tick t = new Tick(input, NO_CHECKS);
    Duration retryIn = interval(input.canary().spec());
    CanaryPhase phase = input.status().phase();
    if (phase == CanaryPhase.TERMINATED) {
      return t.finish(retryIn, false);
    }
    if (phase != CanaryPhase.TERMINATING) {
      t.moveTo(CanaryPhase.TERMINATING);
      t.capacityWait(null); // the canary goes away: no traffic move waits any more
      t.info("Terminating canary " + t.canaryKey);
      t.act(new Action.ScaleUp());
      return t.finish(retryIn, false);
    }
    Readiness target = input.workload().canary();
    if (!target.isReady()) {
      Integer replicas = input.workload().canaryReplicas();
      if (replicas == null || replicas == 0) {
        t.act(new Action.ScaleUp()); // the Terminating intent: repeat a scale-up lost to a failure
      }
      t.warning(ReadinessGate.text(target, "canary deployment " + t.targetKey + " not ready"));
      return t.finish(retryIn, false);
    }
    t.act(new Action.Revert());
    t.act(new Action.FinalizeRoutes());
    t.moveTo(CanaryPhase.TERMINATED);
    t.info("Terminated canary " + t.canaryKey);
    return t.finish(retryIn, false).actingFirst();
  }

  private static final TickChecks NO_CHECKS = new TickChecks() {
    @Override
    public io.canaryanalysis.api.WebhookResult callWebhook(io.canaryanalysis.api.spec.Webhook hook,
        CanaryPhase payloadPhase) {
      throw new IllegalStateException("no checks in this tick");
    }

    @Override
    public MetricOutcome evaluate(io.canaryanalysis.api.spec.MetricCheck check) {
      throw new IllegalStateException("no checks in this tick");
    }

    @Override
    public List<String> metricProviderProblems() {
      throw new IllegalStateException("no checks in this tick");
    }
  };

  /** Flagger's steps 15–28 for a canary with an active run or a new revision. */
  private static void advance(Tick t) {
    CanaryPhase phase = t.phase();
    if (!t.spec.skipAnalysis() && !ReadinessGate.primaryReady(t)) {
      return;
    }
    if (!phase.isRunActive() || phase == CanaryPhase.WAITING) {
      RunStart.startRun(t);
      return;
    }
    boolean analysing = phase == CanaryPhase.PROGRESSING || phase == CanaryPhase.WAITING_PROMOTION;
    if (analysing && revisionChanged(t.previous, t.workload())) {
      RunStart.restart(t);
      return;
    }
    if (!ReadinessGate.canaryReady(t)) {
      return;
    }
    t.ready();
    if (analysing && t.spec.skipAnalysis()) {
      Promotion.skipAnalysis(t);
      return;
    }
    if (analysing && AnalysisStep.rollbackRequested(t)) {
      return;
    }
    if (phase == CanaryPhase.PROMOTING) {
      Promotion.shiftTrafficToPrimary(t);
      return;
    }
    if (phase == CanaryPhase.FINALISING) {
      Promotion.finalise(t);
      return;
    }
    if (t.failedChecks() >= t.threshold()) {
      Rollback.rollback(t, Rollback.thresholdReason(t));
      return;
    }
    if (!AnalysisStep.analyse(t)) {
      return;
    }
    StrategyStep.advance(t);
  }
}
