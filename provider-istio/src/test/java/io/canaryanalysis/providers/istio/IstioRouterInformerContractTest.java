package io.canaryanalysis.providers.istio;

import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.spec.Canary;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.Objects;
import org.junit.jupiter.api.AfterEach;

/**
 * The router contract with informer-backed reads ({@link IstioRouter.Builder#informers}): the
 * same behaviour, once the watch has delivered a change made behind the router's back.
 */
class IstioRouterInformerContractTest extends IstioRouterContractTest {
  private IstioRouter cached;
  /**
   * The informers' own client, closed after them: the mock server's shutdown waits (10 s at most)
   * for open connections, and a watch that is still closing on a busy machine would fail the test.
   */
  private KubernetesClient informerClient;

  @Override
  protected TrafficRouter router() {
    if (cached == null) {
      informerClient = server.createClient();
      cached = IstioRouter.builder(informerClient).apiVersion("networking.istio.io/" + version())
          .informers(IstioTestSupport.NAMESPACE).build();
    }
    return cached;
  }

  @AfterEach
  void stopInformers() {
    if (cached != null) {
      cached.close();
      informerClient.close();
    }
  }

  @Override
  protected void editRoutingObjectsBehindRoutersBack(Canary canary) {
    super.editRoutingObjectsBehindRoutersBack(canary);
    awaitCacheSees("VirtualService", "podinfo");
    awaitCacheSees("DestinationRule", "podinfo-canary");
  }

  @Override
  protected void deleteRoutingObjects(Canary canary) {
    super.deleteRoutingObjects(canary);
    awaitCacheSees("VirtualService", "podinfo");
    awaitCacheSees("DestinationRule", "podinfo-primary");
    awaitCacheSees("DestinationRule", "podinfo-canary");
  }

  /** Waits until the router's cache holds the stored version (or absence) of the object. */
  private void awaitCacheSees(String kind, String name) {
    router();
    ResourceDefinitionContext context = "VirtualService".equals(kind)
        ? cached.objects().virtualServices() : cached.objects().destinationRules();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < deadline) {
      GenericKubernetesResource stored = IstioTestSupport.get(client, version(), kind, name);
      GenericKubernetesResource seen = cached.cache().get(context, IstioTestSupport.NAMESPACE, name);
      String want = stored == null ? null : stored.getMetadata().getResourceVersion();
      String got = seen == null ? null : seen.getMetadata().getResourceVersion();
      if (Objects.equals(want, got)) {
        return;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("the informer never saw " + kind + " " + name);
  }
}
