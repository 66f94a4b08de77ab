package io.canaryanalysis.providers.gatewayapi;

import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.HttpMatch;
import io.canaryanalysis.api.spec.StringMatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What the Gateway API cannot express of a canary spec (checked without the cluster), and which
 * extended features the spec needs (checked against the parent Gateway's implementation by the
 * router). Flagger drops or mangles most of these silently; here each one is a problem with its
 * path.
 */
final class GatewaySpecValidator {
  /** GEP-2257 durations, the pattern of the CRD's {@code timeouts} fields. */
  private static final Pattern GATEWAY_DURATION = Pattern.compile("^([0-9]{1,5}(h|m|s|ms)){1,4}$");
  private static final Set<String> METHODS = Set.of(
      "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");
  private static final Set<String> CORS_FIELDS = Set.of("allowOrigin", "allowOrigins",
      "allowMethods", "allowHeaders", "exposeHeaders", "allowCredentials", "maxAge");
  private static final int MAX_HOSTNAMES = 16;

  /** A feature the spec needs, and the spec field that needs it. */
  record Need(Feature feature, String path) {}

  private GatewaySpecValidator() {}

  static List<SpecProblem> validate(Canary canary) {
    List<SpecProblem> problems = new ArrayList<>();
    String kindChoice = canary.annotations().get(GatewayApiRouter.ROUTE_KIND_ANNOTATION);
    if (kindChoice != null && !kindChoice.isBlank()
        && !kindChoice.trim().equalsIgnoreCase("HTTPRoute")
        && !kindChoice.trim().equalsIgnoreCase("GRPCRoute")) {
      problems.add(new SpecProblem("metadata.annotations." + GatewayApiRouter.ROUTE_KIND_ANNOTATION,
          "must be HTTPRoute or GRPCRoute, got " + kindChoice));
    }
    RouteKind kind = RouteKind.of(canary);
    boolean ownRoute = RouteKind.ownRoute(canary) != null;
    CanaryService service = canary.spec().service();
    Analysis analysis = canary.spec().analysis();
    if (ownRoute) {
      checkOwnRoute(canary, kind, problems);
      return problems;
    }
    if (service.gatewayRefs().isEmpty()) {
      problems.add(new SpecProblem("spec.service.gatewayRefs",
          "is required with the gatewayapi provider: the Gateways the generated " + kind.kind()
              + " attaches to (or name your own route in annotation " + kind.ownRouteAnnotation() + ")"));
    }
    if (service.hosts().size() > MAX_HOSTNAMES) {
      problems.add(new SpecProblem("spec.service.hosts",
          "a Gateway API route takes at most " + MAX_HOSTNAMES + " hostnames"));
    }
    if (!service.gateways().isEmpty()) {
      problems.add(new SpecProblem("spec.service.gateways",
          "is Istio's; with the gatewayapi provider use spec.service.gatewayRefs"));
    }
    if (!service.trafficPolicy().isEmpty()) {
      problems.add(new SpecProblem("spec.service.trafficPolicy",
          "is an Istio DestinationRule setting; the Gateway API has no equivalent"));
    }
    if (!service.retries().isEmpty()) {
      problems.add(new SpecProblem("spec.service.retries",
          "route retries are only in the Gateway API experimental channel; not supported"));
    }
    checkMatches("spec.service.match", service.match(), kind, problems);
    if (analysis != null) {
      checkMatches("spec.analysis.match", analysis.match(), kind, problems);
      if (analysis.sessionAffinity() != null && !analysis.match().isEmpty()) {
        problems.add(new SpecProblem("spec.analysis.sessionAffinity",
            "cannot be combined with A/B matches (spec.analysis.match)"));
      }
    }
    if (kind == RouteKind.GRPC_ROUTE) {
      checkGrpc(canary, problems);
    } else {
      checkHttp(service, problems);
    }
    return problems;
  }

  private static void checkOwnRoute(Canary canary, RouteKind kind, List<SpecProblem> problems) {
    Analysis analysis = canary.spec().analysis();
    String why = "the route named in annotation " + kind.ownRouteAnnotation()
        + " is the user's; only its backendRef weights are changed";
    if (analysis != null && !analysis.match().isEmpty()) {
      problems.add(new SpecProblem("spec.analysis.match", "A/B matches need a generated route: " + why));
    }
    if (analysis != null && analysis.mirror()) {
      problems.add(new SpecProblem("spec.analysis.mirror", "mirroring needs a generated route: " + why));
    }
    if (analysis != null && analysis.sessionAffinity() != null) {
      problems.add(new SpecProblem("spec.analysis.sessionAffinity",
          "session affinity needs a generated route: " + why));
    }
  }

