package io.canaryanalysis.examples.demo;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A real Prometheus server (the {@code prometheus} binary on PATH) on a free loopback port,
 * scraping the simulator every second into a throw-away data directory.
 */
final class PrometheusProcess implements AutoCloseable {
  static final Duration SCRAPE_INTERVAL = Duration.ofSeconds(1);
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  private final Process process;
  private final Path workDir;
  private final String url;

  private PrometheusProcess(Process process, Path workDir, String url) {
    this.process = process;
    this.workDir = workDir;
    this.url = url;
  }

  /** The {@code prometheus} executable on PATH, if any. */
  static Optional<Path> onPath() {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, "prometheus");
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** Starts it scraping {@code target} ({@code host:port}) and waits until it is ready and has scraped once. */
  static PrometheusProcess start(Path binary, String target) throws IOException {
    Path workDir = Files.createTempDirectory("canary-demo-prometheus");
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path config = workDir.resolve("prometheus.yml");
    Files.writeString(config, """
        global:
          scrape_interval: %ds
          evaluation_interval: %ds
        scrape_configs:
          - job_name: simulated-proxy
            static_configs:
              - targets: ['%s']
        """.formatted(SCRAPE_INTERVAL.toSeconds(), SCRAPE_INTERVAL.toSeconds(), target));
    String address = "127.0.0.1:" + port;
    Process process = new ProcessBuilder(binary.toString(), "--config.file=" + config,
        "--storage.tsdb.path=" + workDir.resolve("data"), "--web.listen-address=" + address,
        "--log.level=warn")
        .directory(workDir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(workDir.resolve("prometheus.log").toFile())
        .start();
    PrometheusProcess prometheus = new PrometheusProcess(process, workDir, "http://" + address);
    try {
      prometheus.awaitFirstScrape();
      return prometheus;
    } catch (IOException | RuntimeException e) {
      prometheus.close();
      throw e;
    }
  }

  String url() {
    return url;
  }

  private void awaitFirstScrape() throws IOException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("prometheus exited with code " + process.exitValue() + ": " + log());
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/api/v1/query?query=up"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        last = r.statusCode() + " " + r.body();
        if (r.statusCode() == 200 && r.body().contains("\"1\"]")) {
          return;
        }
      } catch (IOException e) {
        last = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for prometheus", e);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for prometheus", e);
      }
    }
    throw new IOException("prometheus on " + url + " did not scrape the simulator within "
        + READY_TIMEOUT.toSeconds() + "s (last answer: " + last + "); its log: " + log());
  }

  private String log() {
    try {
      String log = Files.readString(workDir.resolve("prometheus.log"));
      return log.length() > 2000 ? log.substring(log.length() - 2000) : log;
    } catch (IOException e) {
      return "(no log)";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try (Stream<Path> files = Files.walk(workDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temp directory left behind is harmless
    }
  }
}
