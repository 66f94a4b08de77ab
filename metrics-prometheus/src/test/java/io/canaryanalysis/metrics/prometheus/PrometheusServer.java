package io.canaryanalysis.metrics.prometheus;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A real Prometheus server (Debian's {@code prometheus} package) on a free loopback port, serving
 * TSDB blocks built by {@code promtool tsdb create-blocks-from openmetrics} from the given
 * OpenMetrics text. Always stopped by {@link #close()} and, as a backstop, by a JVM shutdown hook.
 */
final class PrometheusServer implements AutoCloseable {
  static final String INSTALL_HINT = "apt-get install -y prometheus";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
  private static final String READY_LINE = "Server is ready to receive web requests";
  private static final int START_ATTEMPTS = 3;

  private final Process process;
  private final Path workDir;
  private final String baseUrl;
  private final Thread shutdownHook;

  private PrometheusServer(Process process, Path workDir, String baseUrl, Thread shutdownHook) {
    this.process = process;
    this.workDir = workDir;
    this.baseUrl = baseUrl;
    this.shutdownHook = shutdownHook;
  }

  /** {@code http://127.0.0.1:<port>} */
  String baseUrl() {
    return baseUrl;
  }

  static Path binary(String name, String envOverride) {
    String override = System.getenv(envOverride);
    if (override != null && !override.isBlank()) {
      return Paths.get(override);
    }
    Path usrBin = Paths.get("/usr/bin", name);
    if (Files.isExecutable(usrBin)) {
      return usrBin;
    }
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(java.io.File.pathSeparator)) {
      Path candidate = Paths.get(dir, name);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return usrBin;
  }

  static PrometheusServer start(String openMetrics) {
    return start(openMetrics, binary("prometheus", "PROMETHEUS_BIN"), binary("promtool", "PROMTOOL_BIN"));
  }

  static PrometheusServer start(String openMetrics, Path prometheus, Path promtool) {
    for (Path bin : List.of(prometheus, promtool)) {
      if (!Files.isExecutable(bin)) {
        throw new IllegalStateException(bin + " not found: these tests need a real Prometheus server."
            + " Install it with `" + INSTALL_HINT + "` (Debian/Ubuntu); CI sets"
            + " CANARY_REQUIRE_PROMETHEUS=true and installs it. Tests are never skipped for this.");
      }
    }
    Path workDir = null;
    try {
      workDir = Files.createTempDirectory("canary-prometheus-");
      Path input = workDir.resolve("series.om.txt");
      Path data = Files.createDirectory(workDir.resolve("data"));
      Files.writeString(input, openMetrics, StandardCharsets.UTF_8);
      run(List.of(promtool.toString(), "tsdb", "create-blocks-from", "openmetrics", "--quiet",
          input.toString(), data.toString()), Duration.ofSeconds(60));
      Path config = workDir.resolve("prometheus.yml");
      Files.writeString(config, "global:\n  scrape_interval: 1m\nscrape_configs: []\n");
      IllegalStateException last = null;
      for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
        try {
          return launch(prometheus, workDir, data, config, freeLoopbackPort());
        } catch (IllegalStateException e) {
          last = e;
        }
      }
      throw last;
    } catch (IOException e) {
      deleteRecursively(workDir);
      throw new UncheckedIOException("cannot prepare the Prometheus data directory", e);
    } catch (RuntimeException e) {
      deleteRecursively(workDir);
      throw e;
    }
  }

  private static PrometheusServer launch(Path prometheus, Path workDir, Path data, Path config, int port)
      throws IOException {
    String address = "127.0.0.1:" + port;
    Process process = new ProcessBuilder(prometheus.toString(),
        "--config.file=" + config,
        "--storage.tsdb.path=" + data,
        "--storage.tsdb.retention.time=100y",
        "--web.listen-address=" + address,
        "--log.level=info")
        .directory(workDir.toFile())
        .redirectErrorStream(true)
        .start();
    Thread hook = new Thread(() -> stop(process), "stop-prometheus-" + port);
    Runtime.getRuntime().addShutdownHook(hook);
    Deque<String> log = new ArrayDeque<>();
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          synchronized (log) {
            log.addLast(line);
            if (log.size() > 100) {
              log.removeFirst();
            }
          }
          if (line.contains(READY_LINE)) {
            ready.complete(null);
          }
        }
      } catch (IOException e) {
        // the stream closes when the process ends
      }
      ready.completeExceptionally(new IllegalStateException("prometheus exited before it was ready"));
    }, "prometheus-log-" + port);
    reader.setDaemon(true);
    reader.start();
    PrometheusServer server = new PrometheusServer(process, workDir, "http://" + address, hook);
    try {
      ready.get(READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      server.checkReadyEndpoint();
      return server;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.stopOnly();
      throw new IllegalStateException("interrupted while waiting for prometheus", e);
    } catch (ExecutionException | TimeoutException | IOException e) {
      server.stopOnly();
      String tail;
      synchronized (log) {
        tail = String.join("\n", log);
      }
      throw new IllegalStateException("prometheus on " + address + " did not become ready within "
          + READY_TIMEOUT.toSeconds() + "s (" + e.getMessage() + "); its log:\n" + tail, e);
    }
  }

  private void checkReadyEndpoint() throws IOException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/-/ready"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IOException("/-/ready answered " + r.statusCode() + ": " + r.body());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  private static void run(List<String> command, Duration timeout) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output;
    try {
      output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not finish in " + timeout);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + String.join(" ", command), e);
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed with exit code "
          + p.exitValue() + ":\n" + output);
    }
  }

  private static void stop(Process process) {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private void stopOnly() {
    stop(process);
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down; the hook runs anyway
    }
  }

  @Override
  public void close() {
    stopOnly();
    deleteRecursively(workDir);
  }

  boolean isRunning() {
    return process.isAlive();
  }

  private static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a leftover temp directory is harmless
    }
  }
}
