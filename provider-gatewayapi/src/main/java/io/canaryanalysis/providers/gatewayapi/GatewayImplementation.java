package io.canaryanalysis.providers.gatewayapi;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The Gateway API implementations this router knows, recognised by their GatewayClass
 * {@code spec.controllerName}, with the extended HTTPRoute features each one passed in its
 * published conformance report. A canary needing a feature its implementation lacks is refused
 * at validation instead of being routed wrongly.
 *
 * <p>Source: kubernetes-sigs/gateway-api {@code conformance/reports/v1.5/} (Gateway API v1.5.1),
 * profile {@code GATEWAY-HTTP}, {@code extended.supportedFeatures}:
 * {@code envoy-gateway/experimental-v1.8.0-default-report.yaml},
 * {@code istio-istio/1.30.0-default-report.yaml},
 * {@code nginx-nginx-gateway-fabric/experimental-2.6.0-default-report.yaml},
 * {@code traefik-traefik/experimental-v3.7.0-default-report.yaml}. All four pass the core of the
 * {@code GATEWAY-GRPC} profile.
 */
public enum GatewayImplementation {
  /** Envoy Gateway 1.8: every feature this router uses. */
  ENVOY_GATEWAY("envoy-gateway", "Envoy Gateway", "gateway.envoyproxy.io/gatewayclass-controller",
      EnumSet.allOf(Feature.class)),
  /** Istio 1.30 in Gateway API mode: every feature this router uses. */
  ISTIO("istio", "Istio", "istio.io/gateway-controller", EnumSet.allOf(Feature.class)),
  /**
   * NGINX Gateway Fabric 2.6: no request or backend timeouts
   * ({@code HTTPRouteRequestTimeout}, {@code HTTPRouteBackendTimeout} unsupported) and no filters
   * on backendRefs ({@code HTTPRouteBackendRequestHeaderModification} unsupported).
   */
  NGINX_GATEWAY_FABRIC("nginx-gateway-fabric", "NGINX Gateway Fabric",
      "gateway.nginx.org/nginx-gateway-controller",
      EnumSet.complementOf(EnumSet.of(Feature.REQUEST_TIMEOUT, Feature.BACKEND_TIMEOUT,
          Feature.BACKEND_HEADER_MODIFICATION))),
  /**
   * Traefik 3.7: no mirroring, no timeouts and no CORS filter ({@code HTTPRouteRequestMirror},
   * {@code HTTPRouteRequestPercentageMirror}, {@code HTTPRouteRequestTimeout},
   * {@code HTTPRouteBackendTimeout}, {@code HTTPRouteCORS} unsupported).
   */
  TRAEFIK("traefik", "Traefik", "traefik.io/gateway-controller",
      EnumSet.of(Feature.QUERY_PARAM_MATCHING, Feature.METHOD_MATCHING,
          Feature.RESPONSE_HEADER_MODIFICATION, Feature.BACKEND_HEADER_MODIFICATION,
          Feature.PATH_REWRITE, Feature.HOST_REWRITE)),
  /** A controller not in this table: the core features only (weights, exact header matches). */
  UNKNOWN("unknown", "an unknown Gateway API implementation", null, EnumSet.noneOf(Feature.class));

  private final String id;
  private final String displayName;
  private final String controllerName;
  private final Set<Feature> features;

  GatewayImplementation(
      String id, String displayName, String controllerName, Set<Feature> features) {
    this.id = id;
    this.displayName = displayName;
    this.controllerName = controllerName;
    this.features = features;
  }

  /** A short stable id ({@code envoy-gateway}, {@code istio}, {@code nginx-gateway-fabric}, {@code traefik}, {@code unknown}). */
  public String id() {
    return id;
  }

  /** The GatewayClass {@code spec.controllerName} that identifies it; null for {@link #UNKNOWN}. */
  public String controllerName() {
    return controllerName;
  }

  String displayName() {
    return displayName;
  }

  boolean supports(Feature feature) {
    return features.contains(feature);
  }

  /** The implementation behind {@code controllerName}, {@link #UNKNOWN} when not in the table. */
  public static GatewayImplementation ofControllerName(String controllerName) {
    if (controllerName != null) {
      String name = controllerName.trim().toLowerCase(Locale.ROOT);
      for (GatewayImplementation implementation : values()) {
        if (name.equals(implementation.controllerName)) {
          return implementation;
        }
      }
    }
    return UNKNOWN;
  }
}
