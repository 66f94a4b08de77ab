package io.canaryanalysis.core;

import io.canaryanalysis.api.CanaryAlert;
import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.EventSink;
import io.canaryanalysis.api.EventType;
import io.canaryanalysis.api.WebhookCaller;
import io.canaryanalysis.api.WebhookPayload;
import io.canaryanalysis.api.WebhookResult;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.Webhook;
import io.canaryanalysis.api.spec.WebhookType;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shell's outgoing calls of one tick that do not change the world: events (to the sink and
 * the {@code event} webhooks), alerts, and webhook calls with Flagger's payload plus the
 * de-duplication keys. Never throws: a failed call is a failed {@link WebhookResult}.
 */
final class Notifications {
  private static final Logger LOG = LoggerFactory.getLogger(Notifications.class);
  /** Metadata keys every webhook payload carries for de-duplication. */
  static final String REVISION_KEY = "canaryRevision";
  static final String DECISION_KEY = "canaryDecision";

  private final AnalysisEngine engine;
  private final Canary canary;
  private final Instant now;
  private final EventSink eventSink;
  private final WebhookCaller webhookCaller;
  private final List<CanaryEvent> events = new ArrayList<>(4);
  private final List<CanaryAlert> alerts = new ArrayList<>(1);

  Notifications(AnalysisEngine engine, Canary canary, Instant now) {
    this.engine = engine;
    this.canary = canary;
    this.now = now;
    this.eventSink = engine.eventSink;
    this.webhookCaller = engine.webhookCaller;
  }

  List<CanaryEvent> events() {
    return events;
  }

  List<CanaryAlert> alerts() {
    return alerts;
  }

  /** Records an event and delivers it to the sink and the {@code event} webhooks. */
  void emit(EventType type, String message, CanaryPhase phase, CanaryStatus status) {
    CanaryEvent event = new CanaryEvent(canary.name(), canary.namespace(), type,
        CanaryEvent.REASON_SYNCED, message, now);
    events.add(event);
    eventSink.event(event);
    for (Webhook hook : hooks(WebhookType.EVENT)) {
      Map<String, String> metadata = new HashMap<>(hook.metadata());
      metadata.put("eventMessage", message);
      metadata.put("eventType", type.value());
      metadata.put("timestamp", Long.toString(now.toEpochMilli()));
      WebhookResult result = call(hook, phase, metadata, status, status.decision());
      if (!result.passed()) {
        LOG.warn("canary {}: event webhook {} failed: {}", canary.key(), hook.name(), result.detail());
      }
    }
  }

  void alert(Action.SendAlert alert) {
    CanaryAlert sent = new CanaryAlert(canary.name(), canary.namespace(), alert.severity(),
        alert.message(), alert.fields(), alert.providers(), now);
    alerts.add(sent);
    eventSink.alert(sent);
  }

  /** Calls the post-rollout hooks for {@code status.pendingPostRollout()} and reports each as an event. */
  void postRolloutHooks(CanaryStatus status) {
    CanaryPhase phase = status.pendingPostRollout();
    for (Webhook hook : hooks(WebhookType.POST_ROLLOUT)) {
      WebhookResult result = call(hook, phase, hook.metadata(), status, status.decision());
      if (result.passed()) {
        emit(EventType.NORMAL, "Post-rollout check " + hook.name() + " passed", phase, status);
      } else {
        emit(EventType.WARNING, "Post-rollout hook " + hook.name() + " failed " + result.detail(), phase, status);
      }
    }
  }

  /** Calls {@code hook} for decision number {@code decision} of the run in {@code status}. */
  WebhookResult call(Webhook hook, CanaryPhase phase, Map<String, String> metadata, CanaryStatus status,
      int decision) {
    Map<String, String> withKeys = new LinkedHashMap<>(metadata);
    withKeys.putIfAbsent(REVISION_KEY, String.valueOf(status.lastAppliedSpec()));
    withKeys.putIfAbsent(DECISION_KEY, Integer.toString(decision));
    WebhookPayload payload = new WebhookPayload(canary.name(), canary.namespace(), phase.flaggerName(),
        engine.checksums.get(new AnalysisEngine.ChecksumKey(status.lastAppliedSpec(), status.trackedConfigs()),
            key -> checksum(status)), withKeys);
    Instant start = engine.clock.instant();
    try {
      WebhookResult result = webhookCaller.call(hook, payload);
      result = result == null ? WebhookResult.transportFailure("no result") : result;
      engine.observer.providerCalled("webhook", engine.elapsedSince(start), !result.passed());
      return result;
    } catch (RuntimeException e) {
      engine.observer.providerCalled("webhook", engine.elapsedSince(start), true);
      String cause = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      LOG.warn("canary {}: webhook {} call failed: {}", canary.key(), hook.name(), cause);
      return WebhookResult.transportFailure(cause);
    }
  }

  private List<Webhook> hooks(WebhookType type) {
    Analysis analysis = canary.spec().analysis();
    return analysis == null ? List.of() : analysis.webhooks(type);
  }

  /** A hash of the analysed revision and its tracked configs, sent as the webhook checksum. */
  static String checksum(CanaryStatus status) {
    StringBuilder text = new StringBuilder(String.valueOf(status.lastAppliedSpec())).append('\0');
    for (Map.Entry<String, String> e : new TreeMap<>(status.trackedConfigs()).entrySet()) {
      text.append(e.getKey()).append('=').append(e.getValue()).append('\0');
    }
    return Sha256.hex(text.toString()).substring(0, 16);
  }
}
