package io.canaryanalysis.alerts;

import java.util.Optional;

/**
 * The services an alert can go to: Flagger's AlertProvider types plus {@code generic}, a plain
 * JSON webhook for receivers that are none of those services.
 */
public enum AlertProviderType {
  SLACK("slack"),
  MSTEAMS("msteams"),
  DISCORD("discord"),
  ROCKET("rocket"),
  GCHAT("gchat"),
  /** Not in Flagger: posts {@code {name, namespace, severity, message, fields[], timestamp}}. */
  GENERIC("generic");

  private final String manifestValue;

  AlertProviderType(String manifestValue) {
    this.manifestValue = manifestValue;
  }

  /** The value of an AlertProvider's {@code spec.type}, for example {@code msteams}. */
  public String manifestValue() {
    return manifestValue;
  }

  /** Parses {@code spec.type}; an unknown type is empty. */
  public static Optional<AlertProviderType> fromManifest(String value) {
    for (AlertProviderType type : values()) {
      if (type.manifestValue.equals(value)) {
        return Optional.of(type);
      }
    }
    return Optional.empty();
  }
}
