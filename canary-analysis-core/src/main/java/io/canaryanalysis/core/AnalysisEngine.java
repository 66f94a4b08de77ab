package io.canaryanalysis.core;

import io.canaryanalysis.api.CanaryAlert;
import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.AnalysisObserver;
import io.canaryanalysis.api.EventSink;
import io.canaryanalysis.api.EventType;
import io.canaryanalysis.api.MetricBackend;
import io.canaryanalysis.api.MetricTemplateSource;
import io.canaryanalysis.api.RouterCapabilities;
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
import io.canaryanalysis.api.spec.CanarySpec;
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
  public static final String REVISION_KEY = Notifications.REVISION_KEY;
  public static final String DECISION_KEY = Notifications.DECISION_KEY;
  /** Default of {@link Builder#incidentAlerts}: a failure is alerted once it lasts this long. */
  public static final Duration DEFAULT_INCIDENT_ALERT_AFTER = Duration.ofMinutes(1);
  /** Default of {@link Builder#incidentAlerts}: an open incident is alerted again this often. */
  public static final Duration DEFAULT_INCIDENT_REMINDER = Duration.ofHours(4);
  /** The default {@link Builder#memoSize}. */
  public static final int DEFAULT_MEMO_SIZE = 16_384;

  final Map<String, TrafficRouter> routers;
  final String defaultRouterKind;
  final Workload workload;
  final WebhookCaller webhookCaller;
  final EventSink eventSink;
  final MetricBackend metrics;
  final MetricTemplateSource metricTemplateSource;
  final StatusStore statusStore;
  final InstantSource clock;
  final AnalysisObserver observer;
  final Duration incidentAlertAfter;
  final Duration incidentReminder;
  /** The spec checks of a canary, by value: an unchanged spec is validated once, not every tick. */
  final Memo<SpecKey, List<SpecProblem>> specProblems;
  /** Rendered metric queries, by value (template and every placeholder's source). */
  final Memo<QueryKey, String> renderedQueries;

  /** Webhook checksums, by the revision and tracked configs they hash. */
  final Memo<ChecksumKey, String> checksums;

  /** What a webhook checksum depends on (see {@link Notifications#checksum}). */
  record ChecksumKey(String revision, Map<String, String> trackedConfigs) {}

  /** What the core's spec checks depend on: the canary's identity, its spec and the router it gets. */
  record SpecKey(String name, String namespace, CanarySpec spec, String routerKind,
      RouterCapabilities capabilities) {}

  /** What a rendered query depends on (see {@link QueryTemplates#placeholderValues}). */
  record QueryKey(String template, String name, String namespace, String target, String service,
      String ingress, MetricCheck check) {
    QueryKey(String template, Canary canary, MetricCheck check) {
      this(template, canary.name(), canary.namespace(), canary.spec().targetRef().name(),
          canary.spec().serviceName(), canary.spec().ingressName(), check);
    }
  }

  private AnalysisEngine(Builder b) {
    this.incidentAlertAfter = b.incidentAlertAfter;
    this.incidentReminder = b.incidentReminder;
    this.routers = Map.copyOf(b.routers);
    this.defaultRouterKind = b.defaultRouterKind;
    this.workload = b.workload;
    this.webhookCaller = b.webhookCaller;
    this.eventSink = b.eventSink;
    this.metrics = b.metrics;
    this.metricTemplateSource = b.metricTemplateSource;
    this.statusStore = b.statusStore;
    this.clock = b.clock;
    this.observer = b.observer;
    this.specProblems = new Memo<>(b.memoSize);
    this.renderedQueries = new Memo<>(b.memoSize * QUERIES_PER_CANARY);
    this.checksums = new Memo<>(b.memoSize);
  }

  /** Room for this many rendered queries per remembered canary spec. */
  static final int QUERIES_PER_CANARY = 4;

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
    TickRun run = new TickRun(this, canary, status, now);
    if (plan instanceof CanaryStateMachine.Plan.Suspended) {
      TickResult result = ((CanaryStateMachine.Plan.Suspended) plan).result();
      run.deliver(result.actions(), status.phase());
      return observed(canary, now, run.report(result.nextTickIn(), false, TickReport.Outcome.UNCHANGED));
    }
    return observed(canary, now, run.tick());
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
    Instant now = clock.instant();
    return observed(canary, now, new TickRun(this, canary, status, now).terminate());
  }

  /**
   * Records that the stored Canary is not a valid manifest, for hosts whose reader refused it
   * ({@code canary} as far as it could be read, at its stored resourceVersion, with its stored
   * status): the spec incident in {@code status.incidents}, alerted to the canary's
   * {@code analysis.alerts} (if they could be read) as the engine alerts an invalid spec, once;
   * the tick that finds the spec valid again announces the recovery. Touches nothing else and is
   * not time-gated; a host calls it whenever it retries the canary.
   */
  public TickReport reportInvalid(Canary canary, CanaryStatus status, List<SpecProblem> problems) {
    Objects.requireNonNull(canary, "canary");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(problems, "problems");
    return new TickRun(this, canary, status, clock.instant()).invalid(problems);
  }

  private TickReport observed(Canary canary, Instant start, TickReport report) {
    observer.ticked(canary, report.status(), elapsedSince(start));
    return report;
  }

  /** Time since {@code start} on the engine's clock (zero on a virtual clock that did not move). */
  Duration elapsedSince(Instant start) {
    Duration took = Duration.between(start, clock.instant());
    return took.isNegative() ? Duration.ZERO : took;
  }

  /** The registered router for the canary's provider, or the default one. */
  String routerKindOf(Canary canary) {
    return canary.spec().provider() == null ? defaultRouterKind : canary.spec().provider();
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
    private AnalysisObserver observer = AnalysisObserver.none();
    private Duration incidentAlertAfter = DEFAULT_INCIDENT_ALERT_AFTER;
    private Duration incidentReminder = DEFAULT_INCIDENT_REMINDER;
    private int memoSize = DEFAULT_MEMO_SIZE;

    private Builder() {}

    /**
     * When failures outside the analysis (a spec the engine refuses, a canary that cannot
     * initialize, router or workload calls, metric providers) are alerted: once a failure is seen
     * again {@code alertAfter} or more after it started (zero: at once), then every
     * {@code remindEvery} while it lasts (zero: never), and once when it clears. Default 1 minute
     * and 4 hours (Alertmanager's {@code repeat_interval}).
     */
    public Builder incidentAlerts(Duration alertAfter, Duration remindEvery) {
      if (alertAfter.isNegative() || remindEvery.isNegative()) {
        throw new IllegalArgumentException("incidentAlerts durations must not be negative, got "
            + alertAfter + " and " + remindEvery);
      }
      this.incidentAlertAfter = alertAfter;
      this.incidentReminder = remindEvery;
      return this;
    }

    /**
     * How many distinct canary specs the engine remembers the validation of (and as many webhook
     * checksums, four times as many rendered metric queries), least recently used evicted first; default
     * {@value #DEFAULT_MEMO_SIZE}. Keyed by value, so a Canary parsed afresh each tick still hits;
     * set it above the number of canaries one engine serves. 0 turns the memos off.
     */
    public Builder memoSize(int memoSize) {
      if (memoSize < 0 || memoSize > Integer.MAX_VALUE / QUERIES_PER_CANARY) {
        throw new IllegalArgumentException("memoSize must be between 0 and "
            + Integer.MAX_VALUE / QUERIES_PER_CANARY + ", got " + memoSize);
      }
      this.memoSize = memoSize;
      return this;
    }

    /** Watches ticks, metric values and provider calls (for example Flagger's meters); default none. */
    public Builder observer(AnalysisObserver observer) {
      this.observer = Objects.requireNonNull(observer, "observer");
      return this;
    }

    /** Registers {@code router} for {@code spec.provider: router.kind()} and its aliases; the first one is the default. */
    public Builder router(TrafficRouter router) {
      Objects.requireNonNull(router, "router");
      routers.put(Objects.requireNonNull(router.kind(), "router.kind()"), router);
      for (String alias : router.aliases()) {
        routers.put(alias, router);
      }
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
