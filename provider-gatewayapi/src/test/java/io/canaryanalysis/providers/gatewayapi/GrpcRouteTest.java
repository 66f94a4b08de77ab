package io.canaryanalysis.providers.gatewayapi;

import static io.canaryanalysis.providers.gatewayapi.GatewayTestSupport.GRPC_ROUTE_V1;
import static io.canaryanalysis.providers.gatewayapi.GatewayTestSupport.assertSchemaValid;
import static io.canaryanalysis.providers.gatewayapi.GatewayTestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.HttpMatch;
import io.canaryanalysis.api.spec.StringMatch;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** GRPCRoutes for gRPC services (Flagger has none: fluxcd/flagger#1935), checked against the official CRD. */
@EnableKubernetesMockClient(crud = true)
class GrpcRouteTest {
  KubernetesMockServer server;
  KubernetesClient client;

  private JsonNode grpcRoute() {
    GenericKubernetesResource route = client.genericKubernetesResources(
            GatewayTestSupport.context("v1", "GRPCRoute", "grpcroutes"))
        .inNamespace("test").withName("podinfo").get();
    JsonNode tree = GatewayTestSupport.tree(route);
    assertSchemaValid(GRPC_ROUTE_V1, tree);
    return tree;
  }

  private static Canary grpcCanary(Analysis analysis) {
    return GatewayTestSupport.canary(GatewayTestSupport.spec(GatewayTestSupport.service()
            .appProtocol("grpc")
            .match(List.of(new HttpMatch(StringMatch.exact("/grpc.health.v1.Health/Check"), null, null,
                null, Map.of(), Map.of(), Map.of())))
            .headers(Map.of("request", Map.of("set", Map.of("x-route", "grpc"))))
            .build())
        .analysis(analysis).build());
  }

  @Test
  void appProtocolGrpcGetsAGrpcRouteWithMethodMatches() {
    Canary canary = grpcCanary(null);
    GatewayApiRouter router = GatewayTestSupport.router(client, "v1beta1");
    router.reconcile(canary);
    router.setRoutes(canary, TrafficSplit.canary(25));

    JsonNode route = grpcRoute();
    assertThat(route.get("apiVersion")).as("GRPCRoute is v1 only").isEqualTo(json("\"gateway.networking.k8s.io/v1\""));
    assertThat(route.get("kind")).isEqualTo(json("\"GRPCRoute\""));
    assertThat(route.at("/spec/rules")).isEqualTo(json("""
        [{"matches": [{"method": {"type": "Exact", "service": "grpc.health.v1.Health", "method": "Check"}}],
          "filters": [{"type": "RequestHeaderModifier", "requestHeaderModifier": {"set": [{"name": "x-route", "value": "grpc"}]}}],
          "backendRefs": [
            {"group": "", "kind": "Service", "name": "podinfo-primary", "port": 9898, "weight": 75},
            {"group": "", "kind": "Service", "name": "podinfo-canary", "port": 9898, "weight": 25}]}]
        """));
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.canary(25));
    assertThat(GatewayTestSupport.httpRoute(client, "v1beta1", "podinfo")).as("no HTTPRoute").isNull();
  }

  @Test
  void abTestingOnAGrpcRouteMatchesHeaders() {
    Canary canary = grpcCanary(Analysis.builder().iterations(5)
        .match(List.of(HttpMatch.headers(Map.of("x-canary", StringMatch.exact("insider"))))).build());
    GatewayApiRouter router = GatewayTestSupport.router(client, "v1");
    router.reconcile(canary);
    router.setRoutes(canary, TrafficSplit.ALL_CANARY);

    assertThat(grpcRoute().at("/spec/rules/0/matches")).isEqualTo(json("""
        [{"method": {"type": "Exact", "service": "grpc.health.v1.Health", "method": "Check"},
          "headers": [{"name": "x-canary", "type": "Exact", "value": "insider"}]}]
        """));
    assertThat(grpcRoute().at("/spec/rules/1/backendRefs")).isEqualTo(json(
        "[{\"group\": \"\", \"kind\": \"Service\", \"name\": \"podinfo-primary\", \"port\": 9898, \"weight\": 100}]"));
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.ALL_CANARY);
  }

  @Test
  void theAnnotationChoosesTheKindOverAppProtocol() {
    Canary http = GatewayTestSupport.canary(GatewayTestSupport.spec(
        GatewayTestSupport.service().appProtocol("grpc").build()).build(),
        Map.of(GatewayApiRouter.ROUTE_KIND_ANNOTATION, "HTTPRoute"));
    Canary grpc = GatewayTestSupport.canary(GatewayTestSupport.spec(
        GatewayTestSupport.service().appProtocol("kubernetes.io/h2c").build()).build(),
        Map.of(GatewayApiRouter.ROUTE_KIND_ANNOTATION, "GRPCRoute"));
    Canary h2c = GatewayTestSupport.canary(GatewayTestSupport.spec(
        GatewayTestSupport.service().appProtocol("kubernetes.io/h2c").build()).build());

    assertThat(RouteKind.of(http)).isEqualTo(RouteKind.HTTP_ROUTE);
    assertThat(RouteKind.of(grpc)).isEqualTo(RouteKind.GRPC_ROUTE);
    assertThat(RouteKind.of(h2c)).as("h2c is not taken as gRPC").isEqualTo(RouteKind.HTTP_ROUTE);
  }

  @Test
  void whatAGrpcRouteCannotExpressIsRefused() {
    Canary canary = GatewayTestSupport.canary(GatewayTestSupport.spec(GatewayTestSupport.service()
        .appProtocol("grpc").timeout("5s").rewrite(Map.of("uri", "/x"))
        .match(List.of(new HttpMatch(StringMatch.regex("/grpc.*"), StringMatch.exact("GET"), null, null,
            Map.of(), Map.of("q", StringMatch.exact("1")), Map.of())))
        .build()).build());

    assertThat(GatewaySpecValidator.validate(canary)).extracting(SpecProblem::path).containsExactly(
        "spec.service.match[0].queryParams", "spec.service.match[0].method", "spec.service.match[0].uri",
        "spec.service.timeout", "spec.service.rewrite");
  }
}
