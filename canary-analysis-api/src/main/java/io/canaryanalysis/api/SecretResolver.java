package io.canaryanalysis.api;

import java.util.Map;
import java.util.Optional;

/**
 * Supplies secret data (for example a Kubernetes Secret's decoded {@code data}) to providers.
 * The embedding controller implements it; values must never be logged.
 */
@FunctionalInterface
public interface SecretResolver {

  /** The secret's key/value data, or empty when no such secret exists. */
  Optional<Map<String, String>> resolve(String namespace, String name);

  /** A resolver that knows no secrets. */
  static SecretResolver none() {
    return (namespace, name) -> Optional.empty();
  }
}
