package io.canaryanalysis.core;

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

  TickRun(AnalysisEngine engine, Canary canary, CanaryStatus stored, Instant now) {
    this.engine = engine;
    this.canary = canary;
    this.stored = stored;
    this.now = now;
    this.notifications = new Notifications(engine, canary, now);
  }

  TickReport tick() {
    Duration interval = CanaryStateMachine.interval(canary.spec());
    if (!resolveRouter(stored.phase()) || !valid()) {
      return report(interval, false, TickReport.Outcome.FAILED);
    }
    WorkloadSnapshot snapshot;
    String step = "initializing the workload";
    try {
      engine.workload.initialize(canary);
      step = "reconciling the " + routerKind + " routes";
      router.reconcile(canary);
      step = "observing the workload";
      snapshot = engine.workload.observe(canary);
    } catch (RuntimeException e) {
      return failure(step, e);
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
    return commit(result);
  }

  TickReport terminate() {
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
        return failure("observing the workload", e);
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
      emit(EventType.WARNING, "No traffic router registered for provider " + routerKind
          + " (registered: " + new TreeMap<>(engine.routers).keySet() + ")", phase);
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
      return true;
    }
    // A router may restate a capability problem already reported for the same field; keep one.
    List<SpecProblem> problems = new ArrayList<>(specProblems);
    for (SpecProblem problem : routerProblems) {
      if (specProblems.stream().noneMatch(p -> p.path().equals(problem.path()))) {
        problems.add(problem);
      }
    }
    emit(EventType.WARNING, "Invalid canary " + canary.key() + " spec: "
        + problems.stream().map(SpecProblem::toString).collect(Collectors.joining("; ")),
        stored.phase());
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
    Optional<String> version;
    Instant start = engine.clock.instant();
    try {
      version = engine.statusStore.compareAndSet(canary, next);
      engine.observer.providerCalled("status", engine.elapsedSince(start), false);
    } catch (RuntimeException e) {
      engine.observer.providerCalled("status", engine.elapsedSince(start), true);
      failure("writing the status", e);
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
    try {
      for (Action action : actions) {
        boolean known = action instanceof Action.SetRoutes
            ? !router.getRoutes(canary).equals(((Action.SetRoutes) action).split())
            : action instanceof Action.Promote ? snapshot.primaryRevision() != null
            : snapshot.canaryReplicas() != null;
        if (known) {
          drift.add(action);
        } else if (!(action instanceof Action.SetRoutes)) {
          perform(action);
        }
      }
    } catch (RuntimeException e) {
      return failure("reading the " + routerKind + " routes", e);
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
        failure(step, e);
        return step;
      }
    }
    return null;
  }

  private void perform(Action action) {
    String kind = action instanceof Action.SetRoutes || action instanceof Action.FinalizeRoutes
        ? "router" : "workload";
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
    return metricCalls.evaluate(check);
  }

  @Override
  public List<String> metricProviderProblems() {
    return metricCalls.providerProblems();
  }

  private TickReport failure(String step, RuntimeException e) {
    String cause = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    LOG.warn("canary {}: {} failed: {}", canary.key(), step, cause);
    emit(EventType.WARNING, "Error " + step + " for " + canary.key() + ": " + cause, stored.phase());
    return report(CanaryStateMachine.interval(canary.spec()), false, TickReport.Outcome.FAILED);
  }

  TickReport report(Duration nextTickIn, boolean analysed, TickReport.Outcome outcome) {
    return new TickReport(stored, notifications.events(), notifications.alerts(), nextTickIn, analysed, outcome);
  }

  private void emit(EventType type, String message, CanaryPhase phase) {
    notifications.emit(type, message, phase, stored);
  }
}
