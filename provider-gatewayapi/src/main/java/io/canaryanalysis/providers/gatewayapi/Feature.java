package io.canaryanalysis.providers.gatewayapi;

/**
 * The Gateway API conformance features (names as in the conformance reports'
 * {@code supportedFeatures}) that a canary's route can need beyond the core HTTPRoute profile.
 */
enum Feature {
  QUERY_PARAM_MATCHING("HTTPRouteQueryParamMatching", "query parameter matches"),
  METHOD_MATCHING("HTTPRouteMethodMatching", "method matches"),
  REQUEST_TIMEOUT("HTTPRouteRequestTimeout", "request timeouts"),
  BACKEND_TIMEOUT("HTTPRouteBackendTimeout", "backend request timeouts"),
  RESPONSE_HEADER_MODIFICATION("HTTPRouteResponseHeaderModification", "response header modification"),
  /**
   * Filters on a backendRef. The reports name only the request-header variant; it is the closest
   * evidence that an implementation honours per-backend filters, which session affinity needs to
   * set its cookie on canary responses only.
   */
  BACKEND_HEADER_MODIFICATION("HTTPRouteBackendRequestHeaderModification", "filters on backendRefs"),
  PATH_REWRITE("HTTPRoutePathRewrite", "path rewrites"),
  HOST_REWRITE("HTTPRouteHostRewrite", "host rewrites"),
  CORS("HTTPRouteCORS", "the CORS filter"),
  REQUEST_MIRROR("HTTPRouteRequestMirror", "request mirroring"),
  PERCENTAGE_MIRROR("HTTPRouteRequestPercentageMirror", "mirroring a percentage of requests");

  private final String conformanceName;
  private final String description;

  Feature(String conformanceName, String description) {
    this.conformanceName = conformanceName;
    this.description = description;
  }

  String conformanceName() {
    return conformanceName;
  }

  String description() {
    return description;
  }
}
