package io.canaryanalysis.api.spec;

import java.util.Objects;

/** A reference to a MetricTemplate; a null namespace means the canary's own namespace. */
public record TemplateRef(String name, String namespace) {
  public TemplateRef {
    Objects.requireNonNull(name, "name");
    namespace = Specs.blankToNull(namespace);
  }
}
