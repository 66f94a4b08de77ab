package io.canaryanalysis.core;

import io.canaryanalysis.api.AlertSeverity;
import io.canaryanalysis.api.EventType;
import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.WebhookResult;
import io.canaryanalysis.api.WorkloadSnapshot;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.Webhook;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.api.status.IncidentKind;
import io.canaryanalysis.core.validation.CanaryValidator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One reconcile call of {@link AnalysisEngine}: the shell's half of a tick. It converges the world
 * to the stored status, asks the machine to decide, persists the decision with compare-and-set and
 * then performs it, in that order (see {@link AnalysisEngine}). Only SPI calls and error texts.
 */
final class TickRun implements TickChecks {
  private static final Logger LOG = LoggerFactory.getLogger(TickRun.class);

  private final AnalysisEngine engine;
  private final Instant now;
  private final Notifications notifications;
  private Canary canary;
  private CanaryStatus stored;
  private String routerKind;
  private TrafficRouter router;
  private MetricCalls metricCalls;
  /** What this tick saw of the failures outside the analysis; settled into the status at its end. */
  private final Incidents incidents = new Incidents();
  private boolean statusWriteFailed;
  private boolean callFailed;
  private WorkloadSnapshot snapshot;

  TickRun(AnalysisEngine engine, Canary canary, CanaryStatus stored, Instant now) {
    this.engine = engine;
    this.canary = canary;
    this.stored = stored;
    this.now = now;
    this.notifications = new Notifications(engine, canary, now);
  }

  TickReport tick() {
    return settle(tickOnce());
  }

  private TickReport tickOnce() {
    Duration interval = CanaryStateMachine.interval(canary.spec());
    if (!resolveRouter(stored.phase()) || !valid()) {
      return report(interval, false, TickReport.Outcome.FAILED);
    }
    String step = "initializing the workload";
    IncidentKind kind = IncidentKind.WORKLOAD;
    try {
      engine.workload.initialize(canary);
      step = "reconciling the " + routerKind + " routes";
      kind = IncidentKind.ROUTER;
      router.reconcile(canary);
      step = "observing the workload";
      kind = IncidentKind.WORKLOAD;
      snapshot = engine.workload.observe(canary);
    } catch (RuntimeException e) {
      return failure(kind, step, e);
    }
    TickReport repaired = converge(Convergence.actions(stored, snapshot), snapshot);
    if (repaired != null) {
      return repaired;
    }
    if (stored.pendingPostRollout() != null) {
      TickReport.Outcome cleared = postRollout();
      if (cleared != TickReport.Outcome.PERSISTED) {
        return report(interval, false, cleared);
      }
    }
    TickResult result = CanaryStateMachine.tick(new TickInput(canary, stored, now, snapshot,
        routerKind, router.capabilities()), this);
    observeInitialization(result.status());
    return commit(result);
  }

  /**
   * A canary still Initializing whose primary has not become ready within the progress deadline
   * (or reports a failure) is an initialization incident; Flagger waits silently (fluxcd/flagger#1816).
   */
  private void observeInitialization(CanaryStatus decided) {
    if (decided.phase() != CanaryPhase.INITIALIZING || decided.notReadySince() == null) {
      return;
    }
    io.canaryanalysis.api.Readiness primary = snapshot.primary();
    Duration deadline = Duration.ofSeconds(canary.spec().progressDeadlineSeconds() > 0
        ? canary.spec().progressDeadlineSeconds()
        : io.canaryanalysis.api.spec.CanarySpec.DEFAULT_PROGRESS_DEADLINE_SECONDS);
    boolean failedOutright = primary.state() == io.canaryanalysis.api.Readiness.State.FAILED;
    if (failedOutright || !now.isBefore(decided.notReadySince().plus(deadline))) {
      String key = canary.spec().targetRef().name() + "-primary." + canary.namespace();
      incidents.failed(IncidentKind.INITIALIZATION, (failedOutright ? "primary failed: "
          : "progress deadline exceeded " + deadline.getSeconds() + "s: ")
          + ReadinessGate.text(primary, key + " not ready"), decided.notReadySince());
    }
  }

  TickReport terminate() {
    return settle(terminateOnce());
  }