  private static void checkMatches(
      String path, List<HttpMatch> matches, RouteKind kind, List<SpecProblem> problems) {
    for (int i = 0; i < matches.size(); i++) {
      HttpMatch match = matches.get(i);
      String at = path + "[" + i + "]";
      if (match.scheme() != null) {
        problems.add(new SpecProblem(at + ".scheme", "the Gateway API cannot match on the scheme"));
      }
      if (match.authority() != null) {
        problems.add(new SpecProblem(at + ".authority",
            "the Gateway API cannot match on the authority; use spec.service.hosts"));
      }
      if (!match.sourceLabels().isEmpty()) {
        problems.add(new SpecProblem(at + ".sourceLabels", "the Gateway API cannot match on source labels"));
      }
      match.headers().forEach((name, condition) -> checkExactOrRegex(
          at + ".headers." + name, condition, problems));
      if (kind == RouteKind.GRPC_ROUTE) {
        if (!match.queryParams().isEmpty()) {
          problems.add(new SpecProblem(at + ".queryParams", "a GRPCRoute cannot match query parameters"));
        }
        if (match.method() != null) {
          problems.add(new SpecProblem(at + ".method",
              "a GRPCRoute matches the gRPC method through uri /package.Service/Method"));
        }
        if (match.uri() != null && RouteRenderer.grpcMethod(match.uri()) == null) {
          problems.add(new SpecProblem(at + ".uri", "a GRPCRoute takes an exact uri"
              + " /package.Service/Method or a prefix /package.Service/, got "
              + match.uri().type().fieldName() + " " + match.uri().value()));
        }
        continue;
      }
      match.queryParams().forEach((name, condition) -> checkExactOrRegex(
          at + ".queryParams." + name, condition, problems));
      if (match.uri() != null) {
        if (match.uri().type() == StringMatch.Type.SUFFIX) {
          problems.add(new SpecProblem(at + ".uri.suffix", "the Gateway API has no suffix path match"));
        } else if (match.uri().type() != StringMatch.Type.REGEX && !match.uri().value().startsWith("/")) {
          problems.add(new SpecProblem(at + ".uri." + match.uri().type().fieldName(),
              "a Gateway API path must start with /"));
        }
      }
      if (match.method() != null && (match.method().type() != StringMatch.Type.EXACT
          || !METHODS.contains(match.method().value()))) {
        problems.add(new SpecProblem(at + ".method", "must be an exact HTTP method, one of "
            + new java.util.TreeSet<>(METHODS)));
      }
    }
  }

  private static void checkExactOrRegex(String path, StringMatch condition, List<SpecProblem> problems) {
    if (condition.type() != StringMatch.Type.EXACT && condition.type() != StringMatch.Type.REGEX) {
      problems.add(new SpecProblem(path + "." + condition.type().fieldName(),
          "the Gateway API matches headers and query parameters exactly or by regex only"));
    }
  }

  private static void checkGrpc(Canary canary, List<SpecProblem> problems) {
    CanaryService service = canary.spec().service();
    String no = "a GRPCRoute has no ";
    if (service.timeout() != null) {
      problems.add(new SpecProblem("spec.service.timeout", no + "timeouts"));
    }
    if (service.backendTimeout() != null) {
      problems.add(new SpecProblem("spec.service.backendTimeout", no + "timeouts"));
    }
    if (!service.rewrite().isEmpty()) {
      problems.add(new SpecProblem("spec.service.rewrite", no + "URL rewrite filter"));
    }
    if (!service.corsPolicy().isEmpty()) {
      problems.add(new SpecProblem("spec.service.corsPolicy", no + "CORS filter"));
    }
    Analysis analysis = canary.spec().analysis();
    if (analysis != null && analysis.sessionAffinity() != null) {
      problems.add(new SpecProblem("spec.analysis.sessionAffinity",
          "cookie session affinity is for HTTP routes, not GRPCRoute"));
    }
    checkHeaders(service, problems);
  }

