package io.canaryanalysis.api;

import java.time.Instant;
import java.util.Objects;

/**
 * An event about a canary, with Flagger's text, for example {@code Advance podinfo.test canary
 * weight 5}. Reason is {@code Synced}, as Flagger's Kubernetes events.
 */
public record CanaryEvent(
    String canaryName,
    String namespace,
    EventType type,
    String reason,
    String message,
    Instant time) {

  public static final String REASON_SYNCED = "Synced";

  public CanaryEvent {
    Objects.requireNonNull(canaryName, "canaryName");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(type, "type");
    reason = reason == null ? REASON_SYNCED : reason;
    Objects.requireNonNull(message, "message");
  }
}
