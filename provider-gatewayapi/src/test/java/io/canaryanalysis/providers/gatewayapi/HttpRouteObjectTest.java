package io.canaryanalysis.providers.gatewayapi;

import static io.canaryanalysis.providers.gatewayapi.GatewayTestSupport.HTTP_ROUTE_V1;
import static io.canaryanalysis.providers.gatewayapi.GatewayTestSupport.HTTP_ROUTE_V1BETA1;
import static io.canaryanalysis.providers.gatewayapi.GatewayTestSupport.assertSchemaValid;
import static io.canaryanalysis.providers.gatewayapi.GatewayTestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.HttpMatch;
import io.canaryanalysis.api.spec.SessionAffinity;
import io.canaryanalysis.api.spec.StringMatch;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The exact HTTPRoutes the router writes, read back whole from the mock API server and checked
 * against the official Gateway API v1.6.1 CRD schema (and its defaults, so a real API server would
 * hand back what was written).
 */
@EnableKubernetesMockClient(crud = true)
class HttpRouteObjectTest {
  KubernetesMockServer server;
  KubernetesClient client;

  private static final String PRIMARY_100 =
      "{\"group\": \"\", \"kind\": \"Service\", \"name\": \"podinfo-primary\", \"port\": 9898, \"weight\": 100}";
  private static final String PARENT = "\"parentRefs\": [{\"group\": \"gateway.networking.k8s.io\","
      + " \"kind\": \"Gateway\", \"namespace\": \"istio-ingress\", \"name\": \"gateway\"}],"
      + " \"hostnames\": [\"www.example.com\"]";

  private JsonNode route(String version) {
    GenericKubernetesResource route = GatewayTestSupport.httpRoute(client, version, "podinfo");
    JsonNode tree = GatewayTestSupport.tree(route);
    assertSchemaValid("v1".equals(version) ? HTTP_ROUTE_V1 : HTTP_ROUTE_V1BETA1, tree);
    return tree;
  }

  private static String backends(int primary, int canary) {
    return "[{\"group\": \"\", \"kind\": \"Service\", \"name\": \"podinfo-primary\", \"port\": 9898, \"weight\": "
        + primary + "}, {\"group\": \"\", \"kind\": \"Service\", \"name\": \"podinfo-canary\", \"port\": 9898,"
        + " \"weight\": " + canary + "}]";
  }

  private static Analysis.Builder analysis() {
    return Analysis.builder().interval(Duration.ofSeconds(15));
  }

  @Test
  void aNewRouteSendsEverythingToThePrimaryWithOwnerAndApexMetadata() {
    GatewayApiRouter router = GatewayTestSupport.router(client, "v1");
    router.reconcile(GatewayTestSupport.canary());

    JsonNode route = route("v1");
    assertThat(route.get("apiVersion")).isEqualTo(json("\"gateway.networking.k8s.io/v1\""));
    assertThat(route.get("kind")).isEqualTo(json("\"HTTPRoute\""));
    assertThat(route.at("/metadata/annotations"))
        .isEqualTo(json("{\"canary-analysis.io/canary\": \"podinfo\"}"));
    assertThat(route.at("/metadata/ownerReferences")).isEqualTo(json("""
        [{"apiVersion": "flagger.app/v1beta1", "kind": "Canary", "name": "podinfo",
          "uid": "%s", "controller": true, "blockOwnerDeletion": true}]
        """.formatted(GatewayTestSupport.UID)));
    assertThat(route.get("spec")).isEqualTo(json("{" + PARENT + ", \"rules\": [{"
        + "\"matches\": [{\"path\": {\"type\": \"PathPrefix\", \"value\": \"/\"}}],"
        + "\"backendRefs\": " + backends(100, 0) + "}]}"));
  }

  @Test
  void v1beta1RoutesHaveTheSameShape() {
    GatewayApiRouter router = GatewayTestSupport.router(client, "v1beta1");
    router.reconcile(GatewayTestSupport.canary());
    router.setRoutes(GatewayTestSupport.canary(), TrafficSplit.canary(5));

    JsonNode route = route("v1beta1");
    assertThat(route.get("apiVersion")).isEqualTo(json("\"gateway.networking.k8s.io/v1beta1\""));
    assertThat(route.at("/spec/rules/0/backendRefs")).isEqualTo(json(backends(95, 5)));
    assertThat(router.kind()).isEqualTo("gatewayapi:v1beta1");
    assertThat(GatewayTestSupport.router(client, "v1").kind()).isEqualTo("gatewayapi");
  }

