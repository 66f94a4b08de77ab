package io.canaryanalysis.simulation;

import io.canaryanalysis.api.AnalysisObserver;
import io.canaryanalysis.api.HistogramResult;
import io.canaryanalysis.api.MetricBackend;
import io.canaryanalysis.api.MetricProvider;
import io.canaryanalysis.api.MetricQuery;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.Readiness;
import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.WebhookCaller;
import io.canaryanalysis.api.WebhookPayload;
import io.canaryanalysis.api.WebhookResult;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.MetricTemplate;
import io.canaryanalysis.api.spec.MetricTemplateProvider;
import io.canaryanalysis.api.spec.Webhook;
import io.canaryanalysis.api.spec.WebhookType;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.core.AnalysisEngine;
import io.canaryanalysis.core.QueryTemplates;
import io.canaryanalysis.core.TickReport;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Runs a canary through the real {@link AnalysisEngine} with a virtual clock and scripted fakes:
 * metric values over time and canary weight, webhook answers over time, workload readiness, and
 * new revisions at given times. Deterministic, and fast enough for Monte Carlo tuning.
 *
 * <pre>{@code
 * SimulationResult r = Simulation.of(canary)
 *     .metric("request-success-rate", (t, weight) -> t.compareTo(Duration.ofMinutes(4)) < 0 ? 99.9 : 53.42)
 *     .newRevisionAt(Duration.ZERO)
 *     .run(Duration.ofMinutes(30));
 * }</pre>
 *
 * <p>The first tick (time zero) initializes the canary with revision {@code rev-1}; scripted
 * revisions ({@code rev-2}, {@code rev-3}, ...) become visible from their time on, after that.
 * Unscripted webhooks pass, except {@code rollback} hooks, which do not ask for a rollback.
 * Unscripted metrics return no data. The simulation stops once the run has settled (Succeeded or
 * Failed with no scripted revision pending) or the duration is over.
 */
public final class Simulation {
  /** The instant simulated time zero maps to. */
  public static final Instant DEFAULT_START = Instant.parse("2024-01-01T00:00:00Z");
  private static final String SIMULATED_PREFIX = "simulated:";

  private final Canary canary;
  private final Map<String, MetricResultTrace> metrics = new HashMap<>();
  private final Map<String, HookTrace> hooks = new HashMap<>();
  private final List<SimulatedWorkload.RevisionChange> revisions = new ArrayList<>();
  private ReadinessTrace canaryReadiness = t -> Readiness.READY;
  private ReadinessTrace primaryReadiness = t -> Readiness.READY;
  private ReadinessTrace primaryAfterPromotion;
  private String initialRevision = "rev-1";
  private String routerKind = "istio";
  private RouterCapabilities routerCapabilities = new RouterCapabilities(true, true, true, true, true);
  private TrafficRouter validatingRouter;
  private CanaryStatus initialStatus = CanaryStatus.initial();
  private Instant start = DEFAULT_START;
  private Faults faults = Faults.NONE;
  private AnalysisObserver observer = AnalysisObserver.none();
  private TrafficTrace traffic;
  private long trafficSeed;
  private int autoscalerPods;
  private int autoscalerMax;
  private Duration autoscalerWarmUp;
  private static final Duration RESTART_DELAY = Duration.ofSeconds(10);

  private Simulation(Canary canary) {
    this.canary = Objects.requireNonNull(canary, "canary");
  }

  public static Simulation of(Canary canary) {
    return new Simulation(canary);
  }

  /** Scripts metric {@code name} (the metric check's name) as a number; NaN means no data. */
  public Simulation metric(String name, MetricTrace trace) {
    Objects.requireNonNull(trace, "trace");
    metrics.put(name, (t, weight) -> {
      double value = trace.value(t, weight);
      return Double.isNaN(value) ? MetricResult.noData("NaN") : MetricResult.value(value);
    });
    return this;
  }

  /** Scripts metric {@code name} as full results, to simulate no data or failed queries. */
  public Simulation metricResult(String name, MetricResultTrace trace) {
    metrics.put(name, Objects.requireNonNull(trace, "trace"));
    return this;
  }

  /**
   * Scripts the service's traffic: Poisson requests split by the canary's current weight, failing
   * at each side's error rate, counted over the analysis interval before each tick. It answers the
   * builtin {@code request-success-rate} (unless that metric is scripted) and a judge's builtin
   * counts; with scripted latency also the builtin {@code request-duration} (the canary's P99 from
   * its histogram) and a latency judge's builtin histograms. {@code seed} picks the random stream; runs with the same seed see the same requests in
   * the same window at the same weight, so configurations can be compared on the same traces.
   */
  public Simulation traffic(TrafficTrace trace, long seed) {
    this.traffic = Objects.requireNonNull(trace, "trace");
    this.trafficSeed = seed;
    return this;
  }