  private static void checkHttp(CanaryService service, List<SpecProblem> problems) {
    if (service.timeout() != null && !GATEWAY_DURATION.matcher(service.timeout()).matches()) {
      problems.add(new SpecProblem("spec.service.timeout",
          "must be a Gateway API duration such as 10s, 500ms or 1m30s, got " + service.timeout()));
    }
    if (service.backendTimeout() != null
        && !GATEWAY_DURATION.matcher(service.backendTimeout()).matches()) {
      problems.add(new SpecProblem("spec.service.backendTimeout",
          "must be a Gateway API duration such as 10s, 500ms or 1m30s, got " + service.backendTimeout()));
    }
    for (String key : service.rewrite().keySet()) {
      if (!Set.of("uri", "authority", "type").contains(key)) {
        problems.add(new SpecProblem("spec.service.rewrite." + key,
            "the Gateway API URL rewrite takes uri, authority and type only"));
      }
    }
    Object rewriteType = service.rewrite().get("type");
    if (rewriteType != null && !"ReplaceFullPath".equals(rewriteType)
        && !"ReplacePrefixMatch".equals(rewriteType)) {
      problems.add(new SpecProblem("spec.service.rewrite.type",
          "must be ReplaceFullPath or ReplacePrefixMatch, got " + rewriteType));
    }
    Map<String, Object> cors = service.corsPolicy();
    for (Map.Entry<String, Object> e : cors.entrySet()) {
      String at = "spec.service.corsPolicy." + e.getKey();
      if (!CORS_FIELDS.contains(e.getKey())) {
        problems.add(new SpecProblem(at, "the Gateway API CORS filter has no such setting"));
      }
    }
    if (cors.get("allowOrigins") instanceof List<?> origins) {
      for (int i = 0; i < origins.size(); i++) {
        if (!(origins.get(i) instanceof Map<?, ?> m && m.size() == 1 && m.get("exact") instanceof String)) {
          problems.add(new SpecProblem("spec.service.corsPolicy.allowOrigins[" + i + "]",
              "the Gateway API CORS filter takes exact origins only"));
        }
      }
    }
    if (cors.get("allowMethods") instanceof List<?> methods) {
      for (Object method : methods) {
        if (!METHODS.contains(String.valueOf(method)) && !"*".equals(method)) {
          problems.add(new SpecProblem("spec.service.corsPolicy.allowMethods",
              "must be HTTP methods or *, got " + method));
        }
      }
    }
    if (cors.containsKey("maxAge") && (!(cors.get("maxAge") instanceof String maxAge)
        || RouteRenderer.goDurationSeconds(maxAge) == null)) {
      problems.add(new SpecProblem("spec.service.corsPolicy.maxAge",
          "must be a duration such as 24h, got " + cors.get("maxAge")));
    }
    checkHeaders(service, problems);
  }

  private static void checkHeaders(CanaryService service, List<SpecProblem> problems) {
    for (Map.Entry<String, Object> side : service.headers().entrySet()) {
      String at = "spec.service.headers." + side.getKey();
      if (!side.getKey().equals("request") && !side.getKey().equals("response")) {
        problems.add(new SpecProblem(at, "must be request or response"));
      } else if (side.getValue() instanceof Map<?, ?> operations) {
        for (Object op : operations.keySet()) {
          if (!Set.of("set", "add", "remove").contains(String.valueOf(op))) {
            problems.add(new SpecProblem(at + "." + op, "must be set, add or remove"));
          }
        }
      }
    }
  }

  /** The extended features the route for this canary uses. */
  static List<Need> needs(Canary canary) {
    List<Need> needs = new ArrayList<>();
    CanaryService service = canary.spec().service();
    Analysis analysis = canary.spec().analysis();
    if (RouteKind.ownRoute(canary) != null) {
      return needs;
    }
    addMatchNeeds("spec.service.match", service.match(), needs);
    if (analysis != null) {
      addMatchNeeds("spec.analysis.match", analysis.match(), needs);
    }
    if (service.timeout() != null) {
      needs.add(new Need(Feature.REQUEST_TIMEOUT, "spec.service.timeout"));
    }
    if (service.backendTimeout() != null) {
      needs.add(new Need(Feature.BACKEND_TIMEOUT, "spec.service.backendTimeout"));
    }
    if (service.headers().get("response") != null) {
      needs.add(new Need(Feature.RESPONSE_HEADER_MODIFICATION, "spec.service.headers.response"));
    }
    if (service.rewrite().get("uri") != null) {
      needs.add(new Need(Feature.PATH_REWRITE, "spec.service.rewrite.uri"));
    }
    if (service.rewrite().get("authority") != null) {
      needs.add(new Need(Feature.HOST_REWRITE, "spec.service.rewrite.authority"));
    }
    if (!service.corsPolicy().isEmpty()) {
      needs.add(new Need(Feature.CORS, "spec.service.corsPolicy"));
    }
    if (analysis != null && analysis.mirror()) {
      needs.add(new Need(Feature.REQUEST_MIRROR, "spec.analysis.mirror"));
      if (analysis.mirrorWeight() > 0) {
        needs.add(new Need(Feature.PERCENTAGE_MIRROR, "spec.analysis.mirrorWeight"));
      }
    }
    if (analysis != null && analysis.sessionAffinity() != null) {
      needs.add(new Need(Feature.RESPONSE_HEADER_MODIFICATION, "spec.analysis.sessionAffinity"));
      needs.add(new Need(Feature.BACKEND_HEADER_MODIFICATION, "spec.analysis.sessionAffinity"));
    }
    return needs;
  }

  private static void addMatchNeeds(String path, List<HttpMatch> matches, List<Need> needs) {
    for (int i = 0; i < matches.size(); i++) {
      if (!matches.get(i).queryParams().isEmpty()) {
        needs.add(new Need(Feature.QUERY_PARAM_MATCHING, path + "[" + i + "].queryParams"));
      }
      if (matches.get(i).method() != null) {
        needs.add(new Need(Feature.METHOD_MATCHING, path + "[" + i + "].method"));
      }
    }
  }
}
