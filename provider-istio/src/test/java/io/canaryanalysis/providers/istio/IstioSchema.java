package io.canaryanalysis.providers.istio;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parts of Istio's published VirtualService and DestinationRule schema that this router
 * writes, with field names and JSON types as Istio defines them, so tests can check written
 * objects field by field.
 *
 * <p>Source: istio/api {@code kubernetes/customresourcedefinitions.gen.yaml} (generated from
 * {@code networking/v1alpha3/virtual_service.proto} and {@code destination_rule.proto}; served
 * unchanged as {@code v1alpha3}, {@code v1beta1} and {@code v1}), read at commit
 * b8f8791d9653b2edc77a071d48887e582cfe84bf:
 * <ul>
 *   <li>VirtualService {@code spec}: {@code hosts}, {@code gateways}, {@code http}, {@code tcp},
 *       {@code tls}, {@code exportTo};
 *   <li>HTTPRoute: {@code name, match, route, redirect, directResponse, delegate, rewrite, timeout
 *       (string), retries, fault, mirror, mirrorPercentage, mirrors, corsPolicy, headers};
 *   <li>HTTPRouteDestination: {@code destination} (required), {@code weight} (integer, int32),
 *       {@code headers}; Destination: {@code host} (required, string), {@code subset},
 *       {@code port.number} (integer);
 *   <li>{@code mirrorPercentage.value}: number (double);
 *   <li>HTTPMatchRequest: {@code name, uri, scheme, method, authority, headers, port, sourceLabels,
 *       gateways, queryParams, ignoreUriCase, withoutHeaders, sourceNamespace, statPrefix};
 *       StringMatch: exactly one of {@code exact}, {@code prefix}, {@code regex} (no suffix);
 *   <li>Headers: {@code request}, {@code response}, each {@code set}/{@code add} (string maps) and
 *       {@code remove} (string array);
 *   <li>TCPRoute: {@code match}, {@code route} ({@code destination}, {@code weight});
 *   <li>DestinationRule {@code spec}: {@code host} (string), {@code trafficPolicy} ({@code
 *       connectionPool, loadBalancer, outlierDetection, portLevelSettings, proxyProtocol,
 *       retryBudget, tls, tunnel}), {@code subsets}, {@code exportTo}, {@code workloadSelector}.
 * </ul>
 */
final class IstioSchema {
  private IstioSchema() {}

  interface Node {}

  record Obj(Map<String, Node> fields, Set<String> required) implements Node {}

  record MapOf(Node values) implements Node {}

  record ArrayOf(Node items) implements Node {}

  /** Istio's StringMatch: an object with exactly one string field out of exact, prefix, regex. */
  record OneStringOf(Set<String> choices) implements Node {}

  enum Leaf implements Node { STRING, INTEGER, NUMBER, BOOLEAN, ANY_OBJECT }

  private static Obj obj(Object... namesAndNodes) {
    Map<String, Node> fields = new LinkedHashMap<>();
    for (int i = 0; i < namesAndNodes.length; i += 2) {
      fields.put((String) namesAndNodes[i], (Node) namesAndNodes[i + 1]);
    }
    return new Obj(fields, Set.of());
  }

