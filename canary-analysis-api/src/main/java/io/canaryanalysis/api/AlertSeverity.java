package io.canaryanalysis.api;

import java.util.Optional;

/** Alert severities, ordered: a subscription receives alerts of its severity and above. */
public enum AlertSeverity {
  INFO("info"),
  WARN("warn"),
  ERROR("error");

  private final String manifestValue;

  AlertSeverity(String manifestValue) {
    this.manifestValue = manifestValue;
  }

  public String manifestValue() {
    return manifestValue;
  }

  /** Parses {@code info}, {@code warn} or {@code error}; empty or null means {@link #INFO}. */
  public static Optional<AlertSeverity> fromManifest(String value) {
    if (value == null || value.isEmpty()) {
      return Optional.of(INFO);
    }
    for (AlertSeverity severity : values()) {
      if (severity.manifestValue.equals(value)) {
        return Optional.of(severity);
      }
    }
    return Optional.empty();
  }
}
