package io.canaryanalysis.providers.istio;

import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.spec.Canary;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.Objects;
import java.util.Queue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The router contract with informer-backed reads ({@link IstioRouter.Builder#informers}): the
 * same behaviour, once the watch has delivered a change made behind the router's back.
 *
 * <p>The tests share one CRUD mock server for the class (the objects are deleted after each test)
 * instead of the extension's server per test: the mock server's shutdown waits at most 10 s for
 * open connections, and a watch still closing when it stops failed a test now and then. One
 * shutdown per class, after the informers and clients are closed, leaves no watch open.
 */
class IstioRouterInformerContractTest extends IstioRouterContractTest {
  private static KubernetesMockServer shared;
  private static KubernetesClient sharedClient;
  private IstioRouter cached;

  @BeforeAll
  static void startSharedServer() {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    shared = new KubernetesMockServer(new Context(), new MockWebServer(), responses,
        new KubernetesMixedDispatcher(responses), false);
    shared.init(InetAddress.getLoopbackAddress(), 0);
    sharedClient = shared.createClient();
  }

  @AfterAll
  static void stopSharedServer() {
    sharedClient.close();
    shared.destroy();
  }

  /** Every test of the class talks to the shared server (the extension's stays unused). */
  @BeforeEach
  void useSharedServer() {
    server = shared;
    client = sharedClient;
  }

  @Override
  protected TrafficRouter router() {
    if (cached == null) {
      cached = IstioRouter.builder(client).apiVersion("networking.istio.io/" + version())
          .informers(IstioTestSupport.NAMESPACE).build();
    }
    return cached;
  }

  /** Stops this test's informers, then deletes what it stored, so the next test starts empty. */
  @AfterEach
  void stopInformersAndDeleteObjects() {
    if (cached != null) {
      cached.close();
    }
    for (String kind : List.of("VirtualService", "DestinationRule")) {
      client.genericKubernetesResources(IstioTestSupport.context(version(), kind))
          .inNamespace(IstioTestSupport.NAMESPACE).delete();
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
