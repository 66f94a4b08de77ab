package io.canaryanalysis.kubernetes;

import static io.canaryanalysis.kubernetes.Fixtures.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.MetricBackend;
import io.canaryanalysis.api.MetricProvider;
import io.canaryanalysis.api.MetricQuery;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.core.AnalysisEngine;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A dropped watch: the controller's client reaches the mock API server through a TCP proxy that
 * cuts every connection (the informers' watches included) and refuses new ones for a while. A new
 * revision of the target written during the gap starts a run once the informers are back, long
 * before the controller's 10-minute resync, so the gap was reconciled by the re-list, not by luck.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class WatchDropTest {
  private static final String NEW_IMAGE = "ghcr.io/stefanprodan/podinfo:6.0.1";

  KubernetesMockServer server;
  KubernetesClient client;

  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T10:00:00Z"));
  private CuttingProxy proxy;
  private KubernetesClient proxied;
  private KubernetesInformers informers;
  private CanaryController controller;

  @BeforeEach
  void setUp() throws IOException {
    Fixtures.expectCanaryCrd(server);
    Fixtures.createAll(client);
    Fixtures.rolledOut(client, "podinfo");
    Fixtures.storeCanary(client, Fixtures.CANARY_YAML);
    proxy = new CuttingProxy(server.getHostName(), server.getPort());
    proxied = new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration())
        .withMasterUrl("http://127.0.0.1:" + proxy.port())
        .withWatchReconnectInterval(100).withWatchReconnectLimit(-1)
        .withRequestRetryBackoffLimit(0).build()).build();
    informers = KubernetesInformers.builder(proxied).namespace(NAMESPACE).resync(Duration.ofMinutes(10)).start();
  }

  @AfterEach
  void tearDown() {
    if (controller != null) {
      controller.close();
    }
    informers.close();
    proxied.close();
    proxy.close();
  }

  @Test
  void aChangeMadeWhileTheWatchWasDownTicksTheCanaryOnceItIsBack() {
    MetricProvider provider = new MetricProvider() {
      @Override
      public MetricResult query(MetricQuery query) {
        return MetricResult.value(99.9);
      }

      @Override
      public boolean isOnline() {
        return true;
      }
    };
    AnalysisEngine engine = AnalysisEngine.builder()
        .router(new InMemoryRouter())
        .statusStore(CanaryResources.create(proxied, informers))
        .workload(DeploymentWorkload.builder(proxied).informers(informers).build())
        .metrics(new MetricBackend(provider, (name, kind) -> Optional.of("sum(up)"), null))
        .clock((InstantSource) now::get)
        .build();
    controller = CanaryController.builder(proxied, engine).namespace(NAMESPACE).informers(informers)
        .workers(1).resyncInterval(Duration.ofMinutes(10)).build();
    controller.reconcile(NAMESPACE, "podinfo");
    now.set(now.get().plus(Duration.ofMinutes(1)));
    Fixtures.rolledOut(client, "podinfo-primary");
    await(() -> informers.get(io.fabric8.kubernetes.api.model.apps.Deployment.class, NAMESPACE,
        "podinfo-primary").getStatus() != null, "the cache has the rolled-out primary");
    controller.reconcile(NAMESPACE, "podinfo");
    await(() -> storedPhase() == CanaryPhase.INITIALIZED, "the canary is initialized");
    controller.start();
    sleep(500); // the resync's first round: nothing due
    now.set(now.get().plus(Duration.ofMinutes(5)));
    await(informers::isWatching, "every informer watches");

    proxy.cut(true);
    await(() -> !informers.isWatching(), "the informers noticed the dropped watches");
    Fixtures.edit(client, "podinfo", d -> d.getSpec().getTemplate().getSpec().getContainers().get(0)
        .setImage(NEW_IMAGE));
    sleep(300);
    assertThat(storedPhase()).as("nothing reached the controller during the gap").isEqualTo(CanaryPhase.INITIALIZED);
    proxy.cut(false);

    await(informers::isWatching, "the watches are re-established");
    await(() -> storedPhase() == CanaryPhase.PROGRESSING, "the change made during the gap started a run");
    assertThat(proxy.accepted()).as("the informers reconnected").isGreaterThan(proxy.acceptedAtCut());
  }

  private CanaryPhase storedPhase() {
    return CanaryResources.create(client).read(NAMESPACE, "podinfo").orElseThrow().status().phase();
  }

  private static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      sleep(20);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A loopback TCP proxy that can cut every open connection and refuse new ones until restored. */
  static final class CuttingProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final String host;
    private final int targetPort;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile boolean cut;
    private volatile int accepted;
    private volatile int acceptedAtCut;
    private final Thread acceptor;

    CuttingProxy(String host, int targetPort) throws IOException {
      this.host = host;
      this.targetPort = targetPort;
      this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      this.acceptor = new Thread(this::accept, "cutting-proxy");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return listener.getLocalPort();
    }

    int accepted() {
      return accepted;
    }

    int acceptedAtCut() {
      return acceptedAtCut;
    }

    /** Cuts every connection and refuses new ones ({@code true}), or accepts them again. */
    void cut(boolean on) {
      if (on) {
        acceptedAtCut = accepted;
        cut = true;
        for (Socket socket : open) {
          closeQuietly(socket);
        }
        open.clear();
      } else {
        cut = false;
      }
    }

    private void accept() {
      while (!listener.isClosed()) {
        Socket downstream;
        try {
          downstream = listener.accept();
        } catch (IOException e) {
          return;
        }
        if (cut) {
          closeQuietly(downstream);
          continue;
        }
        try {
          Socket upstream = new Socket(host, targetPort);
          open.add(downstream);
          open.add(upstream);
          accepted++;
          pump(downstream, upstream);
          pump(upstream, downstream);
        } catch (IOException e) {
          closeQuietly(downstream);
        }
      }
    }

    private void pump(Socket from, Socket to) {
      Thread t = new Thread(() -> {
        byte[] buffer = new byte[8192];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
          for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            out.write(buffer, 0, n);
            out.flush();
          }
        } catch (IOException e) {
          // cut or closed
        } finally {
          closeQuietly(from);
          closeQuietly(to);
          open.remove(from);
          open.remove(to);
        }
      }, "cutting-proxy-pump");
      t.setDaemon(true);
      t.start();
    }

    private static void closeQuietly(Socket socket) {
      try {
        socket.close();
      } catch (IOException e) {
        // already closed
      }
    }

    @Override
    public void close() {
      try {
        listener.close();
      } catch (IOException e) {
        // already closed
      }
      for (Socket socket : open) {
        closeQuietly(socket);
      }
    }
  }
}
