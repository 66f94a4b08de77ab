package io.canaryanalysis.kubernetes;

import static io.canaryanalysis.kubernetes.Fixtures.NAMESPACE;

import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.routers.contract.TrafficRouterContract;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The shared router contract for the replica-ratio router, on the mock API server in CRUD mode. */
@EnableKubernetesMockClient(crud = true, https = false,
    kubernetesClientBuilderCustomizer = Fixtures.NoClientRetries.class)
class KubernetesRouterContractTest extends TrafficRouterContract {
  KubernetesMockServer server;
  KubernetesClient client;

  @Override
  protected TrafficRouter router() {
    return KubernetesRouter.create(client);
  }

  /** The podinfo target with the traffic label, and its primary; no Services yet. */
  @Override
  protected Canary canary() {
    Canary canary = Fixtures.canary();
    if (Fixtures.get(client, "podinfo") == null) {
      ReplicaRatioFixtures.createTargetAndPrimary(client, canary);
    }
    return canary;
  }

  private Service apex() {
    return client.services().inNamespace(NAMESPACE).withName("podinfo").get();
  }

  @Override
  protected Object writeFingerprint(Canary canary) {
    Map<String, String> versions = new LinkedHashMap<>();
    Service apex = apex();
    versions.put("service", apex == null ? "absent" : apex.getMetadata().getResourceVersion());
    versions.put("canary", Fixtures.get(client, "podinfo").getMetadata().getResourceVersion());
    versions.put("primary", Fixtures.get(client, "podinfo-primary").getMetadata().getResourceVersion());
    return versions;
  }

  @Override
  protected void editRoutingObjectsBehindRoutersBack(Canary canary) {
    Service apex = apex();
    apex.getSpec().setPorts(List.of(new ServicePortBuilder().withName("http").withPort(8080).build()));
    client.resource(apex).update();
  }

  @Override
  protected void deleteRoutingObjects(Canary canary) {
    client.services().inNamespace(NAMESPACE).withName("podinfo").delete();
  }

  @Override
  protected void failNextWriteWithConflict(Canary canary) {
    server.expect().put().withPath("/api/v1/namespaces/test/services/podinfo")
        .andReturn(409, Fixtures.status(409, "Conflict")).once();
    server.expect().put().withPath("/apis/apps/v1/namespaces/test/deployments/podinfo")
        .andReturn(409, Fixtures.status(409, "Conflict")).once();
  }
}
