package io.canaryanalysis.api.spec;

import io.canaryanalysis.api.Redaction;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * One entry of {@code analysis.webhooks}: an HTTP POST of the Flagger payload to {@code url};
 * status 200–202 passes, anything else (or a timeout) fails.
 *
 * @param timeout default 10 seconds, as in Flagger
 * @param retries extra attempts when a retry is safe (connection failures, 429, 503); validation
 *     allows at most 10
 * @param disableTLS skip certificate verification (Flagger's {@code disableTLS})
 * @param muteAlert do not send the gate's "waiting for approval" alert
 */
public record Webhook(
    String name,
    WebhookType type,
    String url,
    Duration timeout,
    int retries,
    boolean disableTLS,
    boolean muteAlert,
    Map<String, String> metadata) {

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  public Webhook {
    Objects.requireNonNull(name, "name");
    type = type == null ? WebhookType.ROLLOUT : type;
    timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
    metadata = Specs.map(metadata);
  }

  public static Webhook of(String name, WebhookType type, String url) {
    return new Webhook(name, type, url, null, 0, false, false, Map.of());
  }

  public Webhook withMetadata(Map<String, String> metadata) {
    return new Webhook(name, type, url, timeout, retries, disableTLS, muteAlert, metadata);
  }

  public Webhook withTimeout(Duration timeout) {
    return new Webhook(name, type, url, timeout, retries, disableTLS, muteAlert, metadata);
  }

  /**
   * Redacted: the URL's user info and query values are masked and metadata values (commands,
   * tokens) are left out, since any of them may carry credentials.
   */
  @Override
  public String toString() {
    return "Webhook[name=" + name + ", type=" + type.manifestValue() + ", url="
        + Redaction.redact(url) + ", timeout=" + timeout + ", retries=" + retries + ", disableTLS="
        + disableTLS + ", muteAlert=" + muteAlert + ", metadata=" + Redaction.headerNames(metadata)
        + "]";
  }
}
