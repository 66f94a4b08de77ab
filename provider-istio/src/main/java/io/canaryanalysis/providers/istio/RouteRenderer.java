package io.canaryanalysis.providers.istio;

import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.HttpMatch;
import io.canaryanalysis.api.spec.SessionAffinity;
import io.canaryanalysis.api.spec.StringMatch;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Renders the VirtualService and DestinationRule specs for a canary and a split, as Flagger's
 * Istio router does. Pure apart from the cookie-value supplier, which is only asked when a run
 * needs a cookie it does not have yet.
 */
final class RouteRenderer {
  static final String MESH_GATEWAY = "mesh";
  static final String COOKIE_HEADER = "cookie";
  static final String SET_COOKIE_HEADER = "Set-Cookie";

  /** The rendered VirtualService spec and the session cookies it uses. */
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

  static boolean isTcp(Canary canary) {
    String protocol = canary.spec().service().appProtocol();
    return protocol != null && protocol.toLowerCase(Locale.ROOT).equals("tcp");
  }

  /** {@code spec} of the DestinationRule {@code name}: its host and the service's traffic policy. */
  static Map<String, Object> destinationRuleSpec(Canary canary, String name) {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("host", name);
    Map<String, Object> trafficPolicy = canary.spec().service().trafficPolicy();
    if (!trafficPolicy.isEmpty()) {
      spec.put("trafficPolicy", JsonTrees.copyOfMap(trafficPolicy));
    }
    return spec;
  }

  /** {@code spec} of the VirtualService that applies {@code split}. */
  Rendered virtualServiceSpec(Canary canary, TrafficSplit split, SessionCookies cookies) {
    CanaryService service = canary.spec().service();
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("hosts", hosts(canary));
    spec.put("gateways", gateways(service));
    if (isTcp(canary)) {
      Map<String, Object> tcpRoute = new LinkedHashMap<>();
      tcpRoute.put("route", weightedDestinations(canary, split));
      spec.put("tcp", List.of(tcpRoute));
      return new Rendered(spec, SessionCookies.NONE);
    }
    Analysis analysis = canary.spec().analysis();
    List<HttpMatch> abMatch = analysis == null ? List.of() : analysis.match();
    SessionAffinity affinity = analysis == null ? null : analysis.sessionAffinity();
    List<Object> http = new ArrayList<>();
    SessionCookies nextCookies = SessionCookies.NONE;
    Map<String, Object> weighted;
    if (!abMatch.isEmpty()) {
      weighted = httpRoute(canary, MatchConditions.merge(abMatch, service.match()),
          weightedDestinations(canary, split));
      http.add(weighted);
      http.add(httpRoute(canary, service.match(),
          List.of(destination(canary, primaryName(canary), 100))));
    } else {
      weighted = httpRoute(canary, service.match(), weightedDestinations(canary, split));
      if (affinity != null) {
        nextCookies = addStickyRoutes(canary, affinity, split, cookies, weighted, http);
      }
      http.add(weighted);
    }
    if (split.mirrored()) {
      weighted.put("mirror", Map.of("host", canaryName(canary)));
      int mirrorWeight = analysis == null ? 0 : analysis.mirrorWeight();
      if (mirrorWeight > 0) {
        weighted.put("mirrorPercentage", Map.of("value", mirrorWeight));
      }
    }
    spec.put("http", http);
    return new Rendered(spec, nextCookies);
  }

  /**
   * Flagger's session affinity. While the canary gets traffic, responses from the canary set a
   * cookie and a route ahead of the weighted one sends requests carrying it to the canary (and,
   * with {@code primaryCookieName}, requests carrying the primary cookie to the primary). Once the
   * canary weight is back to 0, a route matching the last run's cookie sends those users to the
   * primary and expires the cookie with {@code Max-Age=-1}.
   */
  private SessionCookies addStickyRoutes(Canary canary, SessionAffinity affinity, TrafficSplit split,
      SessionCookies cookies, Map<String, Object> weighted, List<Object> http) {
    CanaryService service = canary.spec().service();
    if (split.canaryWeight() > 0) {
      String canaryCookie = cookies.canary() != null && cookies.canary().startsWith(
          affinity.cookieName() + "=") ? cookies.canary() : affinity.cookieName() + "=" + cookieValues.get();
      String primaryCookie = null;
      setCookieOnDestination(weighted, canaryName(canary),
          canaryCookie + "; Max-Age=" + affinity.maxAge());
      http.add(httpRoute(canary, MatchConditions.merge(List.of(cookieMatch(canaryCookie)), service.match()),
          List.of(destination(canary, primaryName(canary), 0), destination(canary, canaryName(canary), 100))));
      if (affinity.primaryCookieName() != null) {
        primaryCookie = cookies.primary() != null && cookies.primary().startsWith(
            affinity.primaryCookieName() + "=")
            ? cookies.primary() : affinity.primaryCookieName() + "=" + cookieValues.get();
        long intervalSeconds = canary.spec().analysis().interval().getSeconds();
        setCookieOnDestination(weighted, primaryName(canary),
            primaryCookie + "; Max-Age=" + intervalSeconds);
        http.add(httpRoute(canary, MatchConditions.merge(List.of(cookieMatch(primaryCookie)), service.match()),
            List.of(destination(canary, primaryName(canary), 100), destination(canary, canaryName(canary), 0))));
      }
      return new SessionCookies(canaryCookie, primaryCookie, cookies.previous());
    }
    String previous = cookies.canary() != null ? cookies.canary() : cookies.previous();
    if (previous != null) {
      Map<String, Object> expiring = httpRoute(canary,
          MatchConditions.merge(List.of(cookieMatch(previous)), service.match()),
          weightedDestinations(canary, split));
      Map<String, Object> headers = JsonTrees.copyOfMap(service.headers());
      addResponseHeader(headers, SET_COOKIE_HEADER, previous + "; Max-Age=-1");
      expiring.put("headers", headers);
      http.add(expiring);
    }
    return new SessionCookies(null, null, previous);
  }

