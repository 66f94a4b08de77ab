package io.canaryanalysis.examples.bench;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.util.HashMap;

/**
 * fabric8's mock API server in CRUD mode ({@link IndexedCrudDispatcher}) in a JVM of its own, for
 * {@link ControllerScaleBenchmark}: creates N canaries (a Deployment, its ConfigMap and the Canary
 * each), plays the Deployment controller (every Deployment whose rollout is not reported complete
 * is marked rolled out), prints {@code READY <port>} and serves until its standard input closes.
 * Usage: {@code ScaleApiServer <canaries>}.
 */
public final class ScaleApiServer {
  private ScaleApiServer() {}

  public static void main(String[] args) throws Exception {
    ControllerRequestBenchmark.QUIET_MOCK_SERVER.setLevel(java.util.logging.Level.WARNING);
    // The mock server replays every stored object to a new watch on its one event loop, which
    // vert.x reports as a blocked thread: expected here, and not this benchmark's to fix.
    System.setProperty("org.slf4j.simpleLogger.log.io.vertx.core.impl.BlockedThreadChecker", "off");
    int n = Integer.parseInt(args[0]);
    KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(),
        new HashMap<>(), IndexedCrudDispatcher.create(), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    ControllerRequestBenchmark.expectCrds(server);
    long start = System.nanoTime();
    try (KubernetesClient client = server.createClient()) {
      for (int i = 0; i < n; i++) {
        ControllerRequestBenchmark.create(client, i);
      }
      System.err.printf("created %d canaries in %.1f s%n", n, (System.nanoTime() - start) / 1e9);
      SharedIndexInformer<Deployment> deploymentController = client.apps().deployments()
          .inNamespace(ControllerRequestBenchmark.NAMESPACE).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Deployment deployment) {
              ControllerRequestBenchmark.rollOut(client, deployment);
            }

            @Override
            public void onUpdate(Deployment before, Deployment after) {
              ControllerRequestBenchmark.rollOut(client, after);
            }

            @Override
            public void onDelete(Deployment deployment, boolean unknownFinalState) {}
          });
      System.out.println("READY " + server.getPort());
      System.out.flush();
      while (System.in.read() >= 0) {
        // serve until the benchmark closes our standard input
      }
      deploymentController.close();
    } finally {
      server.destroy();
    }
  }
}
