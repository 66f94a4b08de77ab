package io.canaryanalysis.api.spec;

import io.canaryanalysis.api.AlertSeverity;
import java.util.Objects;

/**
 * One entry of {@code analysis.alerts}: a subscription of an alert provider to alerts of at least
 * {@code severity}. An empty severity means {@code info}, as Flagger documents (Flagger's code
 * silently never matches it).
 */
public record AlertRef(String name, AlertSeverity severity, ProviderRef providerRef) {
  public AlertRef {
    Objects.requireNonNull(name, "name");
    severity = severity == null ? AlertSeverity.INFO : severity;
    Objects.requireNonNull(providerRef, "providerRef");
  }

  /** True when an alert of {@code alertSeverity} reaches this subscription. */
  public boolean accepts(AlertSeverity alertSeverity) {
    return alertSeverity.compareTo(severity) >= 0;
  }
}
