package io.canaryanalysis.providers.traefik;

import static io.canaryanalysis.providers.traefik.Fixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.providers.traefik.TraefikRouter.ApiGroup;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.Test;

/**
 * The exact TraefikService objects the router writes, read back from the API server as raw JSON.
 *
 * <p>Shapes and JSON types follow the CRD Traefik publishes, traefik/traefik
 * {@code docs/content/reference/dynamic-configuration/traefik.io_traefikservices.yaml}
 * (group {@code traefik.io}, version {@code v1alpha1}, kind {@code TraefikService}; under
 * {@code spec.weighted.services[]}: {@code name} string (required), {@code namespace} string,
 * {@code port} int-or-string, {@code weight} integer with {@code minimum: 0}) and its Traefik v2
 * twin {@code traefik.containo.us_traefikservices.yaml} (group {@code traefik.containo.us}, same
 * fields, {@code weight} integer).
 *
 * <p>Zero weights, from Traefik's sources: the CRD provider
 * ({@code pkg/provider/kubernetes/crd/kubernetes_http.go}, {@code buildServicesLB}) replaces an
 * absent weight with 1 but passes an explicit 0 through, and the weighted round robin
 * ({@code pkg/server/service/loadbalancer/wrr/wrr.go}, {@code Add}/{@code AddService}) skips any
 * child whose weight is not positive, in v2 and v3. An explicit {@code weight: 0} therefore gets no
 * traffic, where Flagger's omitted zero gets weight 1.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class TraefikServiceObjectTest {
  KubernetesMockServer server;
  KubernetesClient client;

  @Test
  void aNewObjectRoutesEverythingToThePrimaryWithApexMetadataAndOwnerReference() {
    TraefikRouter.create(client).reconcile(Fixtures.canary());

    JsonNode object = Fixtures.wireObject(server, ApiGroup.TRAEFIK_IO);
    assertThat(object.get("apiVersion")).isEqualTo(json("\"traefik.io/v1alpha1\""));
    assertThat(object.get("kind")).isEqualTo(json("\"TraefikService\""));
    assertThat(object.at("/metadata/name")).isEqualTo(json("\"podinfo\""));
    assertThat(object.at("/metadata/namespace")).isEqualTo(json("\"test\""));
    assertThat(object.at("/metadata/labels"))
        .as("apex labels without Flux keys")
        .isEqualTo(json("{\"app.kubernetes.io/name\": \"podinfo\"}"));
    assertThat(object.at("/metadata/annotations"))
        .as("apex annotations without Flux keys")
        .isEqualTo(json("{\"example.com/team\": \"payments\"}"));
    assertThat(object.at("/metadata/ownerReferences")).isEqualTo(json("""
        [{"apiVersion": "flagger.app/v1beta1", "kind": "Canary", "name": "podinfo",
          "uid": "%s", "controller": true, "blockOwnerDeletion": true}]
        """.formatted(Fixtures.UID)));
    assertThat(object.get("spec")).isEqualTo(json("""
        {"weighted": {"services": [
          {"name": "podinfo-primary", "namespace": "test", "port": 9898, "weight": 100}
        ]}}
        """));
    assertTypes(object);
  }

  @Test
  void anInFlightSplitListsBothServicesWithIntegerWeights() {
    TraefikRouter router = TraefikRouter.create(client);
    router.reconcile(Fixtures.canary());

    router.setRoutes(Fixtures.canary(), TrafficSplit.canary(5));

    JsonNode object = Fixtures.wireObject(server, ApiGroup.TRAEFIK_IO);
    assertThat(object.get("spec")).isEqualTo(json("""
        {"weighted": {"services": [
          {"name": "podinfo-primary", "namespace": "test", "port": 9898, "weight": 95},
          {"name": "podinfo-canary", "namespace": "test", "port": 9898, "weight": 5}
        ]}}
        """));
    assertTypes(object);
  }

  @Test
  void canaryWeightZeroLeavesTheCanaryEntryOut() {
    TraefikRouter router = TraefikRouter.create(client);
    router.reconcile(Fixtures.canary());
    router.setRoutes(Fixtures.canary(), TrafficSplit.canary(40));

    router.setRoutes(Fixtures.canary(), TrafficSplit.ALL_PRIMARY);

    JsonNode object = Fixtures.wireObject(server, ApiGroup.TRAEFIK_IO);
    assertThat(object.get("spec")).isEqualTo(json("""
        {"weighted": {"services": [
          {"name": "podinfo-primary", "namespace": "test", "port": 9898, "weight": 100}
        ]}}
        """));
    assertThat(router.getRoutes(Fixtures.canary())).isEqualTo(new TrafficSplit(100, 0, false));
  }

  @Test
  void primaryWeightZeroKeepsThePrimaryEntryWithAnExplicitZero() {
    TraefikRouter router = TraefikRouter.create(client);
    router.reconcile(Fixtures.canary());

    router.setRoutes(Fixtures.canary(), TrafficSplit.ALL_CANARY);

    JsonNode object = Fixtures.wireObject(server, ApiGroup.TRAEFIK_IO);
    assertThat(object.get("spec")).isEqualTo(json("""
        {"weighted": {"services": [
          {"name": "podinfo-primary", "namespace": "test", "port": 9898, "weight": 0},
          {"name": "podinfo-canary", "namespace": "test", "port": 9898, "weight": 100}
        ]}}
        """));
    JsonNode primaryWeight = object.at("/spec/weighted/services/0/weight");
    assertThat(primaryWeight.isInt()).as("weight 0 is written, not omitted").isTrue();
    assertThat(router.getRoutes(Fixtures.canary())).isEqualTo(new TrafficSplit(0, 100, false));
  }

  @Test
  void theTraefikV2GroupIsUsedWhenConfigured() {
    TraefikRouter router = TraefikRouter.builder(client)
        .apiGroup(ApiGroup.TRAEFIK_CONTAINO_US)
        .build();
    router.reconcile(Fixtures.canary());
    router.setRoutes(Fixtures.canary(), TrafficSplit.canary(20));

    JsonNode object = Fixtures.wireObject(server, ApiGroup.TRAEFIK_CONTAINO_US);
    assertThat(object.get("apiVersion")).isEqualTo(json("\"traefik.containo.us/v1alpha1\""));
    assertThat(object.get("kind")).isEqualTo(json("\"TraefikService\""));
    assertThat(object.get("spec")).isEqualTo(json("""
        {"weighted": {"services": [
          {"name": "podinfo-primary", "namespace": "test", "port": 9898, "weight": 80},
          {"name": "podinfo-canary", "namespace": "test", "port": 9898, "weight": 20}
        ]}}
        """));
    assertTypes(object);
    assertThat(Fixtures.stored(client, ApiGroup.TRAEFIK_IO))
        .as("nothing is written under traefik.io")
        .isNull();
    assertThat(router.getRoutes(Fixtures.canary())).isEqualTo(TrafficSplit.canary(20));
  }

  @Test
  void aCanaryWithoutUidGetsNoOwnerReference() {
    TraefikRouter.create(client).reconcile(Fixtures.canaryWithoutUid());

    JsonNode object = Fixtures.wireObject(server, ApiGroup.TRAEFIK_IO);
    assertThat(object.at("/metadata/ownerReferences").isMissingNode()).isTrue();
  }

  @Test
  void theServiceNameComesFromServiceNameWhenSet() {
    Canary canary = Fixtures.canary();
    Canary renamed = canary.withSpec(canary.spec().toBuilder()
        .service(canary.spec().service().toBuilder().name("frontend").build())
        .build());

    TraefikRouter.create(client).reconcile(renamed);

    var stored = client.genericKubernetesResources(Fixtures.context(ApiGroup.TRAEFIK_IO))
        .inNamespace(Fixtures.NAMESPACE).withName("frontend").get();
    assertThat(stored).isNotNull();
    assertThat(client.getKubernetesSerialization().asJson(stored.getAdditionalProperties()
        .get("spec"))).contains("\"name\":\"frontend-primary\"");
  }

  /** JSON types the CRD schema requires, checked on every service entry. */
  private static void assertTypes(JsonNode object) {
    JsonNode services = object.at("/spec/weighted/services");
    assertThat(services.isArray()).isTrue();
    for (JsonNode service : services) {
      assertThat(service.get("name").isTextual()).as("name is a string").isTrue();
      assertThat(service.get("namespace").isTextual()).as("namespace is a string").isTrue();
      assertThat(service.get("port").isInt()).as("port is an integer").isTrue();
      assertThat(service.get("weight").isInt()).as("weight is an integer").isTrue();
      assertThat(service.get("weight").intValue()).as("weight minimum 0").isNotNegative();
    }
  }
}