  /** Matches requests whose {@code cookie} header carries {@code name=value}. */
  private static HttpMatch cookieMatch(String cookie) {
    int eq = cookie.indexOf('=');
    String name = cookie.substring(0, eq);
    String value = cookie.substring(eq + 1);
    String regex = ".*" + MatchConditions.quoteRegex(name) + ".*" + MatchConditions.quoteRegex(value) + ".*";
    return HttpMatch.headers(Map.of(COOKIE_HEADER, StringMatch.regex(regex)));
  }

  @SuppressWarnings("unchecked")
  private static void setCookieOnDestination(Map<String, Object> route, String host, String cookie) {
    for (Object item : (List<Object>) route.get("route")) {
      Map<String, Object> destination = (Map<String, Object>) item;
      if (host.equals(JsonTrees.string(destination.get("destination"), "host"))) {
        Map<String, Object> headers = new LinkedHashMap<>();
        addResponseHeader(headers, SET_COOKIE_HEADER, cookie);
        destination.put("headers", headers);
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static void addResponseHeader(Map<String, Object> headers, String name, String value) {
    Map<String, Object> response = (Map<String, Object>) headers.computeIfAbsent("response",
        k -> new LinkedHashMap<String, Object>());
    Map<String, Object> add = (Map<String, Object>) response.computeIfAbsent("add",
        k -> new LinkedHashMap<String, Object>());
    add.put(name, value);
  }

  private static Map<String, Object> httpRoute(
      Canary canary, List<HttpMatch> match, List<Object> destinations) {
    CanaryService service = canary.spec().service();
    Map<String, Object> route = new LinkedHashMap<>();
    if (!match.isEmpty()) {
      route.put("match", MatchConditions.toIstio(match));
    }
    if (!service.rewrite().isEmpty()) {
      route.put("rewrite", JsonTrees.copyOfMap(service.rewrite()));
    }
    if (service.timeout() != null) {
      route.put("timeout", service.timeout());
    }
    if (!service.retries().isEmpty()) {
      route.put("retries", JsonTrees.copyOfMap(service.retries()));
    }
    if (!service.corsPolicy().isEmpty()) {
      route.put("corsPolicy", JsonTrees.copyOfMap(service.corsPolicy()));
    }
    if (!service.headers().isEmpty()) {
      route.put("headers", JsonTrees.copyOfMap(service.headers()));
    }
    route.put("route", destinations);
    return route;
  }

  private static List<Object> weightedDestinations(Canary canary, TrafficSplit split) {
    List<Object> destinations = new ArrayList<>(2);
    destinations.add(destination(canary, primaryName(canary), split.primaryWeight()));
    destinations.add(destination(canary, canaryName(canary), split.canaryWeight()));
    return destinations;
  }

  /**
   * An {@code HTTPRouteDestination}; {@code weight} is always written. With port discovery and an
   * ingress gateway the port is named, as Flagger does, because the host then has several ports.
   */
  private static Map<String, Object> destination(Canary canary, String host, int weight) {
    CanaryService service = canary.spec().service();
    Map<String, Object> target = new LinkedHashMap<>();
    target.put("host", host);
    if (service.portDiscovery() && !service.gateways().isEmpty()
        && !MESH_GATEWAY.equals(service.gateways().get(0))) {
      target.put("port", Map.of("number", service.port()));
    }
    Map<String, Object> destination = new LinkedHashMap<>();
    destination.put("destination", target);
    destination.put("weight", weight);
    return destination;
  }

  private static List<Object> hosts(Canary canary) {
    String apex = apexName(canary);
    List<Object> hosts = new ArrayList<>(canary.spec().service().hosts());
    if (!hosts.contains(apex) && !hosts.contains("*")) {
      hosts.add(apex);
    }
    return hosts;
  }

  private static List<Object> gateways(CanaryService service) {
    return service.gateways().isEmpty()
        ? new ArrayList<>(List.of(MESH_GATEWAY)) : new ArrayList<>(service.gateways());
  }
}
