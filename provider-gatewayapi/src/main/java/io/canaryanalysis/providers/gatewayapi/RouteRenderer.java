package io.canaryanalysis.providers.gatewayapi;

import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.GatewayRef;
import io.canaryanalysis.api.spec.HttpMatch;
import io.canaryanalysis.api.spec.SessionAffinity;
import io.canaryanalysis.api.spec.StringMatch;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders the route spec for a canary and a split, as Flagger's Gateway API router does
 * ({@code pkg/router/gateway_api.go}). Every field the API server would default from the CRD
 * schema is written explicitly (parentRef group and kind, backendRef group and kind, match types,
 * the {@code PathPrefix /} match, CORS {@code maxAge}), so the object read back equals the one
 * rendered and an unchanged tick writes nothing. Pure apart from the cookie-value supplier.
 */
final class RouteRenderer {
  static final String COOKIE_HEADER = "Cookie";
  static final String SET_COOKIE_HEADER = "Set-Cookie";
  static final String REQUEST_MIRROR = "RequestMirror";
  static final String RESPONSE_HEADER_MODIFIER = "ResponseHeaderModifier";
  static final int DEFAULT_CORS_MAX_AGE = 5;
  private static final Pattern GO_DURATION_PART =
      Pattern.compile("([0-9]+(?:\\.[0-9]*)?)(ns|us|µs|ms|s|m|h)");

  /** The rendered route spec and the session cookies it uses. */
  record Rendered(Map<String, Object> spec, SessionCookies cookies) {}

  private final Supplier<String> cookieValues;

  RouteRenderer(Supplier<String> cookieValues) {
    this.cookieValues = cookieValues;
  }

  static String apexName(Canary canary) {
    return canary.spec().serviceName();
  }

  static String primaryName(Canary canary) {
    return apexName(canary) + "-primary";
  }

  static String canaryName(Canary canary) {
    return apexName(canary) + "-canary";
  }

  Rendered render(Canary canary, RouteKind kind, TrafficSplit split, SessionCookies cookies) {
    return kind == RouteKind.GRPC_ROUTE
        ? new Rendered(grpcRouteSpec(canary, split), SessionCookies.NONE)
        : httpRouteSpec(canary, split, cookies);
  }

  private Rendered httpRouteSpec(Canary canary, TrafficSplit split, SessionCookies cookies) {
    CanaryService service = canary.spec().service();
    Analysis analysis = canary.spec().analysis();
    List<HttpMatch> abMatch = analysis == null ? List.of() : analysis.match();
    SessionAffinity affinity = analysis == null ? null : analysis.sessionAffinity();
    List<Object> serviceMatches = httpMatches(service.match());
    List<Object> baseMatches = serviceMatches.isEmpty() ? defaultMatches() : serviceMatches;

    Map<String, Object> weighted = httpRule(canary, baseMatches, weightedBackends(canary, split));
    List<Object> rules = new ArrayList<>();
    SessionCookies nextCookies = SessionCookies.NONE;
    if (!abMatch.isEmpty()) {
      weighted.put("matches", merge(httpMatches(abMatch), baseMatches));
      rules.add(weighted);
      rules.add(httpRule(canary, baseMatches, List.of(backend(canary, primaryName(canary), 100))));
    } else {
      if (affinity != null) {
        nextCookies = addStickyRules(canary, affinity, split, cookies, weighted, serviceMatches, rules);
      }
      rules.add(weighted);
    }
    if (split.mirrored()) {
      filters(weighted).add(mirrorFilter(canary));
    }
    Map<String, Object> spec = commonSpec(canary);
    spec.put("rules", rules);
    return new Rendered(spec, nextCookies);
  }

  private Map<String, Object> grpcRouteSpec(Canary canary, TrafficSplit split) {
    CanaryService service = canary.spec().service();
    Analysis analysis = canary.spec().analysis();
    List<HttpMatch> abMatch = analysis == null ? List.of() : analysis.match();
    List<Object> serviceMatches = grpcMatches(service.match());
    Map<String, Object> weighted = grpcRule(canary, serviceMatches, weightedBackends(canary, split));
    List<Object> rules = new ArrayList<>();
    rules.add(weighted);
    if (!abMatch.isEmpty()) {
      weighted.put("matches", merge(grpcMatches(abMatch), serviceMatches));
      rules.add(grpcRule(canary, serviceMatches, List.of(backend(canary, primaryName(canary), 100))));
    }
    if (split.mirrored()) {
      filters(weighted).add(mirrorFilter(canary));
    }
    Map<String, Object> spec = commonSpec(canary);
    spec.put("rules", rules);
    return spec;
  }