  /** A canary its host could not read: only the spec incident is recorded (see {@link AnalysisEngine#reportInvalid}). */
  TickReport invalid(List<SpecProblem> problems) {
    incidents.failed(IncidentKind.SPEC, problems.stream().map(SpecProblem::toString)
        .collect(Collectors.joining("; ")));
    return settle(report(CanaryStateMachine.interval(canary.spec()), false, TickReport.Outcome.FAILED));
  }

  private TickReport terminateOnce() {
    Duration retryIn = CanaryStateMachine.interval(canary.spec());
    if (!resolveRouter(CanaryPhase.TERMINATING)) {
      return report(retryIn, false, TickReport.Outcome.FAILED);
    }
    TickReport report = null;
    // A second pass right after entering Terminating sees whether the scaled-up target is ready.
    for (int pass = 0; pass < 2 && stored.phase() != CanaryPhase.TERMINATED; pass++) {
      WorkloadSnapshot snapshot = null;
      try {
        if (stored.phase() == CanaryPhase.TERMINATING) {
          snapshot = engine.workload.observe(canary);
        }
      } catch (RuntimeException e) {
        return failure(IncidentKind.WORKLOAD, "observing the workload", e);
      }
      CanaryPhase before = stored.phase();
      report = commit(CanaryStateMachine.terminate(new TickInput(canary, stored, now, snapshot,
          routerKind, router.capabilities())));
      if (report.outcome() != TickReport.Outcome.PERSISTED || before == CanaryPhase.TERMINATING) {
        break;
      }
    }
    return report != null ? report : report(retryIn, false, TickReport.Outcome.UNCHANGED);
  }

  private boolean resolveRouter(CanaryPhase phase) {
    routerKind = engine.routerKindOf(canary);
    router = engine.routers.get(routerKind);
    if (router == null) {
      String problem = "No traffic router registered for provider " + routerKind
          + " (registered: " + new TreeMap<>(engine.routers).keySet() + ")";
      emit(EventType.WARNING, problem, phase);
      incidents.failed(IncidentKind.SPEC, problem);
      return false;
    }
    metricCalls = new MetricCalls(engine, canary, routerKind, now);
    return true;
  }

  /**
   * Validates as if the spec named the router it gets; nothing is touched on a spec the router or
   * the checks reject. The core's checks are pure and memoized by value (an unchanged canary is
   * checked once); the router's own checks run every tick, as they may look at the cluster.
   */
  private boolean valid() {
    List<SpecProblem> specProblems = engine.specProblems.get(new AnalysisEngine.SpecKey(canary.name(),
        canary.namespace(), canary.spec(), routerKind, router.capabilities()), key -> {
          Canary resolved = canary.spec().provider() != null ? canary
              : canary.withSpec(canary.spec().toBuilder().provider(routerKind).build());
          return CanaryValidator.validate(resolved, key.capabilities());
        });
    List<SpecProblem> routerProblems = router.validate(canary);
    if (specProblems.isEmpty() && routerProblems.isEmpty()) {
      incidents.healthy(IncidentKind.SPEC);
      return true;
    }
    // A router may restate a capability problem already reported for the same field; keep one.
    List<SpecProblem> problems = new ArrayList<>(specProblems);
    for (SpecProblem problem : routerProblems) {
      if (specProblems.stream().noneMatch(p -> p.path().equals(problem.path()))) {
        problems.add(problem);
      }
    }
    String joined = problems.stream().map(SpecProblem::toString).collect(Collectors.joining("; "));
    emit(EventType.WARNING, "Invalid canary " + canary.key() + " spec: " + joined, stored.phase());
    incidents.failed(IncidentKind.SPEC, joined);
    return false;
  }

  /** Persists the decision (before its actions, unless it must act first), then performs it. */
  private TickReport commit(TickResult result) {
    CanaryStatus next = result.status();
    if (result.actFirst() && performWorld(result.actions()) != null) {
      return report(result.nextTickIn(), false, TickReport.Outcome.FAILED);
    }
    if (!next.equals(stored)) {
      TickReport.Outcome written = write(next);
      if (written != TickReport.Outcome.PERSISTED) {
        return report(result.nextTickIn(), false, written);
      }
    } else if (!hasWorldActions(result.actions())) {
      deliver(result.actions(), next.phase());
      return report(result.nextTickIn(), false, TickReport.Outcome.UNCHANGED);
    }
    if (!result.actFirst()) {
      performWorld(result.actions());
    }
    // Owed post-rollout hooks run at the decision's RunPostRolloutHooks marker, in Flagger's event
    // order; if clearing them loses a race, the next tick's convergence calls them again.
    deliver(result.actions(), next.phase());
    return report(result.nextTickIn(), result.analysed(), TickReport.Outcome.PERSISTED);
  }

