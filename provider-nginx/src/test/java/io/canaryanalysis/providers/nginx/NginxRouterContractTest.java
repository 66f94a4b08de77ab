package io.canaryanalysis.providers.nginx;

import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.routers.contract.TrafficRouterContract;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.Map;
import java.util.TreeMap;

/** The shared router contract against the default configuration (weights out of 100). */
@EnableKubernetesMockClient(crud = true)
class NginxRouterContractTest extends TrafficRouterContract {
  KubernetesMockServer server;
  KubernetesClient client;

  private TrafficRouter router;

  /** The router under test; subclasses configure other options. */
  NginxRouter.Builder configure(NginxRouter.Builder builder) {
    return builder;
  }

  /** The Ingresses the router owns in this configuration. */
  String[] ownedIngresses() {
    return new String[] {"podinfo-canary"};
  }

  @Override
  protected TrafficRouter router() {
    if (router == null) {
      router = configure(NginxRouter.builder(client)).build();
    }
    return router;
  }

  @Override
  protected Canary canary() {
    if (Fixtures.get(client, "podinfo") == null) {
      Fixtures.createUserIngress(client);
    }
    return Fixtures.weightedCanary();
  }

  @Override
  protected Object writeFingerprint(Canary canary) {
    Map<String, String> versions = new TreeMap<>();
    for (String name : ownedIngresses()) {
      Ingress ingress = Fixtures.get(client, name);
      versions.put(name, ingress == null ? "absent" : ingress.getMetadata().getResourceVersion());
    }
    return versions;
  }

  @Override
  protected void editRoutingObjectsBehindRoutersBack(Canary canary) {
    for (String name : ownedIngresses()) {
      Ingress current = Fixtures.get(client, name);
      Ingress edited = new IngressBuilder(current)
          .editMetadata().addToAnnotations("example.com/edited-by", "someone").endMetadata()
          .editSpec().withIngressClassName("other").endSpec()
          .build();
      client.network().v1().ingresses().inNamespace(Fixtures.NAMESPACE).resource(edited).update();
    }
  }

  @Override
  protected void deleteRoutingObjects(Canary canary) {
    for (String name : ownedIngresses()) {
      client.network().v1().ingresses().inNamespace(Fixtures.NAMESPACE).withName(name).delete();
    }
  }

  @Override
  protected void failNextWriteWithConflict(Canary canary) {
    Fixtures.failNextPut(server, "podinfo-canary", 1);
  }

  /**
   * For NGINX the spec that reaches the routing objects is the user's Ingress: a new annotation
   * and a new path there must reach the clone without touching the split.
   */
  @Override
  protected Canary withUnrelatedSpecChange(Canary canary) {
    Ingress source = Fixtures.get(client, "podinfo");
    Ingress changed = new IngressBuilder(source)
        .editMetadata().addToAnnotations(Fixtures.PREFIX + "/proxy-read-timeout", "30").endMetadata()
        .editSpec().editFirstRule().editHttp()
        .addToPaths(Fixtures.path("/v2", "podinfo", 9898))
        .endHttp().endRule().endSpec()
        .build();
    client.network().v1().ingresses().inNamespace(Fixtures.NAMESPACE).resource(changed).update();
    return canary;
  }
}