  private static Map<String, Object> commonSpec(Canary canary) {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("parentRefs", parentRefs(canary));
    List<String> hosts = canary.spec().service().hosts();
    if (!hosts.isEmpty()) {
      spec.put("hostnames", new ArrayList<Object>(hosts));
    }
    return spec;
  }

  /** {@code gatewayRefs} as ParentReferences, with the schema's defaults for group and kind. */
  static List<Object> parentRefs(Canary canary) {
    List<Object> refs = new ArrayList<>();
    for (GatewayRef ref : canary.spec().service().gatewayRefs()) {
      Map<String, Object> parent = new LinkedHashMap<>();
      parent.put("group", ref.group() == null ? GatewayObjects.GROUP : ref.group());
      parent.put("kind", ref.kind() == null ? GatewayObjects.GATEWAY : ref.kind());
      if (ref.namespace() != null) {
        parent.put("namespace", ref.namespace());
      }
      parent.put("name", ref.name());
      if (ref.sectionName() != null) {
        parent.put("sectionName", ref.sectionName());
      }
      if (ref.port() != null) {
        parent.put("port", ref.port());
      }
      refs.add(parent);
    }
    return refs;
  }

  /**
   * Flagger's session affinity. While the canary gets traffic, responses from the canary backend
   * set a cookie and a rule ahead of the weighted one sends requests carrying it to the canary
   * (and, with {@code primaryCookieName}, requests carrying the primary cookie to the primary).
   * Once the canary weight is back to 0, a rule matching the last run's cookie expires it with
   * {@code Max-Age=-1}. Unlike Flagger, no duplicate of the weighted rule is written when there is
   * no cookie to expire.
   */
  private SessionCookies addStickyRules(Canary canary, SessionAffinity affinity, TrafficSplit split,
      SessionCookies cookies, Map<String, Object> weighted, List<Object> serviceMatches,
      List<Object> rules) {
    if (split.canaryWeight() > 0) {
      String canaryCookie = cookies.canary() != null
          && cookies.canary().startsWith(affinity.cookieName() + "=")
          ? cookies.canary() : affinity.cookieName() + "=" + cookieValues.get();
      addBackendFilter(weighted, canaryName(canary),
          setCookieFilter(canaryCookie + "; Max-Age=" + affinity.maxAge()));
      Map<String, Object> stickyCanary = JsonTrees.copyOfMap(weighted);
      stickyCanary.put("matches", merge(List.of(cookieMatch(canaryCookie)), serviceMatches));
      stickyCanary.put("backendRefs", new ArrayList<Object>(List.of(
          backend(canary, primaryName(canary), 0), backend(canary, canaryName(canary), 100))));
      String primaryCookie = null;
      Map<String, Object> stickyPrimary = null;
      if (affinity.primaryCookieName() != null) {
        primaryCookie = cookies.primary() != null
            && cookies.primary().startsWith(affinity.primaryCookieName() + "=")
            ? cookies.primary() : affinity.primaryCookieName() + "=" + cookieValues.get();
        long intervalSeconds = canary.spec().analysis().interval().getSeconds();
        addBackendFilter(weighted, primaryName(canary),
            setCookieFilter(primaryCookie + "; Max-Age=" + intervalSeconds));
        stickyPrimary = JsonTrees.copyOfMap(stickyCanary);
        stickyPrimary.put("matches", merge(List.of(cookieMatch(primaryCookie)), serviceMatches));
        stickyPrimary.put("backendRefs", new ArrayList<Object>(List.of(
            backend(canary, primaryName(canary), 100), backend(canary, canaryName(canary), 0))));
      }
      rules.add(stickyCanary);
      if (stickyPrimary != null) {
        rules.add(stickyPrimary);
      }
      return new SessionCookies(canaryCookie, primaryCookie, cookies.previous());
    }
    String previous = cookies.canary() != null ? cookies.canary() : cookies.previous();
    if (previous != null) {
      Map<String, Object> expiring = JsonTrees.copyOfMap(weighted);
      expiring.put("matches", merge(List.of(cookieMatch(previous)), serviceMatches));
      addResponseHeader(filters(expiring), SET_COOKIE_HEADER, previous + "; Max-Age=-1");
      rules.add(expiring);
    }
    return new SessionCookies(null, null, previous);
  }