  /**
   * Compare-and-set of {@code next}: PERSISTED, CONFLICT (logged) or FAILED (reported as an
   * event). Unless it is PERSISTED, nothing of the decision is performed.
   */
  private TickReport.Outcome write(CanaryStatus next) {
    next = withEffectiveSplit(next);
    Optional<String> version;
    Instant start = engine.clock.instant();
    try {
      version = engine.statusStore.compareAndSet(canary, next);
      engine.observer.providerCalled("status", engine.elapsedSince(start), false);
    } catch (RuntimeException e) {
      engine.observer.providerCalled("status", engine.elapsedSince(start), true);
      statusWriteFailed = true;
      failure(null, "writing the status", e);
      return TickReport.Outcome.FAILED;
    }
    if (version.isEmpty()) {
      LOG.info("canary {}: the stored canary changed since it was read; this tick's decision is dropped",
          canary.key());
      return TickReport.Outcome.CONFLICT;
    }
    canary = canary.withResourceVersion(version.get());
    stored = next;
    return TickReport.Outcome.PERSISTED;
  }

  /**
   * The status with the split the router says it achieves for the status' weights, for routers
   * whose weights are approximate (null for the others); the earlier value is kept when the router
   * cannot tell now.
   */
  private CanaryStatus withEffectiveSplit(CanaryStatus next) {
    String split;
    try {
      split = router.describeSplit(canary, Tick.routesOf(next));
    } catch (RuntimeException e) {
      LOG.debug("canary {}: the {} router could not describe its split: {}", canary.key(),
          routerKind, e.toString());
      return next;
    }
    return java.util.Objects.equals(split, next.effectiveSplit()) ? next
        : next.toBuilder().effectiveSplit(split).build();
  }

  /**
   * Brings the world back to the stored status. Drift (routes that differ from the intent, a
   * canary at zero that should run, a promotion the primary lacks, a canary that should be at
   * zero) is repaired only after a compare-and-set of the stored status succeeded, so an engine
   * that read a stale status cannot undo the winner's actions; the tick then decides nothing new
   * and the analysis resumes one interval later, on the repaired world. A workload that does not
   * report replicas or the primary's revision gets its idempotent call repeated instead. Returns
   * the report that ends the tick, or null when nothing had drifted.
   */
  private TickReport converge(List<Action> actions, WorkloadSnapshot snapshot) {
    Duration interval = CanaryStateMachine.interval(canary.spec());
    List<Action> drift = new ArrayList<>(actions.size());
    IncidentKind kind = IncidentKind.ROUTER;
    String step = "reading the " + routerKind + " routes";
    try {
      for (Action action : actions) {
        kind = kindOf(action);
        step = action instanceof Action.SetRoutes ? "reading the " + routerKind + " routes" : describe(action);
        boolean known = action instanceof Action.SetRoutes
            ? !router.getRoutes(canary).equals(((Action.SetRoutes) action).split())
            : action instanceof Action.Promote ? snapshot.primaryRevision() != null
            : action instanceof Action.PrepareCapacity || action instanceof Action.ReleaseCapacity
                ? snapshot.primaryCapacity() != null
            : snapshot.canaryReplicas() != null;
        if (known) {
          drift.add(action);
        } else if (!(action instanceof Action.SetRoutes)) {
          perform(action);
        }
      }
    } catch (RuntimeException e) {
      return failure(kind, step, e);
    }
    if (drift.isEmpty()) {
      return null;
    }
    TickReport.Outcome held = write(stored.toBuilder().lastAnalysisTime(now).build());
    if (held != TickReport.Outcome.PERSISTED) {
      return report(interval, false, held);
    }
    if (performWorld(drift) != null) {
      return report(interval, false, TickReport.Outcome.FAILED);
    }
    emit(EventType.WARNING, "Restored " + canary.key() + " to its stored status: "
        + drift.stream().map(this::describe).collect(Collectors.joining(", ")), stored.phase());
    return report(interval, false, TickReport.Outcome.UNCHANGED);
  }