  /** Scripts the answers of the webhook named {@code name}. */
  public Simulation hook(String name, HookTrace trace) {
    hooks.put(name, Objects.requireNonNull(trace, "trace"));
    return this;
  }

  /** The webhook named {@code name} refuses (403) before {@code opensAt} and passes (200) from then on. */
  public Simulation hookOpenFrom(String name, Duration opensAt) {
    return hook(name, t -> t.compareTo(opensAt) < 0
        ? WebhookResult.status(403, "Forbidden") : WebhookResult.status(200));
  }

  /** Canary (target) readiness over time; default always ready. */
  public Simulation canaryReadiness(ReadinessTrace trace) {
    this.canaryReadiness = Objects.requireNonNull(trace, "trace");
    return this;
  }

  /** Primary readiness over time; default always ready. */
  public Simulation primaryReadiness(ReadinessTrace trace) {
    this.primaryReadiness = Objects.requireNonNull(trace, "trace");
    return this;
  }

  /** Primary readiness as a function of the time since the last promotion copied the canary to it. */
  public Simulation primaryReadinessAfterPromotion(ReadinessTrace trace) {
    this.primaryAfterPromotion = Objects.requireNonNull(trace, "trace");
    return this;
  }

  /** The next revision ({@code rev-2}, then {@code rev-3}, ...) appears at {@code at}. */
  public Simulation newRevisionAt(Duration at) {
    return revisionAt(at, "rev-" + (revisions.size() + 2));
  }

  /** The target's revision becomes {@code revision} at {@code at} (use the initial one to simulate a manual revert). */
  public Simulation revisionAt(Duration at, String revision) {
    revisions.add(new SimulatedWorkload.RevisionChange(Objects.requireNonNull(at, "at"),
        Objects.requireNonNull(revision, "revision")));
    return this;
  }

  /** The revision the canary is initialized with; default {@code rev-1}. */
  public Simulation initialRevision(String revision) {
    this.initialRevision = Objects.requireNonNull(revision, "revision");
    return this;
  }

  /** The simulated router; default an Istio-like router that can do everything. */
  public Simulation router(String kind, RouterCapabilities capabilities) {
    this.routerKind = Objects.requireNonNull(kind, "kind");
    this.routerCapabilities = Objects.requireNonNull(capabilities, "capabilities");
    this.validatingRouter = null;
    return this;
  }

  /**
   * Simulates router {@code kind} and validates the canary with {@code router}, a real router of
   * that kind, exactly as a cluster would: its capabilities and its own
   * {@link TrafficRouter#validate} checks. Routes stay simulated in memory; the router is never
   * asked to read or change anything, so one built on a client that reaches no cluster will do.
   */
  public Simulation validateWith(String kind, TrafficRouter router) {
    this.routerKind = Objects.requireNonNull(kind, "kind");
    this.validatingRouter = Objects.requireNonNull(router, "router");
    this.routerCapabilities = router.capabilities();
    return this;
  }

  /** Starts the run from a persisted status (a stored Canary's {@code status}); default {@link CanaryStatus#initial()}. */
  public Simulation startingFrom(CanaryStatus status) {
    this.initialStatus = Objects.requireNonNull(status, "status");
    return this;
  }

  /** The instant simulated time zero maps to; default {@link #DEFAULT_START}. */
  public Simulation startingAt(Instant start) {
    this.start = Objects.requireNonNull(start, "start");
    return this;
  }

  /** Watches the simulated engine (for example Flagger's meters); default none. */
  public Simulation observer(AnalysisObserver observer) {
    this.observer = Objects.requireNonNull(observer, "observer");
    return this;
  }

  /**
   * Gives the primary and the canary autoscalers, as with {@code autoscalerRef}: the whole traffic
   * needs {@code replicas} pods, each side runs the replicas of its share (the primary at most
   * {@code maxReplicas}), so the primary shrinks while the canary takes traffic; added replicas are
   * ready {@code warmUp} after they were asked for. The engine then raises the primary's floor and
   * waits before moving traffic back to it, and the safety checks report any move that gives the
   * primary more traffic than its ready replicas carry before the wait's bound (the progress
   * deadline). Default: no autoscaler (the primary keeps its replicas; nothing waits).
   */
  public Simulation primaryAutoscaler(int replicas, int maxReplicas, Duration warmUp) {
    if (replicas < 1 || maxReplicas < 1) {
      throw new IllegalArgumentException("replicas and maxReplicas must be at least 1");
    }
    this.autoscalerPods = replicas;
    this.autoscalerMax = maxReplicas;
    this.autoscalerWarmUp = Objects.requireNonNull(warmUp, "warmUp");
    return this;
  }