  /** Matches requests whose {@code Cookie} header carries {@code name=value}. */
  private static Map<String, Object> cookieMatch(String cookie) {
    int eq = cookie.indexOf('=');
    String regex = ".*" + quoteRegex(cookie.substring(0, eq)) + ".*"
        + quoteRegex(cookie.substring(eq + 1)) + ".*";
    Map<String, Object> match = new LinkedHashMap<>();
    match.put("path", defaultPath());
    match.put("headers", new ArrayList<Object>(List.of(typedMatch(COOKIE_HEADER, "RegularExpression", regex))));
    return match;
  }

  /** Escapes RE2 metacharacters. */
  static String quoteRegex(String literal) {
    StringBuilder quoted = new StringBuilder(literal.length());
    for (char c : literal.toCharArray()) {
      if ("\\.+*?()|[]{}^$".indexOf(c) >= 0) {
        quoted.append('\\');
      }
      quoted.append(c);
    }
    return quoted.toString();
  }

  private static Map<String, Object> setCookieFilter(String cookie) {
    List<Object> add = new ArrayList<>(List.of(header(SET_COOKIE_HEADER, cookie)));
    Map<String, Object> modifier = new LinkedHashMap<>();
    modifier.put("add", add);
    Map<String, Object> filter = new LinkedHashMap<>();
    filter.put("type", RESPONSE_HEADER_MODIFIER);
    filter.put("responseHeaderModifier", modifier);
    return filter;
  }

  @SuppressWarnings("unchecked")
  private static void addBackendFilter(Map<String, Object> rule, String backend, Map<String, Object> filter) {
    for (Object item : (List<Object>) rule.get("backendRefs")) {
      Map<String, Object> ref = (Map<String, Object>) item;
      if (backend.equals(ref.get("name"))) {
        ((List<Object>) ref.computeIfAbsent("filters", k -> new ArrayList<Object>())).add(filter);
      }
    }
  }

  /** Adds a response header to the rule's ResponseHeaderModifier, which may appear only once. */
  @SuppressWarnings("unchecked")
  private static void addResponseHeader(List<Object> filters, String name, String value) {
    for (Object item : filters) {
      Map<String, Object> filter = (Map<String, Object>) item;
      if (RESPONSE_HEADER_MODIFIER.equals(filter.get("type"))) {
        Map<String, Object> modifier = (Map<String, Object>) filter.get("responseHeaderModifier");
        ((List<Object>) modifier.computeIfAbsent("add", k -> new ArrayList<Object>()))
            .add(header(name, value));
        return;
      }
    }
    filters.add(setCookieFilter(value));
  }

  @SuppressWarnings("unchecked")
  private static List<Object> filters(Map<String, Object> rule) {
    return (List<Object>) rule.computeIfAbsent("filters", k -> new ArrayList<Object>());
  }

  private static Map<String, Object> mirrorFilter(Canary canary) {
    Map<String, Object> mirror = new LinkedHashMap<>();
    mirror.put("backendRef", backendObject(canary, canaryName(canary)));
    Analysis analysis = canary.spec().analysis();
    int percent = analysis == null ? 0 : analysis.mirrorWeight();
    if (percent > 0) {
      mirror.put("percent", percent);
    }
    Map<String, Object> filter = new LinkedHashMap<>();
    filter.put("type", REQUEST_MIRROR);
    filter.put("requestMirror", mirror);
    return filter;
  }