  /** Performs the world actions in order; returns the description of the one that failed, or null. */
  private String performWorld(List<Action> actions) {
    for (Action action : actions) {
      if (!action.changesWorld()) {
        continue;
      }
      try {
        perform(action);
      } catch (RuntimeException e) {
        String step = describe(action);
        failure(kindOf(action), step, e);
        return step;
      }
    }
    return null;
  }

  private static IncidentKind kindOf(Action action) {
    return action instanceof Action.SetRoutes || action instanceof Action.FinalizeRoutes
        ? IncidentKind.ROUTER : IncidentKind.WORKLOAD;
  }

  private void perform(Action action) {
    String kind = kindOf(action) == IncidentKind.ROUTER ? "router" : "workload";
    Instant start = engine.clock.instant();
    try {
      call(action);
      engine.observer.providerCalled(kind, engine.elapsedSince(start), false);
    } catch (RuntimeException e) {
      engine.observer.providerCalled(kind, engine.elapsedSince(start), true);
      throw e;
    }
  }

  private void call(Action action) {
    if (action instanceof Action.SetRoutes) {
      router.setRoutes(canary, ((Action.SetRoutes) action).split());
    } else if (action instanceof Action.ScaleUp) {
      engine.workload.scaleUp(canary);
    } else if (action instanceof Action.ScaleToZero) {
      engine.workload.scaleToZero(canary);
    } else if (action instanceof Action.Promote) {
      engine.workload.promote(canary);
    } else if (action instanceof Action.Revert) {
      engine.workload.revert(canary);
    } else if (action instanceof Action.FinalizeRoutes) {
      router.finalizeRoutes(canary);
    } else if (action instanceof Action.PrepareCapacity) {
      engine.workload.prepareCapacity(canary);
    } else if (action instanceof Action.ReleaseCapacity) {
      engine.workload.releaseCapacity(canary);
    }
  }

  private boolean hasWorldActions(List<Action> actions) {
    return actions.stream().anyMatch(Action::changesWorld);
  }

  private String describe(Action action) {
    return action.describe(canary.spec().targetRef().name(), routerKind);
  }

  /** Delivers the decision's events and alerts (events in {@code phase} unless they name their own). */
  void deliver(List<Action> actions, CanaryPhase phase) {
    for (Action action : actions) {
      if (action instanceof Action.RecordEvent) {
        Action.RecordEvent event = (Action.RecordEvent) action;
        emit(event.type(), withAchievedSplit(event.message(), actions),
            event.phase() == null ? phase : event.phase());
      } else if (action instanceof Action.RunPostRolloutHooks) {
        if (stored.pendingPostRollout() != null) {
          postRollout();
        }
      } else if (action instanceof Action.SendAlert) {
        notifications.alert((Action.SendAlert) action);
      }
    }
  }

  /**
   * An {@code Advance} event with the split the router says it achieved appended, for routers whose
   * weights are approximate ({@code Advance podinfo.test canary weight 25 (3 primary / 1 canary pods)}).
   */
  private String withAchievedSplit(String message, List<Action> actions) {
    if (!message.startsWith("Advance ") || router == null) {
      return message;
    }
    for (int i = actions.size() - 1; i >= 0; i--) {
      if (actions.get(i) instanceof Action.SetRoutes) {
        try {
          String achieved = router.describeSplit(canary, ((Action.SetRoutes) actions.get(i)).split());
          return achieved == null ? message : message + " (" + achieved + ")";
        } catch (RuntimeException e) {
          LOG.debug("canary {}: the {} router could not describe its split: {}", canary.key(),
              routerKind, e.toString());
          return message;
        }
      }
    }
    return message;
  }

  /**
   * Calls the post-rollout hooks the stored status still owes, then persists the status without
   * them; a crash in between calls them again.
   */
  private TickReport.Outcome postRollout() {
    notifications.postRolloutHooks(stored);
    return write(stored.toBuilder().pendingPostRollout(null).build());
  }

  @Override
  public WebhookResult callWebhook(Webhook hook, CanaryPhase payloadPhase) {
    WebhookResult result = notifications.call(hook, payloadPhase, hook.metadata(), stored, stored.decision() + 1);
    if (LOG.isDebugEnabled()) {
      LOG.debug("canary {}: webhook {} ({}) passed={}", canary.key(), hook.name(),
          hook.type().manifestValue(), result.passed());
    }
    return result;
  }

