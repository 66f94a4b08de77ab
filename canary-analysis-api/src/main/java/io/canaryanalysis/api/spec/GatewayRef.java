package io.canaryanalysis.api.spec;

import java.util.Objects;

/**
 * One entry of {@code spec.service.gatewayRefs}: a Gateway API {@code ParentReference}, the Gateway
 * (or listener of it) the generated HTTPRoute attaches to.
 *
 * @param group null means {@code gateway.networking.k8s.io}
 * @param kind null means {@code Gateway}
 * @param namespace null means the canary's namespace
 * @param sectionName a listener name, or null for every listener
 * @param port a listener port, or null
 */
public record GatewayRef(String group, String kind, String namespace, String name,
    String sectionName, Integer port) {
  public GatewayRef {
    Objects.requireNonNull(name, "name");
  }
}
