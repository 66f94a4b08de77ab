package io.canaryanalysis.providers.gatewayapi;

import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.routers.contract.TrafficRouterContract;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;

/** The shared router contract for a gRPC service (GRPCRoute {@code v1}), every route schema-checked. */
@EnableKubernetesMockClient(crud = true)
class GrpcRouteContractTest extends TrafficRouterContract {
  KubernetesMockServer server;
  KubernetesClient client;
  private GatewayApiRouter router;

  private static final ResourceDefinitionContext GRPC_ROUTES =
      GatewayTestSupport.context("v1", "GRPCRoute", "grpcroutes");

  private GenericKubernetesResource route() {
    return client.genericKubernetesResources(GRPC_ROUTES).inNamespace("test").withName("podinfo").get();
  }

  @Override
  protected TrafficRouter router() {
    if (router == null) {
      router = GatewayTestSupport.router(client, "v1");
    }
    return router;
  }

  @Override
  protected Canary canary() {
    return GatewayTestSupport.canary(GatewayTestSupport.spec(
        GatewayTestSupport.service().appProtocol("grpc").build()).build());
  }

  @Override
  protected Object writeFingerprint(Canary canary) {
    GenericKubernetesResource route = route();
    return route == null ? null : route.getMetadata().getResourceVersion();
  }

  @Override
  @SuppressWarnings("unchecked")
  protected void editRoutingObjectsBehindRoutersBack(Canary canary) {
    GenericKubernetesResource route = route();
    Map<String, Object> spec = (Map<String, Object>) route.getAdditionalProperties().get("spec");
    spec.put("hostnames", new ArrayList<>(List.of("hijacked.example.com")));
    client.genericKubernetesResources(GRPC_ROUTES).inNamespace("test").resource(route).update();
  }

  @Override
  protected void deleteRoutingObjects(Canary canary) {
    client.genericKubernetesResources(GRPC_ROUTES).inNamespace("test").withName("podinfo").delete();
  }

  @Override
  protected void failNextWriteWithConflict(Canary canary) {
    server.expect().put()
        .withPath("/apis/gateway.networking.k8s.io/v1/namespaces/test/grpcroutes/podinfo")
        .andReturn(409, new StatusBuilder().withStatus("Failure").withReason("Conflict").withCode(409)
            .withMessage("Operation cannot be fulfilled on grpcroutes.gateway.networking.k8s.io"
                + " \"podinfo\": the object has been modified")
            .build())
        .once();
  }

  @AfterEach
  void writtenRouteIsSchemaValid() {
    GenericKubernetesResource route = route();
    if (route != null) {
      GatewayTestSupport.assertSchemaValid(GatewayTestSupport.GRPC_ROUTE_V1, GatewayTestSupport.tree(route));
    }
  }
}
