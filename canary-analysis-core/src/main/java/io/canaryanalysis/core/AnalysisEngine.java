package io.canaryanalysis.core;

import io.canaryanalysis.api.CanaryAlert;
import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.EventSink;
import io.canaryanalysis.api.EventType;
import io.canaryanalysis.api.MetricBackend;
import io.canaryanalysis.api.MetricTemplateSource;
import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.StatusStore;
import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.WebhookCaller;
import io.canaryanalysis.api.WebhookPayload;
import io.canaryanalysis.api.WebhookResult;
import io.canaryanalysis.api.Workload;
import io.canaryanalysis.api.WorkloadSnapshot;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.Webhook;
import io.canaryanalysis.api.spec.WebhookType;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.core.validation.CanaryValidator;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs Flagger's canary analysis one tick at a time: the shell around the pure state machine. It
 * owns the clock and the SPI calls; every decision is the machine's.
 *
 * <p><b>The persisted status is the intent.</b> A tick (1) converges the world to the stored
 * status (routes, canary replicas, an interrupted promotion, post-rollout hooks still due), (2)
 * lets the machine decide, (3) writes the new status through the {@link StatusStore} with
 * compare-and-set, and only then (4) performs the decision's actions, each idempotent. A conflict
 * ends the tick with no side effect; a failed write performs nothing; a failed action is repaired
 * by step 1 of the next tick. So a crash or a failure at any point never undoes a rollback, a
 * promotion or a weight step, and never repeats one. Hooks with side effects are at-least-once:
 * their payload metadata carries {@code canaryRevision} and {@code canaryDecision} (the same on a
 * repeated call) so receivers can de-duplicate.
 *
 * <p>Thread-free: the host calls {@link #reconcile} for a canary from its own loop or worker pool,
 * and again after {@link TickReport#nextTickIn()}.
 */
public final class AnalysisEngine {
  private static final Logger LOG = LoggerFactory.getLogger(AnalysisEngine.class);
  /** Metadata keys every webhook payload carries for de-duplication. */
  public static final String REVISION_KEY = "canaryRevision";
  public static final String DECISION_KEY = "canaryDecision";

  private final Map<String, TrafficRouter> routers;
  private final String defaultRouterKind;
  private final Workload workload;
  private final WebhookCaller webhookCaller;
  private final EventSink eventSink;
  private final MetricBackend metrics;
  private final MetricTemplateSource metricTemplateSource;
  private final StatusStore statusStore;
  private final InstantSource clock;

  private AnalysisEngine(Builder b) {
    this.routers = Map.copyOf(b.routers);
    this.defaultRouterKind = b.defaultRouterKind;
    this.workload = b.workload;
    this.webhookCaller = b.webhookCaller;
    this.eventSink = b.eventSink;
    this.metrics = b.metrics;
    this.metricTemplateSource = b.metricTemplateSource;
    this.statusStore = b.statusStore;
    this.clock = b.clock;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The router kind used when a canary sets no {@code spec.provider}. */
  public String defaultRouterKind() {
    return defaultRouterKind;
  }

  /**
   * Runs one tick for {@code canary} (as stored, at {@link Canary#resourceVersion()}) whose stored
   * status is {@code status}. Does nothing when the previous tick was less than one analysis
   * interval ago (the report says how long to wait).
   */
  public TickReport reconcile(Canary canary, CanaryStatus status) {
    Objects.requireNonNull(canary, "canary");
    Objects.requireNonNull(status, "status");
    Instant now = clock.instant();
    CanaryStateMachine.Plan plan = CanaryStateMachine.plan(canary, status, now);
    if (plan instanceof CanaryStateMachine.Plan.Wait) {
      Duration remaining = ((CanaryStateMachine.Plan.Wait) plan).remaining();
      return new TickReport(status, List.of(), List.of(), remaining, false, TickReport.Outcome.NOT_DUE);
    }
    TickRun run = new TickRun(canary, status, now);
    if (plan instanceof CanaryStateMachine.Plan.Suspended) {
      TickResult result = ((CanaryStateMachine.Plan.Suspended) plan).result();
      run.deliver(result.actions(), status.phase());
      return run.report(result.nextTickIn(), false, TickReport.Outcome.UNCHANGED);
    }
    return run.tick();
  }

  /**
   * Reverts a canary that is being deleted with {@code revertOnDeletion}, as Flagger's finalizer
   * does: Terminating is persisted and the target scaled back up; once it is ready the workload
   * points the apex Service at it ({@link Workload#revert}) and the router hands all traffic back
   * ({@link TrafficRouter#finalizeRoutes}), and only then is Terminated persisted. Call it on every
   * reconcile of the deleted canary until the stored phase is {@code Terminated}; then remove the
   * finalizer. A target that never becomes ready keeps the canary Terminating.
   */
  public TickReport terminate(Canary canary, CanaryStatus status) {
    Objects.requireNonNull(canary, "canary");
    Objects.requireNonNull(status, "status");
    return new TickRun(canary, status, clock.instant()).terminate();
  }

  /** The registered router for the canary's provider, or the default one. */
  private String routerKindOf(Canary canary) {
    return canary.spec().provider() == null ? defaultRouterKind : canary.spec().provider();
  }

  /** A hash of the analysed revision and its tracked configs, sent as the webhook checksum. */
  static String checksum(CanaryStatus status) {
    StringBuilder text = new StringBuilder(String.valueOf(status.lastAppliedSpec())).append('\0');
    for (Map.Entry<String, String> e : new TreeMap<>(status.trackedConfigs()).entrySet()) {
      text.append(e.getKey()).append('=').append(e.getValue()).append('\0');
    }
    return Sha256.hex(text.toString()).substring(0, 16);
  }

  /** One reconcile call: the shell's half of a tick. */
  private final class TickRun implements TickChecks {
    private final Instant now;
    private final List<CanaryEvent> events = new ArrayList<>(4);
    private final List<CanaryAlert> alerts = new ArrayList<>(1);
    private Canary canary;
    private CanaryStatus stored;
    private String routerKind;
    private TrafficRouter router;
    private MetricCalls metricCalls;

    TickRun(Canary canary, CanaryStatus stored, Instant now) {
      this.canary = canary;
      this.stored = stored;
      this.now = now;
    }

    TickReport tick() {
      Duration interval = CanaryStateMachine.interval(canary.spec());
      if (!resolveRouter(stored.phase()) || !valid()) {
        return report(interval, false, TickReport.Outcome.FAILED);
      }
      WorkloadSnapshot snapshot;
      String step = "initializing the workload";
      try {
        workload.initialize(canary);
        step = "reconciling the " + routerKind + " routes";
        router.reconcile(canary);
        step = "observing the workload";
        snapshot = workload.observe(canary);
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
            snapshot = workload.observe(canary);
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
      routerKind = routerKindOf(canary);
      router = routers.get(routerKind);
      if (router == null) {
        emit(EventType.WARNING, "No traffic router registered for provider " + routerKind
            + " (registered: " + new TreeMap<>(routers).keySet() + ")", phase);
        return false;
      }
      metricCalls = new MetricCalls(metrics, metricTemplateSource, canary, routerKind, now);
      return true;
    }

    /** Validates as if the spec named the router it gets; nothing is touched on a spec the router or the checks reject. */
    private boolean valid() {
      Canary resolved = canary.spec().provider() != null ? canary
          : canary.withSpec(canary.spec().toBuilder().provider(routerKind).build());
      List<SpecProblem> problems = CanaryValidator.validate(resolved, router);
      if (problems.isEmpty()) {
        return true;
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
      deliver(result.actions(), next.phase());
      if (stored.pendingPostRollout() != null) {
        postRollout(); // only when the decision had no RunPostRolloutHooks marker
      }
      return report(result.nextTickIn(), result.analysed(), TickReport.Outcome.PERSISTED);
    }

    /**
     * Compare-and-set of {@code next}: PERSISTED, CONFLICT (logged) or FAILED (reported as an
     * event). Unless it is PERSISTED, nothing of the decision is performed.
     */
    private TickReport.Outcome write(CanaryStatus next) {
      Optional<String> version;
      try {
        version = statusStore.compareAndSet(canary, next);
      } catch (RuntimeException e) {
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
      if (action instanceof Action.SetRoutes) {
        router.setRoutes(canary, ((Action.SetRoutes) action).split());
      } else if (action instanceof Action.ScaleUp) {
        workload.scaleUp(canary);
      } else if (action instanceof Action.ScaleToZero) {
        workload.scaleToZero(canary);
      } else if (action instanceof Action.Promote) {
        workload.promote(canary);
      } else if (action instanceof Action.Revert) {
        workload.revert(canary);
      } else if (action instanceof Action.FinalizeRoutes) {
        router.finalizeRoutes(canary);
      }
    }

    private boolean hasWorldActions(List<Action> actions) {
      return actions.stream().anyMatch(Action::changesWorld);
    }

    private String describe(Action action) {
      String target = canary.spec().targetRef().name();
      if (action instanceof Action.SetRoutes) {
        var split = ((Action.SetRoutes) action).split();
        return "setting routes primary=" + split.primaryWeight() + " canary=" + split.canaryWeight()
            + (split.mirrored() ? " mirrored" : "");
      } else if (action instanceof Action.ScaleUp) {
        return "scaling up " + target;
      } else if (action instanceof Action.ScaleToZero) {
        return "scaling down " + target;
      } else if (action instanceof Action.Promote) {
        return "promoting " + target + " to " + target + "-primary";
      } else if (action instanceof Action.Revert) {
        return "reverting the workload";
      }
      return "finalizing the " + routerKind + " routes";
    }

    /** Delivers the decision's events and alerts (events in {@code phase} unless they name their own). */
    void deliver(List<Action> actions, CanaryPhase phase) {
      for (Action action : actions) {
        if (action instanceof Action.RecordEvent) {
          Action.RecordEvent event = (Action.RecordEvent) action;
          emit(event.type(), event.message(), event.phase() == null ? phase : event.phase());
        } else if (action instanceof Action.RunPostRolloutHooks) {
          if (stored.pendingPostRollout() != null) {
            postRollout();
          }
        } else if (action instanceof Action.SendAlert) {
          Action.SendAlert alert = (Action.SendAlert) action;
          CanaryAlert sent = new CanaryAlert(canary.name(), canary.namespace(), alert.severity(),
              alert.message(), alert.fields(), alert.providers(), now);
          alerts.add(sent);
          eventSink.alert(sent);
        }
      }
    }

    /**
     * Calls the post-rollout hooks the stored status still owes, then persists the status without
     * them; a crash in between calls them again.
     */
    private TickReport.Outcome postRollout() {
      CanaryPhase phase = stored.pendingPostRollout();
      Analysis analysis = canary.spec().analysis();
      for (Webhook hook : analysis == null ? List.<Webhook>of() : analysis.webhooks(WebhookType.POST_ROLLOUT)) {
        WebhookResult result = call(hook, payload(phase, hook.metadata(), stored.decision()));
        if (result.passed()) {
          emit(EventType.NORMAL, "Post-rollout check " + hook.name() + " passed", phase);
        } else {
          emit(EventType.WARNING, "Post-rollout hook " + hook.name() + " failed " + result.detail(), phase);
        }
      }
      return write(stored.toBuilder().pendingPostRollout(null).build());
    }

    private WebhookPayload payload(CanaryPhase phase, Map<String, String> metadata, int decision) {
      Map<String, String> withKeys = new LinkedHashMap<>(metadata);
      withKeys.putIfAbsent(REVISION_KEY, String.valueOf(stored.lastAppliedSpec()));
      withKeys.putIfAbsent(DECISION_KEY, Integer.toString(decision));
      return new WebhookPayload(canary.name(), canary.namespace(), phase.flaggerName(),
          checksum(stored), withKeys);
    }

    private WebhookResult call(Webhook hook, WebhookPayload payload) {
      try {
        WebhookResult result = webhookCaller.call(hook, payload);
        return result == null ? WebhookResult.transportFailure("no result") : result;
      } catch (RuntimeException e) {
        String cause = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        LOG.warn("canary {}: webhook {} call failed: {}", canary.key(), hook.name(), cause);
        return WebhookResult.transportFailure(cause);
      }
    }

    @Override
    public WebhookResult callWebhook(Webhook hook, CanaryPhase payloadPhase) {
      WebhookResult result = call(hook, payload(payloadPhase, hook.metadata(), stored.decision() + 1));
      LOG.debug("canary {}: webhook {} ({}) passed={}", canary.key(), hook.name(),
          hook.type().manifestValue(), result.passed());
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
      return new TickReport(stored, events, alerts, nextTickIn, analysed, outcome);
    }

    /** Records an event and delivers it to the sink and the {@code event} webhooks. */
    private void emit(EventType type, String message, CanaryPhase phase) {
      CanaryEvent event = new CanaryEvent(canary.name(), canary.namespace(), type,
          CanaryEvent.REASON_SYNCED, message, now);
      events.add(event);
      eventSink.event(event);
      Analysis analysis = canary.spec().analysis();
      for (Webhook hook : analysis == null ? List.<Webhook>of() : analysis.webhooks(WebhookType.EVENT)) {
        Map<String, String> metadata = new HashMap<>(hook.metadata());
        metadata.put("eventMessage", message);
        metadata.put("eventType", type.value());
        metadata.put("timestamp", Long.toString(now.toEpochMilli()));
        WebhookResult result = call(hook, payload(phase, metadata, stored.decision()));
        if (!result.passed()) {
          LOG.warn("canary {}: event webhook {} failed: {}", canary.key(), hook.name(), result.detail());
        }
      }
    }
  }

  /** Builds an {@link AnalysisEngine}; routers, the workload and the status store are required. */
  public static final class Builder {
    private final Map<String, TrafficRouter> routers = new LinkedHashMap<>();
    private String defaultRouterKind;
    private Workload workload;
    private WebhookCaller webhookCaller =
        (hook, payload) -> WebhookResult.transportFailure("no WebhookCaller is configured");
    private EventSink eventSink = EventSink.discarding();
    private MetricBackend metrics = MetricBackend.none();
    private MetricTemplateSource metricTemplateSource;
    private StatusStore statusStore;
    private InstantSource clock = InstantSource.system();

    private Builder() {}

    /** Registers {@code router} for {@code spec.provider: router.kind()}; the first one is the default. */
    public Builder router(TrafficRouter router) {
      Objects.requireNonNull(router, "router");
      routers.put(Objects.requireNonNull(router.kind(), "router.kind()"), router);
      return this;
    }

    /** The router kind for canaries without {@code spec.provider}; default: the first registered. */
    public Builder defaultRouterKind(String kind) {
      this.defaultRouterKind = Objects.requireNonNull(kind, "kind");
      return this;
    }

    public Builder workload(Workload workload) {
      this.workload = Objects.requireNonNull(workload, "workload");
      return this;
    }

    /** Where statuses are persisted, with compare-and-set (required). */
    public Builder statusStore(StatusStore statusStore) {
      this.statusStore = Objects.requireNonNull(statusStore, "statusStore");
      return this;
    }

    /** Delivers webhooks; default: every hook fails with "no WebhookCaller is configured". */
    public Builder webhookCaller(WebhookCaller webhookCaller) {
      this.webhookCaller = Objects.requireNonNull(webhookCaller, "webhookCaller");
      return this;
    }

    /** Receives events and alerts; default: discarded. */
    public Builder eventSink(EventSink eventSink) {
      this.eventSink = Objects.requireNonNull(eventSink, "eventSink");
      return this;
    }

    /** The metrics system (its module builds it: provider, builtin queries, template providers). */
    public Builder metrics(MetricBackend metrics) {
      this.metrics = Objects.requireNonNull(metrics, "metrics");
      return this;
    }

    /** Looks up MetricTemplates referenced by {@code templateRef}. */
    public Builder metricTemplateSource(MetricTemplateSource metricTemplateSource) {
      this.metricTemplateSource = Objects.requireNonNull(metricTemplateSource, "metricTemplateSource");
      return this;
    }

    /** The clock; default the system clock. A simulation passes a virtual one. */
    public Builder clock(InstantSource clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** @throws IllegalStateException when no router, workload or status store is set */
    public AnalysisEngine build() {
      if (routers.isEmpty()) {
        throw new IllegalStateException("at least one traffic router is required: router(router)");
      }
      if (workload == null) {
        throw new IllegalStateException("a workload is required: workload(workload)");
      }
      if (statusStore == null) {
        throw new IllegalStateException("a status store is required: statusStore(store)");
      }
      if (defaultRouterKind == null) {
        defaultRouterKind = routers.keySet().iterator().next();
      } else if (!routers.containsKey(defaultRouterKind)) {
        throw new IllegalStateException("defaultRouterKind " + defaultRouterKind
            + " has no registered router (registered: " + routers.keySet() + ")");
      }
      return new AnalysisEngine(this);
    }
  }
}