  private static Map<String, Object> httpRule(
      Canary canary, List<Object> matches, List<Object> backends) {
    CanaryService service = canary.spec().service();
    Map<String, Object> rule = new LinkedHashMap<>();
    rule.put("matches", JsonTrees.deepCopy(matches));
    List<Object> filters = httpFilters(service);
    if (!filters.isEmpty()) {
      rule.put("filters", filters);
    }
    rule.put("backendRefs", new ArrayList<>(backends));
    if (service.timeout() != null || service.backendTimeout() != null) {
      Map<String, Object> timeouts = new LinkedHashMap<>();
      if (service.timeout() != null) {
        timeouts.put("request", service.timeout());
      }
      if (service.backendTimeout() != null) {
        timeouts.put("backendRequest", service.backendTimeout());
      }
      rule.put("timeouts", timeouts);
    }
    return rule;
  }

  private static Map<String, Object> grpcRule(
      Canary canary, List<Object> matches, List<Object> backends) {
    Map<String, Object> rule = new LinkedHashMap<>();
    if (!matches.isEmpty()) {
      rule.put("matches", JsonTrees.deepCopy(matches));
    }
    List<Object> filters = headerFilters(canary.spec().service());
    if (!filters.isEmpty()) {
      rule.put("filters", filters);
    }
    rule.put("backendRefs", new ArrayList<>(backends));
    return rule;
  }

  /** Flagger's {@code makeFilters}: header modifiers, URL rewrite, CORS, in that order. */
  private static List<Object> httpFilters(CanaryService service) {
    List<Object> filters = headerFilters(service);
    Map<String, Object> rewrite = service.rewrite();
    if (!rewrite.isEmpty()) {
      Map<String, Object> urlRewrite = new LinkedHashMap<>();
      if (rewrite.get("authority") instanceof String authority && !authority.isEmpty()) {
        urlRewrite.put("hostname", authority);
      }
      if (rewrite.get("uri") instanceof String uri && !uri.isEmpty()) {
        String type = "ReplacePrefixMatch".equals(rewrite.get("type"))
            ? "ReplacePrefixMatch" : "ReplaceFullPath";
        Map<String, Object> path = new LinkedHashMap<>();
        path.put("type", type);
        path.put(type.equals("ReplaceFullPath") ? "replaceFullPath" : "replacePrefixMatch", uri);
        urlRewrite.put("path", path);
      }
      Map<String, Object> filter = new LinkedHashMap<>();
      filter.put("type", "URLRewrite");
      filter.put("urlRewrite", urlRewrite);
      filters.add(filter);
    }
    if (!service.corsPolicy().isEmpty()) {
      Map<String, Object> filter = new LinkedHashMap<>();
      filter.put("type", "CORS");
      filter.put("cors", cors(service.corsPolicy()));
      filters.add(filter);
    }
    return filters;
  }

  private static List<Object> headerFilters(CanaryService service) {
    List<Object> filters = new ArrayList<>();
    Map<String, Object> headers = service.headers();
    for (String[] side : new String[][] {
        {"request", "RequestHeaderModifier", "requestHeaderModifier"},
        {"response", "ResponseHeaderModifier", "responseHeaderModifier"}}) {
      if (headers.get(side[0]) instanceof Map<?, ?> operations) {
        Map<String, Object> modifier = new LinkedHashMap<>();
        for (String op : List.of("set", "add")) {
          if (operations.get(op) instanceof Map<?, ?> values && !values.isEmpty()) {
            List<Object> list = new ArrayList<>();
            new TreeMap<>(values).forEach((k, v) -> list.add(header(String.valueOf(k), String.valueOf(v))));
            modifier.put(op, list);
          }
        }
        if (operations.get("remove") instanceof List<?> remove && !remove.isEmpty()) {
          List<Object> names = new ArrayList<>();
          remove.forEach(name -> names.add(String.valueOf(name)));
          modifier.put("remove", names);
        }
        Map<String, Object> filter = new LinkedHashMap<>();
        filter.put("type", side[1]);
        filter.put(side[2], modifier);
        filters.add(filter);
      }
    }
    return filters;
  }

