package io.canaryanalysis.kubernetes;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.EventType;
import io.canaryanalysis.api.ProviderException;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An API server that accepts connections and never answers: every call ends at the client's
 * request timeout as a retriable {@link ProviderException} (reads) or a logged failure (events),
 * never a hang or an unchecked fabric8 exception.
 */
class ApiServerTimeoutTest {
  private final List<Socket> held = new CopyOnWriteArrayList<>();
  private ServerSocket silent;
  private KubernetesClient client;

  @BeforeEach
  void start() throws IOException {
    silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(() -> {
      try {
        while (true) {
          held.add(silent.accept());
        }
      } catch (IOException e) {
        // closed after the test
      }
    });
    acceptor.setDaemon(true);
    acceptor.start();
    client = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
        .withMasterUrl("http://127.0.0.1:" + silent.getLocalPort())
        .withRequestTimeout(300)
        .withConnectionTimeout(300)
        .withRequestRetryBackoffLimit(0)
        .build()).build();
  }

  @AfterEach
  void stop() throws IOException {
    client.close();
    silent.close();
    for (Socket s : held) {
      s.close();
    }
  }

  @Test
  void aReadThatTimesOutIsARetriableProviderException() {
    ProviderException e = catchThrowableOfType(
        () -> DeploymentWorkload.create(client).observe(Fixtures.canary()), ProviderException.class);

    assertThat(e.retriable()).isTrue();
    assertThat(e.getMessage()).contains("deployment podinfo.test");
  }

  @Test
  void anEventWriteThatTimesOutIsLoggedNotThrown() {
    assertThatCode(() -> KubernetesEventSink.create(client).event(new CanaryEvent("podinfo",
        Fixtures.NAMESPACE, EventType.NORMAL, null, "Advance podinfo.test canary weight 10",
        Instant.parse("2024-05-01T10:00:00Z")))).doesNotThrowAnyException();
  }
}
