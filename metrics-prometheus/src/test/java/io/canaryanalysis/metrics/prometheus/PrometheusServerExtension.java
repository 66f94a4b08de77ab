package io.canaryanalysis.metrics.prometheus;

import java.util.Objects;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a real Prometheus for a test class (register it as a static {@code @RegisterExtension}
 * field) and stops it after the class, whatever the outcome. Fails, never skips, when the
 * binary is missing.
 */
final class PrometheusServerExtension implements BeforeAllCallback, AfterAllCallback {
  private final Supplier<String> openMetrics;
  private PrometheusServer server;

  PrometheusServerExtension(Supplier<String> openMetrics) {
    this.openMetrics = Objects.requireNonNull(openMetrics, "openMetrics");
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    server = PrometheusServer.start(openMetrics.get());
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (server != null) {
      server.close();
      server = null;
    }
  }

  String baseUrl() {
    if (server == null) {
      throw new IllegalStateException("Prometheus is not running (beforeAll failed or has not run)");
    }
    return server.baseUrl();
  }

  PrometheusClient.Builder clientBuilder() {
    return PrometheusClient.builder(baseUrl());
  }
}