  /** Injects faults around every side effect (the crash-consistency tests). */
  Simulation faults(Faults faults) {
    this.faults = Objects.requireNonNull(faults, "faults");
    return this;
  }

  /** Runs until the rollout settles or {@code duration} of simulated time has passed. */
  public SimulationResult run(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    List<SimulatedWorkload.RevisionChange> schedule = new ArrayList<>(revisions);
    schedule.sort(Comparator.comparing(SimulatedWorkload.RevisionChange::at));
    SimulationClock clock = new SimulationClock(start);
    SafetyChecks safety = new SafetyChecks(canary.spec().analysis() != null
        && !canary.spec().analysis().metrics().isEmpty());
    SimulatedWorkload workload = new SimulatedWorkload(initialRevision, schedule, canaryReadiness,
        primaryReadiness, primaryAfterPromotion, clock);
    SimulatedRouter router = new SimulatedRouter(routerKind, routerCapabilities, validatingRouter,
        faults, safety, workload::canaryScaledUp);
    SimulatedStatusStore store = new SimulatedStatusStore(initialStatus, faults);
    workload.watch(faults, safety, store, router);
    if (autoscalerWarmUp != null) {
      int deadline = canary.spec().progressDeadlineSeconds() > 0 ? canary.spec().progressDeadlineSeconds()
          : io.canaryanalysis.api.spec.CanarySpec.DEFAULT_PROGRESS_DEADLINE_SECONDS;
      SimulatedAutoscaler autoscaler = new SimulatedAutoscaler(autoscalerPods, autoscalerMax,
          autoscalerWarmUp, Duration.ofSeconds(deadline));
      workload.autoscaler(autoscaler, start);
      router.watchCapacity(autoscaler, clock);
    }
    List<HookCall> hookCalls = new ArrayList<>();
    Map<String, String> metricByQuery = metricsByQuery();
    MetricProvider provider = metricProvider(clock, router, metricByQuery, safety);
    AnalysisEngine engine = AnalysisEngine.builder()
        .router(router)
        .workload(workload)
        .statusStore(store)
        .webhookCaller(webhookCaller(clock, hookCalls))
        .metrics(new MetricBackend(provider,
            (name, kind) -> Optional.of(SIMULATED_PREFIX + "builtin/" + name),
            (templateProvider, namespace) -> provider))
        .metricTemplateSource((namespace, name) -> Optional.of(new MetricTemplate(name, namespace,
            MetricTemplateProvider.prometheus("http://simulated"),
            SIMULATED_PREFIX + "template/" + namespace + "/" + name)))
        .clock(clock)
        .observer(observer)
        .build();

    Duration revisionAt = schedule.isEmpty() ? null : schedule.get(schedule.size() - 1).at();
    List<TickRecord> timeline = new ArrayList<>();
    CanaryStatus status = store.status();
    Duration finishedAt = null;
    while (clock.elapsed().compareTo(duration) <= 0) {
      hookCalls.clear();
      Duration next;
      List<io.canaryanalysis.api.CanaryEvent> events = List.of();
      List<io.canaryanalysis.api.CanaryAlert> alerts = List.of();
      try {
        // Every tick starts from the persisted status, as a restarted host would.
        TickReport report = engine.reconcile(canary.withResourceVersion(store.version()), store.status());
        next = report.nextTickIn();
        events = report.events();
        alerts = report.alerts();
      } catch (Faults.Crash crash) {
        next = RESTART_DELAY;
      }
      status = store.status();
      if (status.phase() != CanaryPhase.INITIALIZING) {
        workload.markInitialized();
      }
      timeline.add(new TickRecord(clock.elapsed(), status.phase(), router.split().primaryWeight(),
          router.split().canaryWeight(), router.split().mirrored(), status.failedChecks(),
          status.iterations(), events, alerts, List.copyOf(hookCalls), status));
      if (settled(status, workload, router, schedule, clock.elapsed())) {
        finishedAt = clock.elapsed();
        break;
      }
      clock.advance(next.isZero() || next.isNegative() ? RESTART_DELAY : next);
    }
    SimulationResult.Outcome outcome = new SimulationResult.Outcome(status.phase(),
        finishedAt != null, finishedAt, revisionAt, status.lastFailure(), status.failedChecks());
    return new SimulationResult(timeline, outcome, workload.primaryRevision(), safety.violations(),
        store.writes());
  }

