package io.canaryanalysis.api;

import io.canaryanalysis.api.spec.MetricTemplateProvider;

/**
 * Builds the provider for a MetricTemplate's {@code spec.provider} (its own address, headers and
 * credentials). Credentials are resolved inside the factory, typically through a
 * {@link SecretResolver}, and never passed through the engine.
 */
public interface MetricProviderFactory {

  /**
   * A provider for {@code provider}, whose {@code secretRef} is looked up in {@code namespace}.
   *
   * @throws ProviderException when the type is unsupported or the secret is missing or incomplete
   */
  MetricProvider create(MetricTemplateProvider provider, String namespace);
}