  @Test
  void serviceSettingsBecomeMatchesFiltersAndTimeouts() {
    Canary canary = GatewayTestSupport.canary(GatewayTestSupport.spec(GatewayTestSupport.service()
        .match(List.of(new HttpMatch(StringMatch.prefix("/api"), StringMatch.exact("GET"), null, null,
            Map.of("x-user", StringMatch.exact("bob")), Map.of("debug", StringMatch.regex("t.*")), Map.of())))
        .headers(Map.of(
            "request", Map.of("set", Map.of("x-b", "2", "x-a", "1"), "add", Map.of("x-c", "3"),
                "remove", List.of("x-secret")),
            "response", Map.of("add", Map.of("x-served-by", "canary-analysis"))))
        .rewrite(Map.of("uri", "/v2", "type", "ReplacePrefixMatch", "authority", "backend.example.com"))
        .timeout("30s")
        .backendTimeout("10s")
        .corsPolicy(Map.of("allowOrigin", List.of("https://example.com"),
            "allowOrigins", List.of(Map.of("exact", "https://other.example.com")),
            "allowMethods", List.of("GET", "POST"), "allowHeaders", List.of("x-custom"),
            "exposeHeaders", List.of("x-trace"), "allowCredentials", true, "maxAge", "24h"))
        .build()).build());
    GatewayApiRouter router = GatewayTestSupport.router(client, "v1");
    router.reconcile(canary);
    router.setRoutes(canary, TrafficSplit.canary(10));

    assertThat(route("v1").get("spec")).isEqualTo(json("{" + PARENT + ", \"rules\": [{"
        + """
          "matches": [{"path": {"type": "PathPrefix", "value": "/api"},
                       "headers": [{"name": "x-user", "type": "Exact", "value": "bob"}],
                       "queryParams": [{"name": "debug", "type": "RegularExpression", "value": "t.*"}],
                       "method": "GET"}],
          "filters": [
            {"type": "RequestHeaderModifier", "requestHeaderModifier": {
               "set": [{"name": "x-a", "value": "1"}, {"name": "x-b", "value": "2"}],
               "add": [{"name": "x-c", "value": "3"}],
               "remove": ["x-secret"]}},
            {"type": "ResponseHeaderModifier", "responseHeaderModifier": {
               "add": [{"name": "x-served-by", "value": "canary-analysis"}]}},
            {"type": "URLRewrite", "urlRewrite": {"hostname": "backend.example.com",
               "path": {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/v2"}}},
            {"type": "CORS", "cors": {
               "allowOrigins": ["https://example.com", "https://other.example.com"],
               "allowMethods": ["GET", "POST"], "allowHeaders": ["x-custom"],
               "exposeHeaders": ["x-trace"], "allowCredentials": true, "maxAge": 86400}}],
          "backendRefs": %s,
          "timeouts": {"request": "30s", "backendRequest": "10s"}}]}
        """.formatted(backends(90, 10))));
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.canary(10));
  }

  @Test
  void abTestingRoutesMatchedRequestsToTheCanaryAndTheRestToThePrimary() {
    Canary canary = GatewayTestSupport.canary(GatewayTestSupport.spec(GatewayTestSupport.service().build())
        .analysis(analysis().iterations(10).match(List.of(
            HttpMatch.headers(Map.of("x-canary", StringMatch.exact("insider"))),
            HttpMatch.headers(Map.of("cookie", StringMatch.regex("^(.*?;)?(canary=always)(;.*)?$")))))
            .build())
        .build());
    GatewayApiRouter router = GatewayTestSupport.router(client, "v1");
    router.reconcile(canary);
    router.setRoutes(canary, TrafficSplit.ALL_CANARY);

    assertThat(route("v1").at("/spec/rules")).isEqualTo(json("""
        [{"matches": [
            {"path": {"type": "PathPrefix", "value": "/"},
             "headers": [{"name": "x-canary", "type": "Exact", "value": "insider"}]},
            {"path": {"type": "PathPrefix", "value": "/"},
             "headers": [{"name": "cookie", "type": "RegularExpression", "value": "^(.*?;)?(canary=always)(;.*)?$"}]}],
          "backendRefs": %s},
         {"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
          "backendRefs": [%s]}]
        """.formatted(backends(0, 100), PRIMARY_100)));
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.ALL_CANARY);

    router.setRoutes(canary, TrafficSplit.ALL_PRIMARY);
    assertThat(route("v1").at("/spec/rules/0/backendRefs")).isEqualTo(json(backends(100, 0)));
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.ALL_PRIMARY);
  }

  @Test
  void mirroringAddsARequestMirrorFilterWithThePercent() {
    Canary canary = GatewayTestSupport.canary(GatewayTestSupport.spec(GatewayTestSupport.service().build())
        .analysis(analysis().iterations(5).mirror(true).mirrorWeight(50).build()).build());
    GatewayApiRouter router = GatewayTestSupport.router(client, "v1");
    router.reconcile(canary);
    TrafficSplit mirrored = new TrafficSplit(100, 0, true);
    router.setRoutes(canary, mirrored);

    assertThat(route("v1").at("/spec/rules/0")).isEqualTo(json("""
        {"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
         "backendRefs": %s,
         "filters": [{"type": "RequestMirror", "requestMirror": {
           "backendRef": {"group": "", "kind": "Service", "name": "podinfo-canary", "port": 9898},
           "percent": 50}}]}
        """.formatted(backends(100, 0))));
    assertThat(router.getRoutes(canary)).isEqualTo(mirrored);

    router.setRoutes(canary, TrafficSplit.ALL_CANARY);
    assertThat(route("v1").at("/spec/rules/0/filters").isMissingNode()).isTrue();
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.ALL_CANARY);
  }

  @Test
  void sessionAffinityPinsUsersToTheCanaryAndExpiresTheCookieAfterTheRun() {
    Canary canary = GatewayTestSupport.canary(GatewayTestSupport.spec(GatewayTestSupport.service().build())
        .analysis(analysis().stepWeight(10).maxWeight(50)
            .sessionAffinity(new SessionAffinity("canary-flagger-cookie", "primary-flagger-cookie", 0))
            .build())
        .build());
    GatewayApiRouter router = GatewayTestSupport.router(client, "v1");
    router.reconcile(canary);
    router.setRoutes(canary, TrafficSplit.canary(10));

    JsonNode route = route("v1");
    assertThat(route.at("/spec/rules")).isEqualTo(json("""
        [{"matches": [{"path": {"type": "PathPrefix", "value": "/"},
            "headers": [{"name": "Cookie", "type": "RegularExpression", "value": ".*canary-flagger-cookie.*cookie1.*"}]}],
          "backendRefs": %s},
         {"matches": [{"path": {"type": "PathPrefix", "value": "/"},
            "headers": [{"name": "Cookie", "type": "RegularExpression", "value": ".*primary-flagger-cookie.*cookie2.*"}]}],
          "backendRefs": %s},
         {"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
          "backendRefs": [
            {"group": "", "kind": "Service", "name": "podinfo-primary", "port": 9898, "weight": 90,
             "filters": [{"type": "ResponseHeaderModifier", "responseHeaderModifier": {"add": [
               {"name": "Set-Cookie", "value": "primary-flagger-cookie=cookie2; Max-Age=15"}]}}]},
            {"group": "", "kind": "Service", "name": "podinfo-canary", "port": 9898, "weight": 10,
             "filters": [{"type": "ResponseHeaderModifier", "responseHeaderModifier": {"add": [
               {"name": "Set-Cookie", "value": "canary-flagger-cookie=cookie1; Max-Age=86400"}]}}]}]}]
        """.formatted(backends(0, 100), backends(100, 0))));
    assertThat(route.at("/metadata/annotations/canary-analysis.io~1session-affinity-cookie"))
        .isEqualTo(json("\"canary-flagger-cookie=cookie1\""));
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.canary(10));

    String version = route.at("/metadata/resourceVersion").asText();
    router.setRoutes(canary, TrafficSplit.canary(10));
    assertThat(route("v1").at("/metadata/resourceVersion").asText())
        .as("the same split with the same cookies writes nothing").isEqualTo(version);
    router.setRoutes(canary, TrafficSplit.canary(20));
    assertThat(route("v1").at("/spec/rules/0/matches/0/headers/0/value").asText())
        .as("the cookie stays for the whole run").isEqualTo(".*canary-flagger-cookie.*cookie1.*");

    router.setRoutes(canary, TrafficSplit.ALL_PRIMARY);
    route = route("v1");
    assertThat(route.at("/spec/rules")).isEqualTo(json("""
        [{"matches": [{"path": {"type": "PathPrefix", "value": "/"},
            "headers": [{"name": "Cookie", "type": "RegularExpression", "value": ".*canary-flagger-cookie.*cookie1.*"}]}],
          "backendRefs": %1$s,
          "filters": [{"type": "ResponseHeaderModifier", "responseHeaderModifier": {"add": [
            {"name": "Set-Cookie", "value": "canary-flagger-cookie=cookie1; Max-Age=-1"}]}}]},
         {"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
          "backendRefs": %1$s}]
        """.formatted(backends(100, 0))));
    assertThat(route.at("/metadata/annotations/canary-analysis.io~1previous-session-affinity-cookie"))
        .isEqualTo(json("\"canary-flagger-cookie=cookie1\""));
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.ALL_PRIMARY);
  }

  @Test
  void aUsersRouteIsTakenOverAndRestoredOnFinalize() {
    // As a real API server stores it: with the CRD's defaults filled in.
    Map<String, Object> userSpec = Map.of(
        "parentRefs", List.of(Map.of("name", "public", "group", "gateway.networking.k8s.io", "kind", "Gateway")),
        "rules", List.of(Map.of(
            "matches", List.of(Map.of("path", Map.of("type", "PathPrefix", "value", "/"))),
            "backendRefs", List.of(Map.of("group", "", "kind", "Service", "name", "podinfo",
                "port", 9898, "weight", 1)))));
    GenericKubernetesResource user = new GenericKubernetesResource();
    user.setApiVersion("gateway.networking.k8s.io/v1");
    user.setKind("HTTPRoute");
    user.setMetadata(new ObjectMetaBuilder().withName("podinfo").withNamespace("test")
        .withAnnotations(Map.of("team", "web")).build());
    user.setAdditionalProperty("spec", userSpec);
    client.genericKubernetesResources(GatewayTestSupport.httpRoutes("v1")).inNamespace("test")
        .resource(user).create();
    GatewayApiRouter router = GatewayTestSupport.router(client, "v1");
    Canary canary = GatewayTestSupport.canary();

    router.reconcile(canary);
    router.setRoutes(canary, TrafficSplit.canary(30));
    JsonNode taken = route("v1");
    assertThat(json(taken.at("/metadata/annotations/flagger.kubernetes.io~1original-configuration").asText()))
        .isEqualTo(GatewayTestSupport.JSON.valueToTree(userSpec));
    assertThat(taken.at("/metadata/annotations/team").asText()).isEqualTo("web");
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.canary(30));

    router.finalizeRoutes(canary);
    JsonNode restored = route("v1");
    assertThat(restored.get("spec")).isEqualTo(GatewayTestSupport.JSON.valueToTree(userSpec));
    assertThat(restored.at("/metadata/annotations")).isEqualTo(json("{\"team\": \"web\"}"));
  }

  @Test
  void finalizeOfAGeneratedRouteSendsEverythingToThePrimary() {
    GatewayApiRouter router = GatewayTestSupport.router(client, "v1");
    Canary canary = GatewayTestSupport.canary();
    router.reconcile(canary);
    router.setRoutes(canary, TrafficSplit.canary(70));

    router.finalizeRoutes(canary);

    assertThat(route("v1").at("/spec/rules/0/backendRefs")).isEqualTo(json(backends(100, 0)));
  }

  @Test
  void aRouteRefusedByItsGatewayIsAnErrorNotASplit() {
    GatewayApiRouter router = GatewayTestSupport.router(client, "v1");
    Canary canary = GatewayTestSupport.canary();
    router.reconcile(canary);
    GenericKubernetesResource route = GatewayTestSupport.httpRoute(client, "v1", "podinfo");
    route.setAdditionalProperty("status", Map.of("parents", List.of(Map.of(
        "parentRef", Map.of("name", "gateway", "namespace", "istio-ingress"),
        "controllerName", "istio.io/gateway-controller",
        "conditions", List.of(Map.of("type", "Accepted", "status", "False",
            "reason", "NotAllowedByListeners", "message", "hostname mismatch",
            "observedGeneration", route.getMetadata().getGeneration(),
            "lastTransitionTime", "2026-01-01T00:00:00Z"))))));
    client.genericKubernetesResources(GatewayTestSupport.httpRoutes("v1")).inNamespace("test")
        .resource(route).update();

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> router.getRoutes(canary))
        .isInstanceOf(io.canaryanalysis.api.ProviderException.class)
        .hasMessageContaining("not accepted by parent gateway: NotAllowedByListeners hostname mismatch");
  }
}
