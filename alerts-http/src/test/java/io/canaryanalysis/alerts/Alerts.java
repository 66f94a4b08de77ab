package io.canaryanalysis.alerts;

import io.canaryanalysis.api.AlertSeverity;
import io.canaryanalysis.api.CanaryAlert;
import io.canaryanalysis.api.spec.ProviderRef;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Alerts as the engine raises them, with Flagger's texts. */
final class Alerts {
  static final Instant TIME = Instant.parse("2026-12-01T10:15:30Z");

  private Alerts() {}

  /** Flagger's rollback alert with {@code metadata=true} fields, for {@code podinfo.test}. */
  static CanaryAlert rollback(ProviderRef... providers) {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("Traffic routing", "Weight step: 5 max: 50");
    fields.put("Target", "Deployment/podinfo.test");
    fields.put("Progress deadline", "600s");
    fields.put("Failed checks threshold", "3");
    return new CanaryAlert("podinfo", "test", AlertSeverity.ERROR,
        "Failed checks threshold reached 3", fields, List.of(providers), TIME);
  }

  static CanaryAlert promoted(ProviderRef... providers) {
    return new CanaryAlert("podinfo", "test", AlertSeverity.INFO,
        "Canary analysis completed successfully, promotion finished.", Map.of(),
        List.of(providers), TIME);
  }
}