  @Override
  public MetricOutcome evaluate(MetricCheck check) {
    MetricOutcome outcome = metricCalls.evaluate(check);
    if (outcome instanceof MetricOutcome.SetupError) {
      incidents.failed(IncidentKind.METRICS, ((MetricOutcome.SetupError) outcome).message());
    } else if (outcome instanceof MetricOutcome.Measured
        && ((MetricOutcome.Measured) outcome).result() instanceof io.canaryanalysis.api.MetricResult.Failed) {
      incidents.failed(IncidentKind.METRICS, "metric " + check.name() + ": "
          + ((io.canaryanalysis.api.MetricResult.Failed) ((MetricOutcome.Measured) outcome).result()).message());
    } else {
      incidents.healthy(IncidentKind.METRICS);
    }
    return outcome;
  }

  @Override
  public List<String> metricProviderProblems() {
    List<String> problems = metricCalls.providerProblems();
    if (problems.isEmpty()) {
      incidents.healthy(IncidentKind.METRICS);
    } else {
      incidents.failed(IncidentKind.METRICS, String.join("; ", problems));
    }
    return problems;
  }

  /**
   * Reports a failed call as a Warning event and records it as an incident of {@code kind} (of
   * {@code INITIALIZATION} while the canary initializes); a null kind (the status write) is not an
   * incident, since its record could not be persisted either.
   */
  private TickReport failure(IncidentKind kind, String step, RuntimeException e) {
    String cause = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    LOG.warn("canary {}: {} failed: {}", canary.key(), step, cause);
    emit(EventType.WARNING, "Error " + step + " for " + canary.key() + ": " + cause, stored.phase());
    callFailed = true;
    if (kind != null) {
      incidents.failed(stored.phase() == CanaryPhase.INITIALIZING ? IncidentKind.INITIALIZATION : kind,
          "error " + step + ": " + cause);
    }
    return report(CanaryStateMachine.interval(canary.spec()), false, TickReport.Outcome.FAILED);
  }

  /**
   * Folds what this tick saw into {@code status.incidents}: persisted (compare-and-set) before any
   * alert about it is sent, so an alert goes out at most once and a restarted engine continues the
   * same incidents. Router and workload incidents clear on a tick that ran without a failed call,
   * initialization ones once the canary is initialized, spec and metric ones when validation or a
   * query worked. Costs nothing while there is no incident and nothing failed.
   */
  private TickReport settle(TickReport report) {
    if (incidents.nothingFor(stored.incidents()) || statusWriteFailed
        || report.outcome() == TickReport.Outcome.CONFLICT) {
      return report;
    }
    if (report.outcome() != TickReport.Outcome.FAILED && !callFailed) {
      incidents.healthy(IncidentKind.ROUTER);
      incidents.healthy(IncidentKind.WORKLOAD);
    }
    if (stored.phase() != CanaryPhase.INITIALIZING && !incidents.anyFailed(IncidentKind.INITIALIZATION)) {
      incidents.healthy(IncidentKind.INITIALIZATION);
    }
    Incidents.Update update = incidents.update(stored.incidents(), now, engine.incidentAlertAfter,
        engine.incidentReminder);
    if (update.incidents().equals(stored.incidents())) {
      return report;
    }
    if (write(stored.toBuilder().incidents(update.incidents()).build()) != TickReport.Outcome.PERSISTED) {
      return report(report.nextTickIn(), report.analysed(), report.outcome());
    }
    for (Incidents.Notice notice : update.notices()) {
      if (notice.recovered()) {
        // The failure itself is a Warning event on every tick it is seen; its end is one Normal event.
        emit(EventType.NORMAL, notice.message(), stored.phase());
      }
      Action.SendAlert alert = Alerts.route(canary, notice.kind().severity(),
          notice.recovered() ? AlertSeverity.INFO : notice.kind().severity(), notice.message());
      if (alert != null) {
        notifications.alert(alert);
      }
    }
    return report(report.nextTickIn(), report.analysed(), report.outcome());
  }

  TickReport report(Duration nextTickIn, boolean analysed, TickReport.Outcome outcome) {
    return new TickReport(stored, notifications.events(), notifications.alerts(), nextTickIn, analysed, outcome);
  }

  private void emit(EventType type, String message, CanaryPhase phase) {
    notifications.emit(type, message, phase, stored);
  }
}