  private static boolean settled(CanaryStatus status, SimulatedWorkload workload, SimulatedRouter router,
      List<SimulatedWorkload.RevisionChange> schedule, Duration now) {
    CanaryPhase phase = status.phase();
    if (status.pendingPostRollout() != null || status.capacityWait() != null) {
      return false;
    }
    if (workload.autoscaler() != null && workload.autoscaler().raised()) {
      return false; // a raised floor is still to be restored
    }
    // The world must match the stored intent too: a rollback whose route write failed is repaired
    // by the next tick, so the run has not ended yet.
    TrafficSplit intended = new TrafficSplit(100 - status.canaryWeight(), status.canaryWeight(), status.mirrored());
    if (!router.split().equals(intended) || workload.canaryScaledUp() != (status.canaryWeight() > 0)) {
      return false;
    }
    if (phase != CanaryPhase.SUCCEEDED && phase != CanaryPhase.FAILED
        && phase != CanaryPhase.INITIALIZED) {
      return false;
    }
    for (SimulatedWorkload.RevisionChange change : schedule) {
      if (change.at().compareTo(now) > 0) {
        return false;
      }
    }
    String revision = workload.revision();
    return revision.equals(status.lastAppliedSpec()) || revision.equals(status.lastPromotedSpec());
  }

  /** Maps the query text the engine will run back to the metric check it belongs to. */
  private Map<String, String> metricsByQuery() {
    Map<String, String> byQuery = new HashMap<>();
    if (canary.spec().analysis() == null) {
      return byQuery;
    }
    for (MetricCheck check : canary.spec().analysis().metrics()) {
      String query;
      if (check.templateRef() != null) {
        String namespace = check.templateRef().namespace() == null
            ? canary.namespace() : check.templateRef().namespace();
        query = SIMULATED_PREFIX + "template/" + namespace + "/" + check.templateRef().name();
      } else if (check.query() != null) {
        try {
          query = QueryTemplates.render(check.query(), canary, check);
        } catch (IllegalArgumentException e) {
          continue;
        }
      } else {
        query = SIMULATED_PREFIX + "builtin/" + check.name();
      }
      byQuery.putIfAbsent(query, check.name());
    }
    return byQuery;
  }

  private MetricProvider metricProvider(SimulationClock clock, SimulatedRouter router,
      Map<String, String> metricByQuery, SafetyChecks safety) {
    Duration window = canary.spec().analysis() == null ? Analysis.DEFAULT_INTERVAL
        : canary.spec().analysis().interval();
    TrafficCounts counts = traffic == null ? null : new TrafficCounts(traffic, trafficSeed, window);
    String builtinPrefix = SIMULATED_PREFIX + "builtin/";
    return new MetricProvider() {
      @Override
      public MetricResult query(MetricQuery query) {
        safety.queried();
        String name = metricByQuery.get(query.query());
        MetricResultTrace trace = name == null ? null : metrics.get(name);
        if (trace == null && counts != null && query.query().startsWith(builtinPrefix)
            && TrafficCounts.answers(query.query().substring(builtinPrefix.length()))) {
          return counts.result(query.query().substring(builtinPrefix.length()), clock.elapsed(),
              router.split().canaryWeight());
        }
        if (trace == null) {
          return MetricResult.noData("no simulated values for metric "
              + (name == null ? query.query() : name));
        }
        return trace.result(clock.elapsed(), router.split().canaryWeight());
      }

      @Override
      public HistogramResult histogram(MetricQuery query) {
        safety.queried();
        String series = query.query().startsWith(builtinPrefix)
            ? query.query().substring(builtinPrefix.length()) : null;
        if (counts != null && series != null && TrafficCounts.answersHistogram(series)) {
          return counts.histogram(series, clock.elapsed(), router.split().canaryWeight());
        }
        return new HistogramResult.NoData("no simulated histogram for " + query.query());
      }

      @Override
      public boolean isOnline() {
        return true;
      }
    };
  }

  private WebhookCaller webhookCaller(SimulationClock clock, List<HookCall> calls) {
    return (Webhook hook, WebhookPayload payload) -> {
      calls.add(new HookCall(hook.name(), hook.type(), payload));
      HookTrace trace = hooks.get(hook.name());
      if (trace == null) {
        return hook.type() == WebhookType.ROLLBACK
            ? WebhookResult.status(403, "Forbidden") : WebhookResult.status(200);
      }
      return trace.answer(clock.elapsed());
    };
  }
}
