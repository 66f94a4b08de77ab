package io.canaryanalysis.alerts;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Finds the AlertProvider an {@code analysis.alerts[].providerRef} names. The host implements it
 * over its informer cache or manifests; {@link #of(Collection)} serves a fixed set.
 */
@FunctionalInterface
public interface AlertProviders {

  /** The provider {@code namespace/name}, or empty when there is none. */
  Optional<AlertProviderConfig> find(String namespace, String name);

  /** A fixed set of providers, looked up by namespace and name. */
  static AlertProviders of(Collection<AlertProviderConfig> providers) {
    Map<String, AlertProviderConfig> byKey = providers.stream()
        .collect(Collectors.toUnmodifiableMap(AlertProviderConfig::key, Function.identity()));
    return (namespace, name) -> Optional.ofNullable(byKey.get(namespace + "/" + name));
  }

  /** No providers: every provider reference is unresolved. */
  static AlertProviders none() {
    return (namespace, name) -> Optional.empty();
  }
}
