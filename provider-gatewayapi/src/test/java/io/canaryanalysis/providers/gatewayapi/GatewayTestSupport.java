package io.canaryanalysis.providers.gatewayapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.spec.GatewayRef;
import io.canaryanalysis.routers.contract.CrdSchema;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Fixtures shared by the Gateway API tests: the canary, the official schemas, reading objects. */
final class GatewayTestSupport {
  static final String NAMESPACE = "test";
  static final String NAME = "podinfo";
  static final String UID = "0b1c7e0a-5f43-4f5e-9d57-6a3c2b7e9f11";
  static final ObjectMapper JSON = new ObjectMapper();

  static final CrdSchema HTTP_ROUTE_V1 =
      CrdSchema.load("crds/gateway.networking.k8s.io_httproutes.yaml", "v1");
  static final CrdSchema HTTP_ROUTE_V1BETA1 =
      CrdSchema.load("crds/gateway.networking.k8s.io_httproutes.yaml", "v1beta1");
  static final CrdSchema GRPC_ROUTE_V1 =
      CrdSchema.load("crds/gateway.networking.k8s.io_grpcroutes.yaml", "v1");

  private GatewayTestSupport() {}

  static CanaryService.Builder service() {
    return CanaryService.builder().port(9898)
        .hosts(List.of("www.example.com"))
        .gatewayRefs(List.of(new GatewayRef(null, null, "istio-ingress", "gateway", null, null)));
  }

  static CanarySpec.Builder spec(CanaryService service) {
    return CanarySpec.builder().deployment(NAME).service(service).provider("gatewayapi");
  }

  static Canary canary(CanarySpec spec) {
    return new Canary(NAME, NAMESPACE, UID, Map.of(), Map.of(), spec);
  }

  static Canary canary(CanarySpec spec, Map<String, String> annotations) {
    return new Canary(NAME, NAMESPACE, UID, Map.of(), annotations, spec);
  }

  static Canary canary() {
    return canary(spec(service().build()).build());
  }

  /** A router whose session cookies are {@code cookie1}, {@code cookie2}, ... in order. */
  static GatewayApiRouter router(KubernetesClient client, String version) {
    Deque<String> values = new ArrayDeque<>();
    for (int i = 1; i <= 20; i++) {
      values.add("cookie" + i);
    }
    Supplier<String> cookies = values::removeFirst;
    return new GatewayApiRouter(client, version, cookies);
  }

  static ResourceDefinitionContext context(String version, String kind, String plural) {
    return GatewayObjects.context(version, kind, plural, !kind.equals("GatewayClass"));
  }

  static ResourceDefinitionContext httpRoutes(String version) {
    return context(version, "HTTPRoute", "httproutes");
  }

  static GenericKubernetesResource httpRoute(KubernetesClient client, String version, String name) {
    return client.genericKubernetesResources(httpRoutes(version)).inNamespace(NAMESPACE)
        .withName(name).get();
  }

  /** The object as the API server returns it, as a JSON tree. */
  static JsonNode tree(GenericKubernetesResource resource) {
    return json(io.fabric8.kubernetes.client.utils.Serialization.asJson(resource));
  }

  static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /**
   * Asserts the object is valid against the official CRD schema and equals its defaulted form
   * (so a real API server would hand back what was written).
   */
  static void assertSchemaValid(CrdSchema schema, JsonNode object) {
    schema.assertValid(object);
    assertThat(schema.withDefaults(object)).as("object unchanged by the CRD's defaults").isEqualTo(object);
  }

  /** Creates a Gateway {@code namespace/name} of class {@code className} served by {@code controllerName}. */
  static void gateway(KubernetesClient client, String namespace, String name, String className,
      String controllerName) {
    GenericKubernetesResource gatewayClass = new GenericKubernetesResource();
    gatewayClass.setApiVersion("gateway.networking.k8s.io/v1");
    gatewayClass.setKind("GatewayClass");
    gatewayClass.setMetadata(new ObjectMetaBuilder().withName(className).build());
    gatewayClass.setAdditionalProperty("spec", Map.of("controllerName", controllerName));
    client.genericKubernetesResources(context("v1", "GatewayClass", "gatewayclasses"))
        .resource(gatewayClass).createOr(existing -> existing.update());
    GenericKubernetesResource gateway = new GenericKubernetesResource();
    gateway.setApiVersion("gateway.networking.k8s.io/v1");
    gateway.setKind("Gateway");
    gateway.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    gateway.setAdditionalProperty("spec", Map.of("gatewayClassName", className,
        "listeners", List.of(Map.of("name", "http", "port", 80, "protocol", "HTTP"))));
    client.genericKubernetesResources(context("v1", "Gateway", "gateways")).inNamespace(namespace)
        .resource(gateway).createOr(existing -> existing.update());
  }
}
