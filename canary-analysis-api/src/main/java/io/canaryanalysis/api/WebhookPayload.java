package io.canaryanalysis.api;

import java.util.Map;
import java.util.Objects;

/**
 * Flagger's webhook body: {@code {"name", "namespace", "phase", "checksum", "metadata"}}.
 *
 * @param phase the Flagger phase name, for example {@code Progressing}
 * @param checksum a hash of the analysed revision and its tracked configs
 */
public record WebhookPayload(
    String name,
    String namespace,
    String phase,
    String checksum,
    Map<String, String> metadata) {

  public WebhookPayload {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(phase, "phase");
    checksum = checksum == null ? "" : checksum;
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }

  /** Metadata values are left out: they may hold commands with credentials. */
  @Override
  public String toString() {
    return "WebhookPayload[name=" + name + ", namespace=" + namespace + ", phase=" + phase
        + ", checksum=" + checksum + ", metadata=" + Redaction.headerNames(metadata) + "]";
  }
}
