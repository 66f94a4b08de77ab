package io.canaryanalysis.api.spec;

import io.canaryanalysis.api.Redaction;
import java.util.Objects;

/**
 * A Flagger {@code MetricTemplate}: a query with placeholders ({@code {{ namespace }}},
 * {@code {{ target }}}, {@code {{ interval }}}, {@code {{ variables.x }}}, ...) and the provider it runs on.
 */
public record MetricTemplate(String name, String namespace, MetricTemplateProvider provider, String query) {
  public MetricTemplate {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(query, "query");
  }

  /** Redacted: the provider's address and headers may carry credentials. */
  @Override
  public String toString() {
    return "MetricTemplate[name=" + name + ", namespace=" + namespace + ", provider=" + provider
        + ", query=" + Redaction.redact(query) + "]";
  }
}
