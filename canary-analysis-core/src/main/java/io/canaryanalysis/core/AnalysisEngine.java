package io.canaryanalysis.core;

import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import io.canaryanalysis.api.AlertSeverity;
import io.canaryanalysis.api.BuiltinMetricQueries;
import io.canaryanalysis.api.CanaryAlert;
import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.EventSink;
import io.canaryanalysis.api.EventType;
import io.canaryanalysis.api.MetricProvider;
import io.canaryanalysis.api.MetricProviderFactory;
import io.canaryanalysis.api.MetricQuery;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.MetricTemplateSource;
import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.Readiness;
import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.WebhookCaller;
import io.canaryanalysis.api.WebhookPayload;
import io.canaryanalysis.api.WebhookResult;
import io.canaryanalysis.api.Workload;
import io.canaryanalysis.api.WorkloadSnapshot;
import io.canaryanalysis.core.validation.CanaryValidator;
import io.canaryanalysis.api.spec.AlertRef;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.MetricTemplate;
import io.canaryanalysis.api.spec.ProviderRef;
import io.canaryanalysis.api.spec.Webhook;
import io.canaryanalysis.api.spec.WebhookType;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import java.nio.charset.StandardCharsets;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs Flagger's canary analysis one tick at a time: observes the workload and the router,
 * lets the pure state machine decide, and performs its actions through the provider SPIs.
 *
 * <p>Thin and thread-free: the host calls {@link #reconcile} for a canary (from its own loop or
 * worker pool), persists the returned status and calls again after
 * {@link TickReport#nextTickIn()}. Provider faults never promote: a failed check counts as failed,
 * a failed router or workload call is reported as a Warning event and the previous status is kept.
 */
public final class AnalysisEngine {
  private static final Logger LOG = LoggerFactory.getLogger(AnalysisEngine.class);

  private final Map<String, TrafficRouter> routers;
  private final String defaultRouterKind;
  private final Workload workload;
  private final WebhookCaller webhookCaller;
  private final EventSink eventSink;
  private final MetricProvider metricProvider;
  private final MetricProviderFactory metricProviderFactory;
  private final MetricTemplateSource metricTemplateSource;
  private final BuiltinMetricQueries builtinMetricQueries;
  private final InstantSource clock;
  // Memos of pure functions, so a steady tick does not repeat work: the canary object last
  // validated per canary (compared by identity), parsed query templates, and webhook checksums.
  // Each is cleared when it grows past its bound; a miss only recomputes.
  private final Map<String, Canary> validatedCanaries = new ConcurrentHashMap<>();
  private final Map<String, QueryTemplates.Compiled> compiledTemplates = new ConcurrentHashMap<>();
  private final Map<List<Object>, String> checksums = new ConcurrentHashMap<>();
  private final Map<String, RenderedQuery> renderedQueries = new ConcurrentHashMap<>();
  private static final int MEMO_BOUND = 16_384;

  private AnalysisEngine(Builder b) {
    this.routers = Map.copyOf(b.routers);
    this.defaultRouterKind = b.defaultRouterKind;
    this.workload = b.workload;
    this.webhookCaller = b.webhookCaller;
    this.eventSink = b.eventSink;
    this.metricProvider = b.metricProvider;
    this.metricProviderFactory = b.metricProviderFactory;
    this.metricTemplateSource = b.metricTemplateSource;
    this.builtinMetricQueries = b.builtinMetricQueries;
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
   * Runs one tick for {@code canary} whose stored status is {@code status}. Does nothing when the
   * previous tick was less than one analysis interval ago (the report says how long to wait).
   */
  public TickReport reconcile(Canary canary, CanaryStatus status) {
    Objects.requireNonNull(canary, "canary");
    Objects.requireNonNull(status, "status");
    Instant now = clock.instant();
    Duration remaining = CanaryStateMachine.remainingDelay(canary.spec(), status, now);
    if (!remaining.isZero()) {
      return new TickReport(status, List.of(), List.of(), remaining, false);
    }
    Duration interval = CanaryStateMachine.interval(canary.spec());
    TickRun run = new TickRun(canary, status, now);
    String routerKind = routerKindOf(canary);
    if (canary.spec().suspend()) {
      TickResult result = CanaryStateMachine.tick(
          new TickInput(canary, status, now, null, routerKind, null), run);
      return run.perform(result, null);
    }
    TrafficRouter router = registeredRouter(routerKind, run, status.phase());
    if (router == null) {
      return run.report(status, interval, false);
    }
    run.router = router;
    // Validate as if the spec named the router it gets, so provider-specific checks and messages apply.
    Canary resolved = canary.spec().provider() != null ? canary
        : canary.withSpec(canary.spec().toBuilder().provider(routerKind).build());
    List<SpecProblem> problems = validatedCanaries.get(canary.key()) == canary
        ? List.of() : CanaryValidator.validate(resolved, router);
    if (problems.isEmpty()) {
      remember(validatedCanaries, canary.key(), canary);
    } else {
      // Nothing is initialized, shifted or promoted on a spec the router or the checks reject.
      run.emit(EventType.WARNING, "Invalid canary " + canary.key() + " spec: "
          + problems.stream().map(SpecProblem::toString).collect(Collectors.joining("; ")),
          status.phase());
      return run.report(status, interval, false);
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
      return run.providerFailure(step, e, interval);
    }
    if (status.phase() == CanaryPhase.INITIALIZING) {
      run.checkMetricProviders();
    }
    TickResult result;
    try {
      result = CanaryStateMachine.tick(new TickInput(canary, status, now, snapshot, routerKind,
          router.capabilities()), run);
    } catch (ProviderException e) {
      return run.providerFailure("reading the " + routerKind + " routes", e, interval);
    }
    return run.perform(result, router);
  }

  /**
   * Reverts a canary that is being deleted with {@code revertOnDeletion}, as Flagger's finalizer
   * does: the target is scaled back up; once it is ready the workload points the apex Service at
   * it ({@link Workload#revert}) and the router hands all traffic to the primary routes or restores
   * the user's objects ({@link TrafficRouter#finalizeRoutes}). Call it on every reconcile of the
   * deleted canary until the returned phase is {@code Terminated}; then remove the finalizer. A
   * target that never becomes ready keeps the canary {@code Terminating}, so nothing is handed to
   * pods that cannot serve.
   */
  public TickReport terminate(Canary canary, CanaryStatus status) {
    Objects.requireNonNull(canary, "canary");
    Objects.requireNonNull(status, "status");
    Instant now = clock.instant();
    Duration retryIn = CanaryStateMachine.interval(canary.spec());
    TickRun run = new TickRun(canary, status, now);
    if (status.phase() == CanaryPhase.TERMINATED) {
      return run.report(status, retryIn, false);
    }
    String kind = canary.spec().targetRef().kind() == null ? "Deployment" : canary.spec().targetRef().kind();
    CanaryStatus terminating = status;
    if (status.phase() != CanaryPhase.TERMINATING) {
      PhaseTransitions.check(status.phase(), CanaryPhase.TERMINATING);
      run.emit(EventType.NORMAL, "Terminating canary " + canary.key(), CanaryPhase.TERMINATING);
      terminating = status.toBuilder().phase(CanaryPhase.TERMINATING).lastTransitionTime(now)
          .conditions(PromotedCondition.update(status.conditions(), CanaryPhase.TERMINATING, kind, now))
          .build();
    }
    String routerKind = routerKindOf(canary);
    TrafficRouter router = registeredRouter(routerKind, run, CanaryPhase.TERMINATING);
    if (router == null) {
      return run.report(terminating, retryIn, false);
    }
    String step = "scaling up " + canary.spec().targetRef().name();
    try {
      workload.scaleUp(canary);
      step = "observing the workload";
      Readiness target = workload.observe(canary).canary();
      if (!target.isReady()) {
        run.emit(EventType.WARNING, target.message().isEmpty()
            ? "canary deployment " + canary.spec().targetRef().name() + "." + canary.namespace() + " not ready"
            : target.message(), CanaryPhase.TERMINATING);
        return run.report(terminating, retryIn, false);
      }
      step = "reverting the workload";
      workload.revert(canary);
      step = "finalizing the " + routerKind + " routes";
      router.finalizeRoutes(canary);
    } catch (RuntimeException e) {
      TickReport failed = run.providerFailure(step, e, retryIn);
      return new TickReport(terminating, failed.events(), failed.alerts(), retryIn, false);
    }
    run.emit(EventType.NORMAL, "Terminated canary " + canary.key(), CanaryPhase.TERMINATED);
    CanaryStatus terminated = terminating.toBuilder().phase(CanaryPhase.TERMINATED).lastTransitionTime(now)
        .conditions(PromotedCondition.update(terminating.conditions(), CanaryPhase.TERMINATED, kind, now))
        .build();
    return run.report(terminated, retryIn, false);
  }

  /** {@code spec.provider}, or the default router kind when the spec names none. */
  private String routerKindOf(Canary canary) {
    return canary.spec().provider() == null ? defaultRouterKind : canary.spec().provider();
  }

  /** The router registered for {@code kind}, or null after a Warning event naming what is registered. */
  private TrafficRouter registeredRouter(String kind, TickRun run, CanaryPhase phase) {
    TrafficRouter router = routers.get(kind);
    if (router == null) {
      run.emit(EventType.WARNING, "No traffic router registered for provider " + kind
          + " (registered: " + new TreeMap<>(routers).keySet() + ")", phase);
    }
    return router;
  }

  private static <K, V> void remember(Map<K, V> memo, K key, V value) {
    if (memo.size() >= MEMO_BOUND) {
      memo.clear();
    }
    memo.put(key, value);
  }

  /** A query rendered for one canary object and check, reused while neither changes. */
  private record RenderedQuery(Canary canary, MetricCheck check, String template, String query) {}

  /** A stable hash of the analysed revision and its tracked configs, sent as the webhook checksum. */
  static String checksum(CanaryStatus status) {
    Hasher hasher = Hashing.sha256().newHasher();
    hasher.putString(String.valueOf(status.lastAppliedSpec()), StandardCharsets.UTF_8).putByte((byte) 0);
    for (Map.Entry<String, String> e : new TreeMap<>(status.trackedConfigs()).entrySet()) {
      hasher.putString(e.getKey(), StandardCharsets.UTF_8).putByte((byte) '=')
          .putString(e.getValue(), StandardCharsets.UTF_8).putByte((byte) 0);
    }
    return hasher.hash().toString().substring(0, 16);
  }

  /** One reconcile call: implements the checks for the machine and performs its actions. */
  private final class TickRun implements TickChecks {
    private final Canary canary;
    private final CanaryStatus previous;
    private final Instant now;
    private final List<CanaryEvent> events = new ArrayList<>(4);
    private final List<CanaryAlert> alerts = new ArrayList<>(1);
    private TrafficRouter router;
    private String checksum;

    TickRun(Canary canary, CanaryStatus previous, Instant now) {
      this.canary = canary;
      this.previous = previous;
      this.now = now;
    }

    TickReport perform(TickResult result, TrafficRouter router) {
      CanaryPhase phase = result.status().phase();
      for (Action action : result.actions()) {
        try {
          execute(action, phase, router);
        } catch (RuntimeException e) {
          Duration retry = CanaryStateMachine.interval(canary.spec());
          return providerFailure(describe(action), e, retry);
        }
      }
      if (LOG.isDebugEnabled() && result.analysed()) {
        LOG.debug("canary {} tick: {} -> {} weight {} failedChecks {}", canary.key(),
            previous.phase().flaggerName(), phase.flaggerName(), result.status().canaryWeight(),
            result.status().failedChecks());
      }
      return report(result.status(), result.nextTickIn(), result.analysed());
    }

    private void execute(Action action, CanaryPhase phase, TrafficRouter router) {
      if (action instanceof Action.RecordEvent) {
        Action.RecordEvent event = (Action.RecordEvent) action;
        emit(event.type(), event.message(), phase);
      } else if (action instanceof Action.SetRoutes) {
        router.setRoutes(canary, ((Action.SetRoutes) action).split());
      } else if (action instanceof Action.ScaleUp) {
        workload.scaleUp(canary);
      } else if (action instanceof Action.ScaleToZero) {
        workload.scaleToZero(canary);
      } else if (action instanceof Action.Promote) {
        workload.promote(canary);
      } else if (action instanceof Action.SendAlert) {
        Action.SendAlert alert = (Action.SendAlert) action;
        alert(alert.severity(), alert.message());
      } else if (action instanceof Action.RunPostRolloutHooks) {
        postRollout(((Action.RunPostRolloutHooks) action).phase());
      }
    }

    private String describe(Action action) {
      if (action instanceof Action.SetRoutes) {
        TrafficSplit split = ((Action.SetRoutes) action).split();
        return "setting routes primary=" + split.primaryWeight() + " canary=" + split.canaryWeight()
            + (split.mirrored() ? " mirrored" : "");
      } else if (action instanceof Action.ScaleUp) {
        return "scaling up " + canary.spec().targetRef().name();
      } else if (action instanceof Action.ScaleToZero) {
        return "scaling down " + canary.spec().targetRef().name();
      } else if (action instanceof Action.Promote) {
        return "promoting " + canary.spec().targetRef().name() + " to "
            + canary.spec().targetRef().name() + "-primary";
      }
      return action.getClass().getSimpleName();
    }

    TickReport providerFailure(String step, RuntimeException e, Duration retryIn) {
      String cause = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      LOG.warn("canary {}: {} failed: {}", canary.key(), step, cause);
      emit(EventType.WARNING, "Error " + step + " for " + canary.key() + ": " + cause,
          previous.phase());
      return report(previous, retryIn, false);
    }

    TickReport report(CanaryStatus status, Duration nextTickIn, boolean analysed) {
      return new TickReport(status, events, alerts, nextTickIn, analysed);
    }

    void emit(EventType type, String message, CanaryPhase phase) {
      CanaryEvent event = new CanaryEvent(canary.name(), canary.namespace(), type,
          CanaryEvent.REASON_SYNCED, message, now);
      events.add(event);
      eventSink.event(event);
      Analysis analysis = canary.spec().analysis();
      if (analysis == null) {
        return;
      }
      for (Webhook hook : analysis.webhooks()) {
        if (hook.type() != WebhookType.EVENT) {
          continue;
        }
        Map<String, String> metadata = new HashMap<>(hook.metadata());
        metadata.put("eventMessage", message);
        metadata.put("eventType", type.value());
        metadata.put("timestamp", Long.toString(now.toEpochMilli()));
        WebhookResult result = call(hook, payload(phase, metadata));
        if (!result.passed()) {
          LOG.warn("canary {}: event webhook {} failed: {}", canary.key(), hook.name(),
              result.detail());
        }
      }
    }

    private void alert(AlertSeverity severity, String message) {
      Analysis analysis = canary.spec().analysis();
      List<ProviderRef> providers = new ArrayList<>();
      if (analysis != null) {
        for (AlertRef ref : analysis.alerts()) {
          if (ref.accepts(severity)) {
            providers.add(ref.providerRef());
          }
        }
        if (!analysis.alerts().isEmpty() && providers.isEmpty()) {
          return;
        }
      }
      CanaryAlert alert = new CanaryAlert(canary.name(), canary.namespace(), severity, message,
          alertFields(), providers, now);
      alerts.add(alert);
      eventSink.alert(alert);
    }

    private Map<String, String> alertFields() {
      Map<String, String> fields = new LinkedHashMap<>();
      String kind = canary.spec().targetRef().kind() == null
          ? "Deployment" : canary.spec().targetRef().kind();
      fields.put("Target", kind + "/" + canary.spec().targetRef().name() + "." + canary.namespace());
      Analysis analysis = canary.spec().analysis();
      if (analysis != null) {
        fields.put("Failed checks threshold", Integer.toString(Math.max(1, analysis.threshold())));
        fields.put("Traffic routing", trafficRouting(analysis));
      }
      int deadline = canary.spec().progressDeadlineSeconds() > 0
          ? canary.spec().progressDeadlineSeconds() : 600;
      fields.put("Progress deadline", deadline + "s");
      return fields;
    }

    private String trafficRouting(Analysis analysis) {
      switch (analysis.strategy()) {
        case AB_TESTING:
          return "A/B Testing";
        case BLUE_GREEN:
          return "Blue/Green";
        default:
          if (analysis.stepWeight() <= 0 && !analysis.stepWeights().isEmpty()) {
            StringBuilder steps = new StringBuilder();
            for (int w : analysis.stepWeights()) {
              steps.append(steps.length() == 0 ? "" : ",").append(w);
            }
            return "Weight steps: " + steps + " max: " + analysis.effectiveMaxWeight();
          }
          return "Weight step: " + analysis.stepWeight() + " max: " + analysis.effectiveMaxWeight();
      }
    }

    private void postRollout(CanaryPhase phase) {
      for (Webhook hook : canary.spec().analysis() == null
          ? List.<Webhook>of() : canary.spec().analysis().webhooks(WebhookType.POST_ROLLOUT)) {
        WebhookResult result = callWebhook(hook, phase);
        if (result.passed()) {
          emit(EventType.NORMAL, "Post-rollout check " + hook.name() + " passed", phase);
        } else {
          emit(EventType.WARNING, "Post-rollout hook " + hook.name() + " failed " + result.detail(),
              phase);
        }
      }
    }

    private WebhookPayload payload(CanaryPhase phase, Map<String, String> metadata) {
      if (checksum == null) {
        List<Object> key = List.of(String.valueOf(previous.lastAppliedSpec()), previous.trackedConfigs());
        checksum = checksums.get(key);
        if (checksum == null) {
          checksum = checksum(previous);
          remember(checksums, key, checksum);
        }
      }
      return new WebhookPayload(canary.name(), canary.namespace(), phase.flaggerName(), checksum,
          metadata);
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
      WebhookResult result = call(hook, payload(payloadPhase, hook.metadata()));
      LOG.debug("canary {}: webhook {} ({}) passed={}", canary.key(), hook.name(),
          hook.type().manifestValue(), result.passed());
      return result;
    }

    @Override
    public TrafficSplit currentRoutes() {
      return router.getRoutes(canary);
    }

    @Override
    public MetricOutcome evaluate(MetricCheck check) {
      MetricOutcome outcome = check.templateRef() != null ? evaluateTemplate(check)
          : evaluateWithDefaultProvider(check);
      LOG.debug("canary {}: metric {} -> {}", canary.key(), check.name(), outcome);
      return outcome;
    }

    private MetricOutcome evaluateWithDefaultProvider(MetricCheck check) {
      String failedPrefix = check.query() != null
          ? "Prometheus query failed for " + check.name() + ": " : "Prometheus query failed: ";
      String template;
      if (check.query() != null) {
        template = check.query();
      } else if (check.isBuiltin()) {
        String routerKind = routerKindOf(canary);
        Optional<String> builtin = builtinMetricQueries.template(check.name(), routerKind);
        if (builtin.isEmpty()) {
          return new MetricOutcome.SetupError(failedPrefix + "no builtin query for "
              + check.name() + " with router " + routerKind);
        }
        template = builtin.get();
      } else {
        return new MetricOutcome.SetupError("Metric query failed for " + check.name()
            + ": no usable metrics template and query were configured");
      }
      if (metricProvider == null) {
        return new MetricOutcome.SetupError(failedPrefix + "no metric provider is configured");
      }
      String query;
      try {
        query = render(template, check);
      } catch (IllegalArgumentException e) {
        return new MetricOutcome.SetupError(failedPrefix + "query render error: " + e.getMessage());
      }
      return run(metricProvider, query, check);
    }

    /**
     * Flagger's start-up probe of the metric backends while a canary initializes: an event says
     * whether every provider the metrics use answers. It never blocks initialization.
     */
    void checkMetricProviders() {
      Analysis analysis = canary.spec().analysis();
      if (canary.spec().skipAnalysis() || analysis == null || analysis.metrics().isEmpty()) {
        return;
      }
      List<String> problems = new ArrayList<>();
      boolean defaultChecked = false;
      for (MetricCheck check : analysis.metrics()) {
        if (check.templateRef() == null) {
          if (!defaultChecked) {
            defaultChecked = true;
            if (metricProvider == null) {
              problems.add("no metric provider is configured for " + check.name());
            } else if (!isOnline(metricProvider)) {
              problems.add("the metrics server for " + check.name() + " is not answering");
            }
          }
          continue;
        }
        String namespace = templateNamespace(check);
        String templateKey = check.templateRef().name() + "." + namespace;
        try {
          Optional<MetricTemplate> template = metricTemplateSource == null || metricProviderFactory == null
              ? Optional.empty() : metricTemplateSource.find(namespace, check.templateRef().name());
          if (template.isEmpty()) {
            problems.add("metric template " + templateKey + " not found");
          } else if (!isOnline(metricProviderFactory.create(template.get().provider(), namespace))) {
            problems.add("the " + template.get().provider().type() + " provider of metric template "
                + templateKey + " is not answering");
          }
        } catch (RuntimeException e) {
          problems.add("metric template " + templateKey + ": " + e.getMessage());
        }
      }
      if (problems.isEmpty()) {
        emit(EventType.NORMAL, "all the metrics providers are available!", previous.phase());
      } else {
        emit(EventType.WARNING, "Error checking metric providers: " + String.join("; ", problems),
            previous.phase());
      }
    }

    private boolean isOnline(MetricProvider provider) {
      try {
        return provider.isOnline();
      } catch (RuntimeException e) {
        LOG.warn("canary {}: metric provider check failed: {}", canary.key(), e.getMessage());
        return false;
      }
    }

    private String render(String template, MetricCheck check) {
      // The same canary object, check and template always render the same query.
      String key = canary.key() + '\0' + check.name();
      RenderedQuery rendered = renderedQueries.get(key);
      if (rendered != null && rendered.canary() == canary && rendered.check() == check
          && rendered.template().equals(template)) {
        return rendered.query();
      }
      QueryTemplates.Compiled compiled = compiledTemplates.get(template);
      if (compiled == null) {
        compiled = QueryTemplates.compile(template);
        remember(compiledTemplates, template, compiled);
      }
      String query = compiled.render(QueryTemplates.placeholderValues(canary, check));
      remember(renderedQueries, key, new RenderedQuery(canary, check, template, query));
      return query;
    }

    /** The template's namespace: {@code templateRef.namespace}, or the canary's own. */
    private String templateNamespace(MetricCheck check) {
      return check.templateRef().namespace() == null ? canary.namespace() : check.templateRef().namespace();
    }

    private MetricOutcome evaluateTemplate(MetricCheck check) {
      String namespace = templateNamespace(check);
      String templateKey = check.templateRef().name() + "." + namespace;
      if (metricTemplateSource == null || metricProviderFactory == null) {
        return new MetricOutcome.SetupError("Metric template " + templateKey
            + " error: no metric template source and provider factory are configured");
      }
      Optional<MetricTemplate> template;
      try {
        template = metricTemplateSource.find(namespace, check.templateRef().name());
      } catch (RuntimeException e) {
        return new MetricOutcome.SetupError("Metric template " + templateKey + " error: "
            + e.getMessage());
      }
      if (template.isEmpty()) {
        return new MetricOutcome.SetupError("Metric template " + templateKey
            + " error: metric template not found");
      }
      MetricProvider provider;
      try {
        provider = metricProviderFactory.create(template.get().provider(), namespace);
      } catch (RuntimeException e) {
        return new MetricOutcome.SetupError("Metric template " + templateKey + " provider "
            + template.get().provider().type() + " error: " + e.getMessage());
      }
      String query;
      try {
        query = render(template.get().query(), check);
      } catch (IllegalArgumentException e) {
        return new MetricOutcome.SetupError("Metric template " + templateKey
            + " query render error: " + e.getMessage());
      }
      return run(provider, query, check);
    }

    private MetricOutcome run(MetricProvider provider, String query, MetricCheck check) {
      MetricResult result;
      try {
        result = provider.query(new MetricQuery(query, check.kind(), check.aggregation(), now));
      } catch (RuntimeException e) {
        String cause = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        LOG.warn("canary {}: metric {} query failed: {}", canary.key(), check.name(), cause);
        result = MetricResult.failed(cause);
      }
      if (result == null) {
        result = MetricResult.failed("the provider returned no result");
      }
      return new MetricOutcome.Measured(result);
    }
  }

  /** Builds an {@link AnalysisEngine}; routers and the workload are required. */
  public static final class Builder {
    private final Map<String, TrafficRouter> routers = new LinkedHashMap<>();
    private String defaultRouterKind;
    private Workload workload;
    private WebhookCaller webhookCaller =
        (hook, payload) -> WebhookResult.transportFailure("no WebhookCaller is configured");
    private EventSink eventSink = EventSink.discarding();
    private MetricProvider metricProvider;
    private MetricProviderFactory metricProviderFactory;
    private MetricTemplateSource metricTemplateSource;
    private BuiltinMetricQueries builtinMetricQueries = (name, kind) -> Optional.empty();
    private InstantSource clock = InstantSource.system();

    private Builder() {}

    /** Registers the router for {@code spec.provider: kind}; the first one is the default. */
    public Builder router(String kind, TrafficRouter router) {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(router, "router");
      routers.put(kind, router);
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

    /** Runs builtin and inline metric queries (Flagger's {@code -metrics-server}). */
    public Builder metricProvider(MetricProvider metricProvider) {
      this.metricProvider = Objects.requireNonNull(metricProvider, "metricProvider");
      return this;
    }

    /** Builds providers for MetricTemplates. */
    public Builder metricProviderFactory(MetricProviderFactory metricProviderFactory) {
      this.metricProviderFactory = Objects.requireNonNull(metricProviderFactory, "metricProviderFactory");
      return this;
    }

    /** Looks up MetricTemplates referenced by {@code templateRef}. */
    public Builder metricTemplateSource(MetricTemplateSource metricTemplateSource) {
      this.metricTemplateSource = Objects.requireNonNull(metricTemplateSource, "metricTemplateSource");
      return this;
    }

    /** The builtin metric queries per router kind. */
    public Builder builtinMetricQueries(BuiltinMetricQueries builtinMetricQueries) {
      this.builtinMetricQueries = Objects.requireNonNull(builtinMetricQueries, "builtinMetricQueries");
      return this;
    }

    /** The clock; default the system clock. A simulation passes a virtual one. */
    public Builder clock(InstantSource clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** @throws IllegalStateException when no router or no workload is registered */
    public AnalysisEngine build() {
      if (routers.isEmpty()) {
        throw new IllegalStateException("at least one traffic router is required: router(kind, router)");
      }
      if (workload == null) {
        throw new IllegalStateException("a workload is required: workload(workload)");
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
