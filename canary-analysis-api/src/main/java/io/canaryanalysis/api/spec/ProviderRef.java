package io.canaryanalysis.api.spec;

import java.util.Objects;

/** A reference to an AlertProvider; a null namespace means the canary's own namespace. */
public record ProviderRef(String name, String namespace) {
  public ProviderRef {
    Objects.requireNonNull(name, "name");
    namespace = Specs.blankToNull(namespace);
  }
}
