package io.canaryanalysis.providers.gatewayapi;

import static io.canaryanalysis.providers.gatewayapi.GatewayTestSupport.HTTP_ROUTE_V1;
import static io.canaryanalysis.providers.gatewayapi.GatewayTestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bring-your-own route: the user's HTTPRoute (GitOps-owned) keeps every rule, filter and field;
 * only the weights of the canary's backendRefs change, by a JSON Patch tested against the
 * resourceVersion it was computed from.
 */
@EnableKubernetesMockClient(crud = true)
class OwnRouteTest {
  KubernetesMockServer server;
  KubernetesClient client;

  /** The user's route as the API server stores it (defaults filled in). */
  private static final String USER_ROUTE = """
      {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
       "metadata": {"name": "shop", "namespace": "test", "labels": {"kustomize.toolkit.fluxcd.io/name": "apps"}},
       "spec": {
         "parentRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "public", "sectionName": "https"}],
         "hostnames": ["shop.example.com"],
         "rules": [
           {"matches": [{"path": {"type": "PathPrefix", "value": "/static"}}],
            "backendRefs": [{"group": "", "kind": "Service", "name": "cdn", "port": 80, "weight": 1}]},
           {"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
            "filters": [{"type": "RequestHeaderModifier", "requestHeaderModifier": {"set": [{"name": "x-env", "value": "prod"}]}}],
            "backendRefs": [{"group": "", "kind": "Service", "name": "podinfo-primary", "port": 9898, "weight": 1}],
            "timeouts": {"request": "20s"}}]}}
      """;

  private GatewayApiRouter router;
  private Canary canary;

  @BeforeEach
  void userRoute() throws Exception {
    GenericKubernetesResource route =
        GatewayTestSupport.JSON.readValue(USER_ROUTE, GenericKubernetesResource.class);
    client.genericKubernetesResources(GatewayTestSupport.httpRoutes("v1")).inNamespace("test")
        .resource(route).create();
    router = GatewayTestSupport.router(client, "v1");
    canary = GatewayTestSupport.canary(GatewayTestSupport.spec(CanaryService.ofPort(9898)).build(),
        Map.of(GatewayApiRouter.HTTP_ROUTE_ANNOTATION, "shop"));
  }

  private JsonNode route() {
    JsonNode tree = GatewayTestSupport.tree(GatewayTestSupport.httpRoute(client, "v1", "shop"));
    GatewayTestSupport.assertSchemaValid(HTTP_ROUTE_V1, tree);
    return tree;
  }

  /** The user's route with only the weights of rule 1 changed (and the canary backendRef added). */
  private static JsonNode expected(int primary, int canary) {
    ObjectNode spec = (ObjectNode) json(USER_ROUTE).get("spec").deepCopy();
    ArrayNode refs = (ArrayNode) spec.at("/rules/1/backendRefs");
    ((ObjectNode) refs.get(0)).put("weight", primary);
    refs.add(json("{\"group\": \"\", \"kind\": \"Service\", \"name\": \"podinfo-canary\", \"port\": 9898, \"weight\": "
        + canary + "}"));
    return spec;
  }