  /** Istio's {@code corsPolicy} as the Gateway API CORS filter (exact origins only; see validation). */
  static Map<String, Object> cors(Map<String, Object> policy) {
    Map<String, Object> cors = new LinkedHashMap<>();
    List<Object> origins = new ArrayList<>();
    if (policy.get("allowOrigin") instanceof List<?> allowOrigin) {
      allowOrigin.forEach(o -> origins.add(String.valueOf(o)));
    }
    if (policy.get("allowOrigins") instanceof List<?> allowOrigins) {
      for (Object o : allowOrigins) {
        if (o instanceof Map<?, ?> m && m.get("exact") instanceof String exact) {
          origins.add(exact);
        }
      }
    }
    if (!origins.isEmpty()) {
      cors.put("allowOrigins", origins);
    }
    for (String field : List.of("allowMethods", "allowHeaders", "exposeHeaders")) {
      if (policy.get(field) instanceof List<?> values && !values.isEmpty()) {
        List<Object> copy = new ArrayList<>();
        values.forEach(v -> copy.add(String.valueOf(v)));
        cors.put(field, copy);
      }
    }
    if (Boolean.TRUE.equals(policy.get("allowCredentials"))) {
      cors.put("allowCredentials", true);
    }
    Long maxAge = policy.get("maxAge") instanceof String s ? goDurationSeconds(s) : null;
    cors.put("maxAge", maxAge == null ? DEFAULT_CORS_MAX_AGE : maxAge.intValue());
    return cors;
  }

  /** Whole seconds of a Go duration such as {@code 24h} or {@code 1m30s}, or null when not one. */
  static Long goDurationSeconds(String value) {
    String text = value.trim();
    if (text.isEmpty()) {
      return null;
    }
    Matcher m = GO_DURATION_PART.matcher(text);
    double seconds = 0;
    int end = 0;
    while (m.find()) {
      if (m.start() != end) {
        return null;
      }
      double amount = Double.parseDouble(m.group(1));
      seconds += switch (m.group(2)) {
        case "h" -> amount * 3600;
        case "m" -> amount * 60;
        case "s" -> amount;
        case "ms" -> amount / 1e3;
        case "us", "µs" -> amount / 1e6;
        default -> amount / 1e9;
      };
      end = m.end();
    }
    return end == text.length() ? (long) seconds : null;
  }

  private static Map<String, Object> header(String name, String value) {
    Map<String, Object> header = new LinkedHashMap<>();
    header.put("name", name);
    header.put("value", value);
    return header;
  }

  private static Map<String, Object> defaultPath() {
    Map<String, Object> path = new LinkedHashMap<>();
    path.put("type", "PathPrefix");
    path.put("value", "/");
    return path;
  }

  private static List<Object> defaultMatches() {
    Map<String, Object> match = new LinkedHashMap<>();
    match.put("path", defaultPath());
    return new ArrayList<>(List.of(match));
  }

  /**
   * Istio-style matches as HTTPRouteMatches. Unsupported conditions (checked by validation) are
   * skipped. Every match gets a path, as the API server would default it.
   */
  static List<Object> httpMatches(List<HttpMatch> matches) {
    List<Object> result = new ArrayList<>();
    for (HttpMatch match : matches) {
      Map<String, Object> m = new LinkedHashMap<>();
      if (match.uri() != null && pathType(match.uri().type()) != null) {
        Map<String, Object> path = new LinkedHashMap<>();
        path.put("type", pathType(match.uri().type()));
        path.put("value", match.uri().value());
        m.put("path", path);
      }
      List<Object> headers = typedMatches(match.headers());
      if (!headers.isEmpty()) {
        m.put("headers", headers);
      }
      List<Object> query = typedMatches(match.queryParams());
      if (!query.isEmpty()) {
        m.put("queryParams", query);
      }
      if (match.method() != null && match.method().type() == StringMatch.Type.EXACT) {
        m.put("method", match.method().value());
      }
      if (!m.isEmpty()) {
        if (!m.containsKey("path")) {
          m.put("path", defaultPath());
        }
        result.add(m);
      }
    }
    return result;
  }

  /**
   * Istio-style matches as GRPCRouteMatches: a {@code uri} of {@code /package.Service/Method}
   * (exact) or {@code /package.Service/} (prefix) becomes the method match; headers carry over.
   */
  static List<Object> grpcMatches(List<HttpMatch> matches) {
    List<Object> result = new ArrayList<>();
    for (HttpMatch match : matches) {
      Map<String, Object> m = new LinkedHashMap<>();
      Map<String, Object> method = grpcMethod(match.uri());
      if (method != null) {
        m.put("method", method);
      }
      List<Object> headers = typedMatches(match.headers());
      if (!headers.isEmpty()) {
        m.put("headers", headers);
      }
      if (!m.isEmpty()) {
        result.add(m);
      }
    }
    return result;
  }

