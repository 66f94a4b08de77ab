package io.canaryanalysis.examples.demo;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** The simulated proxy's {@code /metrics} on a loopback port, in Prometheus text format 0.0.4. */
final class MetricsEndpoint implements AutoCloseable {
  private final HttpServer server;

  private MetricsEndpoint(HttpServer server) {
    this.server = server;
  }

  static MetricsEndpoint start(DemoProvider provider, DemoTarget target, TrafficSimulator traffic) {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
      server.createContext("/metrics", exchange -> {
        byte[] body = exposition(provider, target, traffic).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      });
      server.start();
      return new MetricsEndpoint(server);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the simulator's metrics port", e);
    }
  }

  static String exposition(DemoProvider provider, DemoTarget target, TrafficSimulator traffic) {
    StringBuilder out = new StringBuilder(8192);
    provider.series().write(target, traffic, out);
    return out.toString();
  }

  /** {@code host:port} for a scrape config. */
  String address() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