  private static final Node STRING_MATCH = new OneStringOf(new java.util.TreeSet<>(Set.of("exact", "prefix", "regex")));
  private static final Node STRINGS = new ArrayOf(Leaf.STRING);
  private static final Node DESTINATION = new Obj(Map.of(
      "host", Leaf.STRING, "subset", Leaf.STRING, "port", obj("number", Leaf.INTEGER)),
      Set.of("host"));
  private static final Node HEADER_OPERATIONS = obj(
      "set", new MapOf(Leaf.STRING), "add", new MapOf(Leaf.STRING), "remove", STRINGS);
  private static final Node HEADERS = obj("request", HEADER_OPERATIONS, "response", HEADER_OPERATIONS);
  private static final Node HTTP_MATCH = obj(
      "name", Leaf.STRING, "uri", STRING_MATCH, "scheme", STRING_MATCH, "method", STRING_MATCH,
      "authority", STRING_MATCH, "headers", new MapOf(STRING_MATCH), "port", Leaf.INTEGER,
      "sourceLabels", new MapOf(Leaf.STRING), "gateways", STRINGS,
      "queryParams", new MapOf(STRING_MATCH), "ignoreUriCase", Leaf.BOOLEAN,
      "withoutHeaders", new MapOf(STRING_MATCH), "sourceNamespace", Leaf.STRING,
      "statPrefix", Leaf.STRING);
  private static final Node HTTP_ROUTE_DESTINATION = new Obj(Map.of(
      "destination", DESTINATION, "weight", Leaf.INTEGER, "headers", HEADERS),
      Set.of("destination"));
  private static final Node HTTP_ROUTE = obj(
      "name", Leaf.STRING,
      "match", new ArrayOf(HTTP_MATCH),
      "route", new ArrayOf(HTTP_ROUTE_DESTINATION),
      "rewrite", obj("uri", Leaf.STRING, "authority", Leaf.STRING, "uriRegexRewrite", Leaf.ANY_OBJECT),
      "timeout", Leaf.STRING,
      "retries", obj("attempts", Leaf.INTEGER, "perTryTimeout", Leaf.STRING, "retryOn", Leaf.STRING,
          "retryRemoteLocalities", Leaf.BOOLEAN, "retryIgnorePreviousHosts", Leaf.BOOLEAN,
          "backoff", Leaf.STRING),
      "mirror", DESTINATION,
      "mirrorPercentage", obj("value", Leaf.NUMBER),
      "corsPolicy", obj("allowOrigins", new ArrayOf(STRING_MATCH), "allowOrigin", STRINGS,
          "allowMethods", STRINGS, "allowHeaders", STRINGS, "exposeHeaders", STRINGS,
          "maxAge", Leaf.STRING, "allowCredentials", Leaf.BOOLEAN,
          "unmatchedPreflights", Leaf.STRING),
      "headers", HEADERS);
  private static final Node TCP_ROUTE = obj(
      "match", new ArrayOf(Leaf.ANY_OBJECT),
      "route", new ArrayOf(new Obj(Map.of("destination", DESTINATION, "weight", Leaf.INTEGER),
          Set.of("destination"))));
  static final Node VIRTUAL_SERVICE_SPEC = obj(
      "hosts", STRINGS, "gateways", STRINGS, "http", new ArrayOf(HTTP_ROUTE),
      "tcp", new ArrayOf(TCP_ROUTE), "tls", new ArrayOf(Leaf.ANY_OBJECT), "exportTo", STRINGS);
  static final Node DESTINATION_RULE_SPEC = obj(
      "host", Leaf.STRING,
      "trafficPolicy", obj("connectionPool", Leaf.ANY_OBJECT, "loadBalancer", Leaf.ANY_OBJECT,
          "outlierDetection", Leaf.ANY_OBJECT, "portLevelSettings", new ArrayOf(Leaf.ANY_OBJECT),
          "proxyProtocol", Leaf.ANY_OBJECT, "retryBudget", Leaf.ANY_OBJECT, "tls", Leaf.ANY_OBJECT,
          "tunnel", Leaf.ANY_OBJECT),
      "subsets", new ArrayOf(Leaf.ANY_OBJECT), "exportTo", STRINGS,
      "workloadSelector", Leaf.ANY_OBJECT);

  /** Asserts an object read back from the API server is a valid Istio object of this kind. */
  static void assertIstioObject(Map<String, Object> object, String apiVersion, String kind) {
    assertThat(object.get("apiVersion")).isEqualTo(apiVersion);
    assertThat(object.get("kind")).isEqualTo(kind);
    Node spec = kind.equals("VirtualService") ? VIRTUAL_SERVICE_SPEC : DESTINATION_RULE_SPEC;
    List<String> violations = new ArrayList<>();
    check(object.get("spec"), spec, "spec", violations);
    assertThat(violations).as("violations of Istio's %s schema", kind).isEmpty();
  }

  static List<String> violations(Object value, Node node) {
    List<String> violations = new ArrayList<>();
    check(value, node, "spec", violations);
    return violations;
  }

  private static void check(Object value, Node node, String path, List<String> violations) {
    if (node instanceof Leaf leaf) {
      boolean ok = switch (leaf) {
        case STRING -> value instanceof String;
        case INTEGER -> value instanceof Integer || value instanceof Long;
        case NUMBER -> value instanceof Number;
        case BOOLEAN -> value instanceof Boolean;
        case ANY_OBJECT -> value instanceof Map;
      };
      if (!ok) {
        violations.add(path + ": expected " + leaf + ", got " + describe(value));
      }
    } else if (node instanceof ArrayOf array) {
      if (!(value instanceof List<?> list)) {
        violations.add(path + ": expected an array, got " + describe(value));
        return;
      }
      for (int i = 0; i < list.size(); i++) {
        check(list.get(i), array.items(), path + "[" + i + "]", violations);
      }
    } else if (node instanceof MapOf mapOf) {
      if (!(value instanceof Map<?, ?> map)) {
        violations.add(path + ": expected an object, got " + describe(value));
        return;
      }
      map.forEach((k, v) -> check(v, mapOf.values(), path + "." + k, violations));
    } else if (node instanceof OneStringOf oneOf) {
      if (!(value instanceof Map<?, ?> map) || map.size() != 1
          || !oneOf.choices().contains(map.keySet().iterator().next())
          || !(map.values().iterator().next() instanceof String)) {
        violations.add(path + ": expected exactly one of " + oneOf.choices() + " with a string, got "
            + value);
      }
    } else if (node instanceof Obj obj) {
      if (!(value instanceof Map<?, ?> map)) {
        violations.add(path + ": expected an object, got " + describe(value));
        return;
      }
      for (String required : obj.required()) {
        if (!map.containsKey(required)) {
          violations.add(path + ": missing required field " + required);
        }
      }
      map.forEach((k, v) -> {
        Node field = obj.fields().get(String.valueOf(k));
        if (field == null) {
          violations.add(path + ": unknown field " + k);
        } else {
          check(v, field, path + "." + k, violations);
        }
      });
    }
  }

  private static String describe(Object value) {
    return value == null ? "null" : value.getClass().getSimpleName() + " " + value;
  }
}
