package io.canaryanalysis.alerts;

import io.canaryanalysis.api.CanaryAlert;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The parts of an alert every service's payload is built from, as Flagger's
 * {@code notifier.Interface.Post(workload, namespace, message, fields, severity)} takes them.
 * Fields come in Flagger's order ({@code Cluster}, {@code Target}, {@code Failed checks threshold},
 * {@code Progress deadline}, {@code Traffic routing}), then any others by name.
 */
record AlertMessage(String workload, String namespace, String message, List<Field> fields,
    String severity, Instant time) {

  static final List<String> FLAGGER_FIELD_ORDER = List.of("Cluster", "Target",
      "Failed checks threshold", "Progress deadline", "Traffic routing");

  record Field(String name, String value) {}

  static AlertMessage of(CanaryAlert alert, String clusterName) {
    Map<String, String> remaining = new TreeMap<>(alert.fields());
    Map<String, String> ordered = new LinkedHashMap<>();
    if (clusterName != null && !remaining.containsKey("Cluster")) {
      ordered.put("Cluster", clusterName);
    }
    for (String name : FLAGGER_FIELD_ORDER) {
      String value = remaining.remove(name);
      if (value != null) {
        ordered.put(name, value);
      }
    }
    ordered.putAll(remaining);
    List<Field> fields = new ArrayList<>();
    ordered.forEach((name, value) -> fields.add(new Field(name, value)));
    return new AlertMessage(alert.canaryName(), alert.namespace(), alert.message(),
        List.copyOf(fields), alert.severity().manifestValue(), alert.time());
  }

  /** {@code workload.namespace}, as Flagger's payloads name the canary. */
  String subject() {
    return workload + "." + namespace;
  }

  boolean isError() {
    return "error".equals(severity);
  }
}
