package io.canaryanalysis.providers.traefik;

import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.routers.contract.TrafficRouterContract;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.List;
import java.util.Map;

/** The shared router contract against fabric8's mock API server in CRUD mode. */
@EnableKubernetesMockClient(crud = true)
class TraefikRouterContractTest extends TrafficRouterContract {
  private static final TraefikRouter.ApiGroup GROUP = TraefikRouter.ApiGroup.TRAEFIK_IO;

  KubernetesMockServer server;
  KubernetesClient client;

  @Override
  protected TrafficRouter router() {
    return TraefikRouter.create(client);
  }

  @Override
  protected Canary canary() {
    return Fixtures.canary();
  }

  @Override
  protected Object writeFingerprint(Canary canary) {
    GenericKubernetesResource stored = Fixtures.stored(client, GROUP);
    return stored == null ? "absent" : stored.getMetadata().getResourceVersion();
  }

  @Override
  @SuppressWarnings("unchecked")
  protected void editRoutingObjectsBehindRoutersBack(Canary canary) {
    GenericKubernetesResource stored = Fixtures.stored(client, GROUP);
    Map<String, Object> weighted = (Map<String, Object>) ((Map<String, Object>) stored
        .getAdditionalProperties().get("spec")).get("weighted");
    for (Object entry : (List<Object>) weighted.get("services")) {
      ((Map<String, Object>) entry).put("port", 8080);
    }
    weighted.put("sticky", Map.of("cookie", Map.of("name", "someone-else")));
    stored.getMetadata().getLabels().put("edited-by", "someone-else");
    client.genericKubernetesResources(Fixtures.context(GROUP)).inNamespace(Fixtures.NAMESPACE)
        .resource(stored).update();
  }

  @Override
  protected void deleteRoutingObjects(Canary canary) {
    client.genericKubernetesResources(Fixtures.context(GROUP)).inNamespace(Fixtures.NAMESPACE)
        .withName(Fixtures.SERVICE).delete();
  }

  @Override
  protected void failNextWriteWithConflict(Canary canary) {
    server.expect().put().withPath(Fixtures.path(GROUP))
        .andReturn(409, Fixtures.conflictStatus()).once();
  }
}
