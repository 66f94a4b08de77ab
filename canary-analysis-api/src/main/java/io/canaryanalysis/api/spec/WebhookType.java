package io.canaryanalysis.api.spec;

import java.util.Optional;

/** When a webhook runs and what its answer means (Flagger's webhook types). */
public enum WebhookType {
  /** Gate before a new revision is scaled up; closed means phase {@code Waiting}. */
  CONFIRM_ROLLOUT("confirm-rollout"),
  /** Runs once per run before traffic is shifted; a failure counts as a failed check. */
  PRE_ROLLOUT("pre-rollout"),
  /** Runs every analysed tick before the metrics; a failure counts as a failed check ({@code type: ""}). */
  ROLLOUT("rollout"),
  /** Gate before each weight increase (canary strategy). */
  CONFIRM_TRAFFIC_INCREASE("confirm-traffic-increase"),
  /** Gate at the promotion point; closed means phase {@code WaitingPromotion}. */
  CONFIRM_PROMOTION("confirm-promotion"),
  /** Runs after the run ends (Succeeded or Failed); failures are only reported. */
  POST_ROLLOUT("post-rollout"),
  /** Polled during the analysis; a 2xx answer rolls the canary back. */
  ROLLBACK("rollback"),
  /** Receives every event the analysis records. */
  EVENT("event");

  private final String manifestValue;

  WebhookType(String manifestValue) {
    this.manifestValue = manifestValue;
  }

  /** The value written in a manifest, for example {@code confirm-rollout}. */
  public String manifestValue() {
    return manifestValue;
  }

  /** Parses a manifest value; an empty or null value means {@link #ROLLOUT}, as in Flagger. */
  public static Optional<WebhookType> fromManifest(String value) {
    if (value == null || value.isEmpty()) {
      return Optional.of(ROLLOUT);
    }
    for (WebhookType type : values()) {
      if (type.manifestValue.equals(value)) {
        return Optional.of(type);
      }
    }
    return Optional.empty();
  }
}
