package io.canaryanalysis.providers.istio;

import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.routers.contract.TrafficRouterContract;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The shared router contract, against fabric8's mock API server in CRUD mode (v1beta1 objects). */
@EnableKubernetesMockClient(crud = true)
class IstioRouterContractTest extends TrafficRouterContract {
  KubernetesMockServer server;
  KubernetesClient client;
  private IstioRouter router;

  /** The Istio API version under test. */
  String version() {
    return "v1beta1";
  }

  @Override
  protected TrafficRouter router() {
    if (router == null) {
      router = IstioRouter.builder(client).apiVersion("networking.istio.io/" + version()).build();
    }
    return router;
  }

  @Override
  protected Canary canary() {
    return IstioTestSupport.canary();
  }

  @Override
  protected Object writeFingerprint(Canary canary) {
    Map<String, String> versions = new LinkedHashMap<>();
    for (String[] object : objects()) {
      GenericKubernetesResource resource =
          IstioTestSupport.get(client, version(), object[0], object[1]);
      versions.put(object[0] + "/" + object[1],
          resource == null ? null : resource.getMetadata().getResourceVersion());
    }
    return versions;
  }

  @Override
  @SuppressWarnings("unchecked")
  protected void editRoutingObjectsBehindRoutersBack(Canary canary) {
    GenericKubernetesResource vs = IstioTestSupport.virtualService(client, version());
    Map<String, Object> spec = IstioTestSupport.spec(vs);
    spec.put("hosts", new ArrayList<>(List.of("podinfo", "hijacked.example.com")));
    ((Map<String, Object>) ((List<Object>) spec.get("http")).get(0)).put("timeout", "1s");
    client.genericKubernetesResources(IstioTestSupport.context(version(), "VirtualService"))
        .inNamespace(IstioTestSupport.NAMESPACE).resource(vs).update();

    GenericKubernetesResource dr =
        IstioTestSupport.get(client, version(), "DestinationRule", "podinfo-canary");
    IstioTestSupport.spec(dr).put("trafficPolicy", Map.of("loadBalancer", Map.of("simple", "RANDOM")));
    client.genericKubernetesResources(IstioTestSupport.context(version(), "DestinationRule"))
        .inNamespace(IstioTestSupport.NAMESPACE).resource(dr).update();
  }

  @Override
  protected void deleteRoutingObjects(Canary canary) {
    for (String[] object : objects()) {
      client.genericKubernetesResources(IstioTestSupport.context(version(), object[0]))
          .inNamespace(IstioTestSupport.NAMESPACE).withName(object[1]).delete();
    }
  }

  @Override
  protected void failNextWriteWithConflict(Canary canary) {
    server.expect().put()
        .withPath("/apis/networking.istio.io/" + version() + "/namespaces/test/virtualservices/podinfo")
        .andReturn(409, new StatusBuilder()
            .withStatus("Failure")
            .withReason("Conflict")
            .withCode(409)
            .withMessage("Operation cannot be fulfilled on virtualservices.networking.istio.io"
                + " \"podinfo\": the object has been modified; please apply your changes to the"
                + " latest version and try again")
            .build())
        .once();
  }

  private static List<String[]> objects() {
    return List.of(
        new String[] {"VirtualService", "podinfo"},
        new String[] {"DestinationRule", "podinfo-primary"},
        new String[] {"DestinationRule", "podinfo-canary"});
  }
}
