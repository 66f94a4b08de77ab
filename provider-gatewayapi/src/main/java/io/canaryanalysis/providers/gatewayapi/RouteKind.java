package io.canaryanalysis.providers.gatewayapi;

import io.canaryanalysis.api.spec.Canary;
import java.util.Locale;

/**
 * The route kind a canary gets. GRPCRoute when the Canary's annotation
 * {@value GatewayApiRouter#ROUTE_KIND_ANNOTATION} says {@code GRPCRoute}, or, without the
 * annotation, when {@code spec.service.appProtocol} is {@code grpc}; HTTPRoute otherwise.
 * {@code kubernetes.io/h2c} is not taken as gRPC: HTTP/2 cleartext carries plain HTTP too.
 */
enum RouteKind {
  HTTP_ROUTE("HTTPRoute", "httproutes", GatewayApiRouter.HTTP_ROUTE_ANNOTATION),
  GRPC_ROUTE("GRPCRoute", "grpcroutes", GatewayApiRouter.GRPC_ROUTE_ANNOTATION);

  private final String kind;
  private final String plural;
  private final String ownRouteAnnotation;

  RouteKind(String kind, String plural, String ownRouteAnnotation) {
    this.kind = kind;
    this.plural = plural;
    this.ownRouteAnnotation = ownRouteAnnotation;
  }

  String kind() {
    return kind;
  }

  String plural() {
    return plural;
  }

  /** The Canary annotation that names the user's own route of this kind. */
  String ownRouteAnnotation() {
    return ownRouteAnnotation;
  }

  /** The kind for {@code canary}; an unknown annotation value is reported by validation. */
  static RouteKind of(Canary canary) {
    String chosen = canary.annotations().get(GatewayApiRouter.ROUTE_KIND_ANNOTATION);
    if (chosen != null && !chosen.isBlank()) {
      return GRPC_ROUTE.kind.equalsIgnoreCase(chosen.trim()) ? GRPC_ROUTE : HTTP_ROUTE;
    }
    String protocol = canary.spec().service().appProtocol();
    return protocol != null && protocol.toLowerCase(Locale.ROOT).equals("grpc")
        ? GRPC_ROUTE : HTTP_ROUTE;
  }

  /** The name of the user's own route, or null when the canary's route is generated. */
  static String ownRoute(Canary canary) {
    String name = canary.annotations().get(of(canary).ownRouteAnnotation);
    return name == null || name.isBlank() ? null : name.trim();
  }
}
