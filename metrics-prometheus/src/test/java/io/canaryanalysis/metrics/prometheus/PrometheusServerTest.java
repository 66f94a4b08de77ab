package io.canaryanalysis.metrics.prometheus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The test harness itself: it fails loudly without the binary and always stops the server. */
class PrometheusServerTest {

  @Test
  void missingBinaryFailsWithInstallHint() {
    Path missing = Path.of("/nonexistent/prometheus");

    assertThatThrownBy(() -> PrometheusServer.start("# EOF\n", missing, missing))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("apt-get install -y prometheus")
        .hasMessageContaining("/nonexistent/prometheus");
  }

  @Test
  void startsOnLoopbackAndStopsOnClose() {
    PrometheusServer server = PrometheusServer.start(
        "probe_total{job=\"x\"} 1 1700000000\nprobe_total{job=\"x\"} 2 1700000015\n# EOF\n");
    try {
      assertThat(server.baseUrl()).startsWith("http://127.0.0.1:");
      assertThat(server.isRunning()).isTrue();
      assertThat(PrometheusClient.builder(server.baseUrl()).build().isOnline()).isTrue();
    } finally {
      server.close();
    }
    assertThat(server.isRunning()).isFalse();
    assertThat(PrometheusClient.builder(server.baseUrl()).build().isOnline()).isFalse();
  }

  @Test
  void invalidOpenMetricsFailsWithPromtoolOutput() {
    assertThatThrownBy(() -> PrometheusServer.start("this is not openmetrics\n"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("create-blocks-from openmetrics");
  }
}
