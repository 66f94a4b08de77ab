package io.canaryanalysis.providers.gatewayapi;

import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.routers.contract.TrafficRouterContract;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;

/**
 * The shared router contract against fabric8's mock API server in CRUD mode ({@code v1}
 * HTTPRoutes); after each test the route is checked against the official CRD schema.
 */
@EnableKubernetesMockClient(crud = true)
class GatewayApiRouterContractTest extends TrafficRouterContract {
  KubernetesMockServer server;
  KubernetesClient client;
  private GatewayApiRouter router;

  String version() {
    return "v1";
  }

  @Override
  protected TrafficRouter router() {
    if (router == null) {
      router = GatewayTestSupport.router(client, version());
    }
    return router;
  }

  @Override
  protected Canary canary() {
    return GatewayTestSupport.canary();
  }

  @Override
  protected Object writeFingerprint(Canary canary) {
    GenericKubernetesResource route = GatewayTestSupport.httpRoute(client, version(), "podinfo");
    return route == null ? null : route.getMetadata().getResourceVersion();
  }

  @Override
  @SuppressWarnings("unchecked")
  protected void editRoutingObjectsBehindRoutersBack(Canary canary) {
    GenericKubernetesResource route = GatewayTestSupport.httpRoute(client, version(), "podinfo");
    Map<String, Object> spec = (Map<String, Object>) route.getAdditionalProperties().get("spec");
    spec.put("hostnames", new ArrayList<>(List.of("hijacked.example.com")));
    ((Map<String, Object>) ((List<Object>) spec.get("rules")).get(0))
        .put("timeouts", Map.of("request", "1s"));
    client.genericKubernetesResources(GatewayTestSupport.httpRoutes(version()))
        .inNamespace(GatewayTestSupport.NAMESPACE).resource(route).update();
  }

  @Override
  protected void deleteRoutingObjects(Canary canary) {
    client.genericKubernetesResources(GatewayTestSupport.httpRoutes(version()))
        .inNamespace(GatewayTestSupport.NAMESPACE).withName("podinfo").delete();
  }

  @Override
  protected void failNextWriteWithConflict(Canary canary) {
    server.expect().put()
        .withPath("/apis/gateway.networking.k8s.io/" + version()
            + "/namespaces/test/httproutes/podinfo")
        .andReturn(409, new StatusBuilder().withStatus("Failure").withReason("Conflict")
            .withCode(409)
            .withMessage("Operation cannot be fulfilled on httproutes.gateway.networking.k8s.io"
                + " \"podinfo\": the object has been modified; please apply your changes to the"
                + " latest version and try again")
            .build())
        .once();
  }

  @AfterEach
  void writtenRouteIsSchemaValid() {
    GenericKubernetesResource route = GatewayTestSupport.httpRoute(client, version(), "podinfo");
    if (route != null) {
      GatewayTestSupport.assertSchemaValid(
          "v1".equals(version()) ? GatewayTestSupport.HTTP_ROUTE_V1 : GatewayTestSupport.HTTP_ROUTE_V1BETA1,
          GatewayTestSupport.tree(route));
    }
  }
}