  /** The GRPCMethodMatch for a uri condition, or null when it has none. */
  static Map<String, Object> grpcMethod(StringMatch uri) {
    if (uri == null || uri.type() == StringMatch.Type.SUFFIX || uri.type() == StringMatch.Type.REGEX
        || !uri.value().startsWith("/")) {
      return null;
    }
    String[] parts = uri.value().substring(1).split("/", -1);
    Map<String, Object> method = new LinkedHashMap<>();
    method.put("type", "Exact");
    if (uri.type() == StringMatch.Type.EXACT && parts.length == 2 && !parts[0].isEmpty()
        && !parts[1].isEmpty()) {
      method.put("service", parts[0]);
      method.put("method", parts[1]);
      return method;
    }
    if (uri.type() == StringMatch.Type.PREFIX && parts.length == 2 && !parts[0].isEmpty()
        && parts[1].isEmpty()) {
      method.put("service", parts[0]);
      return method;
    }
    return null;
  }

  static String pathType(StringMatch.Type type) {
    return switch (type) {
      case EXACT -> "Exact";
      case PREFIX -> "PathPrefix";
      case REGEX -> "RegularExpression";
      case SUFFIX -> null;
    };
  }

  private static List<Object> typedMatches(Map<String, StringMatch> conditions) {
    List<Object> result = new ArrayList<>();
    new TreeMap<>(conditions).forEach((name, condition) -> {
      if (condition.type() == StringMatch.Type.EXACT) {
        result.add(typedMatch(name, "Exact", condition.value()));
      } else if (condition.type() == StringMatch.Type.REGEX) {
        result.add(typedMatch(name, "RegularExpression", condition.value()));
      }
    });
    return result;
  }

  private static Map<String, Object> typedMatch(String name, String type, String value) {
    Map<String, Object> match = new LinkedHashMap<>();
    match.put("name", name);
    match.put("type", type);
    match.put("value", value);
    return match;
  }

  /**
   * Flagger's {@code mergeMatchConditions}: the cross product, each service match taking the
   * analysis match's headers and query parameters. Unlike Flagger an analysis path or method
   * also carries over instead of being dropped.
   */
  @SuppressWarnings("unchecked")
  static List<Object> merge(List<Object> analysis, List<Object> service) {
    if (analysis.isEmpty()) {
      return (List<Object>) JsonTrees.deepCopy(service);
    }
    if (service.isEmpty()) {
      return (List<Object>) JsonTrees.deepCopy(analysis);
    }
    List<Object> merged = new ArrayList<>();
    for (Object a : analysis) {
      Map<String, Object> am = (Map<String, Object>) a;
      for (Object s : service) {
        Map<String, Object> m = JsonTrees.copyOfMap((Map<String, Object>) s);
        for (String field : List.of("headers", "queryParams", "method")) {
          if (am.containsKey(field)) {
            m.put(field, JsonTrees.deepCopy(am.get(field)));
          }
        }
        if (am.get("path") instanceof Map<?, ?> path && !isDefaultPath(path)) {
          m.put("path", JsonTrees.deepCopy(path));
        }
        merged.add(m);
      }
    }
    return merged;
  }

  private static boolean isDefaultPath(Map<?, ?> path) {
    return "PathPrefix".equals(path.get("type")) && "/".equals(path.get("value"));
  }

  private static List<Object> weightedBackends(Canary canary, TrafficSplit split) {
    List<Object> backends = new ArrayList<>(2);
    backends.add(backend(canary, primaryName(canary), split.primaryWeight()));
    backends.add(backend(canary, canaryName(canary), split.canaryWeight()));
    return backends;
  }

  /** A backendRef to a Service of the canary, with its weight always written. */
  static Map<String, Object> backend(Canary canary, String name, int weight) {
    Map<String, Object> ref = backendObject(canary, name);
    ref.put("weight", weight);
    return ref;
  }

  private static Map<String, Object> backendObject(Canary canary, String name) {
    Map<String, Object> ref = new LinkedHashMap<>();
    ref.put("group", "");
    ref.put("kind", "Service");
    ref.put("name", name);
    ref.put("port", canary.spec().service().port());
    return ref;
  }
}
