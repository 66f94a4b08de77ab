package io.canaryanalysis.api;

import io.canaryanalysis.api.spec.ProviderRef;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An alert for humans (Slack, Teams, ...), with Flagger's text such as {@code Failed checks
 * threshold reached 3}.
 *
 * @param fields extra context: target, failed-checks threshold, progress deadline, traffic routing
 * @param providers the {@code analysis.alerts} providers whose severity accepts this alert; empty
 *     means the host's global notifier
 */
public record CanaryAlert(
    String canaryName,
    String namespace,
    AlertSeverity severity,
    String message,
    Map<String, String> fields,
    List<ProviderRef> providers,
    Instant time) {

  public CanaryAlert {
    Objects.requireNonNull(canaryName, "canaryName");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(message, "message");
    fields = fields == null ? Map.of() : Map.copyOf(fields);
    providers = providers == null ? List.of() : List.copyOf(providers);
  }
}
