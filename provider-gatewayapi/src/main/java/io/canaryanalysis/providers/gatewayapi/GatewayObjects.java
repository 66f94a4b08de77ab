package io.canaryanalysis.providers.gatewayapi;

import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

/** The Gateway API kinds this router reads and writes, their API contexts, and its annotations. */
final class GatewayObjects {
  static final String GROUP = "gateway.networking.k8s.io";
  static final String GATEWAY = "Gateway";
  static final String GATEWAY_CLASS = "GatewayClass";

  /** Where Flagger stores a user's object spec before taking it over. */
  static final String ORIGINAL_CONFIGURATION = "flagger.kubernetes.io/original-configuration";
  /** kubectl's record of the applied object; when present it already holds the user's spec. */
  static final String KUBECTL_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
  /** Names the Canary that manages a generated route. */
  static final String MANAGED_BY_CANARY = "canary-analysis.io/canary";
  static final String CANARY_COOKIE = "canary-analysis.io/session-affinity-cookie";
  static final String PRIMARY_COOKIE = "canary-analysis.io/primary-session-affinity-cookie";
  static final String PREVIOUS_CANARY_COOKIE = "canary-analysis.io/previous-session-affinity-cookie";

  private final String version;

  GatewayObjects(String version) {
    this.version = version;
  }

  String version() {
    return version;
  }

  /** The API version routes are written with; GRPCRoute exists only as {@code v1}. */
  String apiVersion(RouteKind kind) {
    return GROUP + "/" + routeVersion(kind);
  }

  String routeVersion(RouteKind kind) {
    return kind == RouteKind.GRPC_ROUTE ? "v1" : version;
  }

  ResourceDefinitionContext routes(RouteKind kind) {
    return context(routeVersion(kind), kind.kind(), kind.plural(), true);
  }

  ResourceDefinitionContext gateways() {
    return context(version, GATEWAY, "gateways", true);
  }

  ResourceDefinitionContext gatewayClasses() {
    return context(version, GATEWAY_CLASS, "gatewayclasses", false);
  }

  static ResourceDefinitionContext context(
      String version, String kind, String plural, boolean namespaced) {
    return new ResourceDefinitionContext.Builder()
        .withGroup(GROUP)
        .withVersion(version)
        .withKind(kind)
        .withPlural(plural)
        .withNamespaced(namespaced)
        .build();
  }
}
