package io.canaryanalysis.providers.traefik;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.providers.traefik.TraefikRouter.ApiGroup;
import io.canaryanalysis.routers.contract.CrdSchema;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every TraefikService the router writes, at every split of a run and after finalize, is valid
 * against Traefik's published CRD ({@code crds/SOURCES.md}: traefik.io v3.7.9 and
 * traefik.containo.us v2.11.53) and unchanged by its defaults. Unknown fields and type errors fail.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class TraefikServiceCrdSchemaTest {
  KubernetesMockServer server;
  KubernetesClient client;

  private static CrdSchema schema(ApiGroup group) {
    return CrdSchema.load(group == ApiGroup.TRAEFIK_IO
        ? "crds/traefik.io_traefikservices.yaml" : "crds/traefik.containo.us_traefikservices.yaml",
        "v1alpha1");
  }

  @ParameterizedTest
  @EnumSource(ApiGroup.class)
  void everyWrittenObjectIsValidAgainstTheOfficialCrd(ApiGroup group) {
    CrdSchema schema = schema(group);
    TraefikRouter router = TraefikRouter.builder(client).apiGroup(group).build();
    Canary canary = Fixtures.canary();
    List<JsonNode> written = new ArrayList<>();

    router.reconcile(canary);
    written.add(Fixtures.wireObject(server, group));
    for (int weight : new int[] {0, 5, 50, 100}) {
      router.setRoutes(canary, TrafficSplit.canary(weight));
      written.add(Fixtures.wireObject(server, group));
    }
    router.finalizeRoutes(canary);
    written.add(Fixtures.wireObject(server, group));

    for (JsonNode object : written) {
      schema.assertValid(object);
      assertThat(schema.withDefaults(object)).isEqualTo(object);
    }
  }

  @ParameterizedTest
  @EnumSource(ApiGroup.class)
  void theCheckCatchesAMisspelledField(ApiGroup group) {
    TraefikRouter.builder(client).apiGroup(group).build().reconcile(Fixtures.canary());
    JsonNode object = Fixtures.wireObject(server, group);
    ((com.fasterxml.jackson.databind.node.ObjectNode) object.at("/spec/weighted/services/0")).put("wieght", 1);

    assertThat(schema(group).violations(object)).isNotEmpty();
  }
}