  @Test
  void reconcileAddsTheCanaryBackendAtWeightZeroAndTouchesNothingElse() {
    router.reconcile(canary);

    JsonNode route = route();
    assertThat(route.get("spec")).isEqualTo(expected(1, 0));
    assertThat(route.at("/metadata/labels")).isEqualTo(json("{\"kustomize.toolkit.fluxcd.io/name\": \"apps\"}"));
    assertThat(route.at("/metadata/annotations").isMissingNode()).isTrue();
    assertThat(route.at("/metadata/ownerReferences").isMissingNode()).isTrue();
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.ALL_PRIMARY);
  }

  @Test
  void weightsArePatchedInPlaceAndRoundTrip() {
    router.reconcile(canary);
    for (int weight : new int[] {10, 50, 100, 0}) {
      router.setRoutes(canary, TrafficSplit.canary(weight));
      assertThat(route().get("spec")).isEqualTo(expected(100 - weight, weight));
      assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.canary(weight));
    }
    String version = route().at("/metadata/resourceVersion").asText();
    router.setRoutes(canary, TrafficSplit.canary(0));
    assertThat(route().at("/metadata/resourceVersion").asText()).as("no write when applied").isEqualTo(version);
  }

  @Test
  void aPatchComputedFromAStaleReadFailsAndIsRetriedOnAFreshRead() {
    router.reconcile(canary);
    server.expect().patch()
        .withPath("/apis/gateway.networking.k8s.io/v1/namespaces/test/httproutes/shop")
        .andReturn(422, new StatusBuilder().withStatus("Failure").withReason("Invalid").withCode(422)
            .withMessage("the server rejected our request: test operation failed").build())
        .once();

    router.setRoutes(canary, TrafficSplit.canary(20));

    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.canary(20));
    assertThat(route().get("spec")).isEqualTo(expected(80, 20));
  }

  @Test
  void theResourceVersionTestGuardsThePatch() {
    router.reconcile(canary);
    GenericKubernetesResource stale = GatewayTestSupport.httpRoute(client, "v1", "shop");
    GenericKubernetesResource edited = GatewayTestSupport.httpRoute(client, "v1", "shop");
    edited.getMetadata().setLabels(Map.of("edited", "yes"));
    client.genericKubernetesResources(GatewayTestSupport.httpRoutes("v1")).inNamespace("test")
        .resource(edited).update();

    String patch = "[{\"op\": \"test\", \"path\": \"/metadata/resourceVersion\", \"value\": \""
        + stale.getMetadata().getResourceVersion() + "\"},"
        + "{\"op\": \"add\", \"path\": \"/spec/rules/1/backendRefs/0/weight\", \"value\": 5}]";
    // fabric8's mock cannot answer a failed test operation (the request fails without an HTTP
    // status, code -1) where a real API server answers 422, which the router retries (see the
    // test above); what matters here is that the stale patch is not applied. No client retries
    // and a short timeout keep the test fast.
    try (KubernetesClient noRetries = new io.fabric8.kubernetes.client.KubernetesClientBuilder()
        .withConfig(new io.fabric8.kubernetes.client.ConfigBuilder(client.getConfiguration())
            .withRequestRetryBackoffLimit(0).withRequestTimeout(2_000).build()).build()) {
      assertThatThrownBy(() -> noRetries.genericKubernetesResources(GatewayTestSupport.httpRoutes("v1"))
          .inNamespace("test").withName("shop")
          .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
              io.fabric8.kubernetes.client.dsl.base.PatchType.JSON), patch))
          .isInstanceOf(io.fabric8.kubernetes.client.KubernetesClientException.class);
    }
    assertThat(route().at("/spec/rules/1/backendRefs/0/weight").asInt()).isEqualTo(1);
  }

  @Test
  void finalizeSendsEverythingToThePrimaryAndKeepsTheRoute() {
    router.reconcile(canary);
    router.setRoutes(canary, TrafficSplit.canary(40));

    router.finalizeRoutes(canary);

    assertThat(route().get("spec")).isEqualTo(expected(100, 0));
  }

  @Test
  void aRouteWithoutThePrimaryBackendIsAClearError() {
    Canary other = GatewayTestSupport.canary(GatewayTestSupport.spec(
        CanaryService.builder().port(9898).name("cart").build()).build(),
        Map.of(GatewayApiRouter.HTTP_ROUTE_ANNOTATION, "shop"));

    assertThatThrownBy(() -> router.reconcile(other)).isInstanceOf(ProviderException.class)
        .hasMessageContaining("has no backendRef to cart-primary");
  }

  @Test
  void whatNeedsAGeneratedRouteIsRefused() {
    Canary ab = canary.withSpec(canary.spec().toBuilder().analysis(Analysis.builder()
        .iterations(3).mirror(true)
        .match(java.util.List.of(io.canaryanalysis.api.spec.HttpMatch.headers(
            Map.of("x", io.canaryanalysis.api.spec.StringMatch.exact("1"))))).build()).build());

    assertThat(router.validate(ab)).extracting(SpecProblem::path)
        .containsExactly("spec.analysis.match", "spec.analysis.mirror");
    assertThatThrownBy(() -> router.setRoutes(canary, new TrafficSplit(100, 0, true)))
        .isInstanceOf(ProviderException.class).hasMessageContaining("mirroring");
  }
}
