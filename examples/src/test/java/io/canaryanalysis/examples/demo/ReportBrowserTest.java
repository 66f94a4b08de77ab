package io.canaryanalysis.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report of a real demo run (Traefik, the canary regresses at 30%) opened in a real headless
 * browser (Debian's {@code chromium}, installed by {@code .ci/run}) with no network: its script
 * runs, and the drawn series, thresholds, tick dots and event markers in the resulting DOM match
 * the run's data. A screenshot goes to {@code target/demo-report.png}.
 */
class ReportBrowserTest {
  @TempDir
  Path dir;

  @Test
  void theReportOfARegressionAtThirtyPercentDrawsItsSeriesAndEventsInHeadlessChromium() throws Exception {
    DemoRun run = DemoRun.run(dir.resolve("canary-report.html"), "--provider", "traefik", "--interval", "1s",
        "--json", "--fail-at", "30");
    assertThat(run.exitCode()).as(run.toString()).isZero();
    List<JsonNode> ticks = run.stream("tick");
    assertThat(ticks.get(ticks.size() - 1).path("phase").asText()).isEqualTo("Failed");
    assertThat(ticks.stream().mapToInt(t -> t.path("canaryWeight").asInt()).max().orElseThrow())
        .as("it advanced to the regression's weight, and not far past it").isBetween(30, 40);
    assertThat(run.stream("note")).anySatisfy(n -> assertThat(n.path("message").asText())
        .startsWith("the simulator makes the canary regress at weight 3"));

    String html = Files.readString(run.report(), StandardCharsets.UTF_8);
    assertThat(html).as("self-contained: nothing to fetch").doesNotContain("<link", "src=\"", "href=\"", "@import", "url(");
    JsonNode data = run.reportData();

    String dom = dumpDom(run.report());
    assertThat(dom).contains("data-rendered=\"true\"").contains("id=\"outcome\" class=\"failed\"");
    List<JsonNode> samples = DemoRunTest.list(data.path("samples"));
    assertThat(points(dom, "canary-weight")).isEqualTo(samples.size());
    assertThat(points(dom, "primary-weight")).isEqualTo(samples.size());
    assertThat(points(dom, "canary-success-rate")).isPositive()
        .isEqualTo(count(samples, s -> s.path("canary").path("successRate")));
    assertThat(points(dom, "primary-success-rate")).isEqualTo(count(samples, s -> s.path("primary").path("successRate")));
    assertThat(points(dom, "canary-latency")).isEqualTo(count(samples, s -> s.path("canary").path("latencyMs")));
    assertThat(occurrences(dom, "class=\"event-marker ")).as("a marker per event on each of the 3 charts")
        .isEqualTo(3 * data.path("events").size());
    assertThat(occurrences(dom, "class=\"tick\"")).isEqualTo(data.path("ticks").size());
    assertThat(dom).containsPattern("class=\"threshold\"[^>]*data-value=\"99\"")
        .containsPattern("class=\"threshold\"[^>]*data-value=\"500\"")
        .contains("Rolling back podinfo.test failed checks threshold reached 2");

    Path screenshot = Path.of("target", "demo-report.png");
    Files.createDirectories(screenshot.getParent());
    chromium(List.of("--window-size=1100,1000", "--screenshot=" + screenshot.toAbsolutePath(),
        run.report().toUri().toString()));
    byte[] png = Files.readAllBytes(screenshot);
    assertThat(png.length).as("a drawn page, not a blank one").isGreaterThan(20_000);
    assertThat(new String(png, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
  }

  private interface Field {
    JsonNode of(JsonNode sample);
  }

  private static int count(List<JsonNode> samples, Field field) {
    return (int) samples.stream().filter(s -> field.of(s).isNumber()).count();
  }

  private static int points(String dom, String series) {
    Matcher m = Pattern.compile("<polyline[^>]*data-series=\"" + series + "\"[^>]*data-points=\"(\\d+)\"[^>]*points=\"([^\"]*)\"")
        .matcher(dom);
    assertThat(m.find()).as("a drawn " + series + " series").isTrue();
    int declared = Integer.parseInt(m.group(1));
    String points = m.group(2).strip();
    assertThat(points.isEmpty() ? 0 : points.split(" ").length).as(series + " points drawn").isEqualTo(declared);
    return declared;
  }

  private static int occurrences(String text, String needle) {
    int n = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }

  private String dumpDom(Path report) throws IOException, InterruptedException {
    return chromium(List.of("--dump-dom", report.toUri().toString()));
  }

  /** Runs headless chromium with no network, no sync and a fresh profile; returns its stdout. */
  private String chromium(List<String> args) throws IOException, InterruptedException {
    Path binary = onPath("chromium").or(() -> onPath("chromium-browser")).orElseThrow(() -> new AssertionError(
        "chromium is not on PATH: install Debian's chromium (.ci/run does) to run the report's browser test"));
    Path profile = Files.createTempDirectory(dir, "chromium-profile");
    List<String> command = new ArrayList<>(List.of(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--user-data-dir=" + profile));
    command.addAll(args);
    Path stdout = dir.resolve("chromium-" + System.nanoTime() + ".out");
    Process p = new ProcessBuilder(command).redirectOutput(stdout.toFile())
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("chromium did not finish in 90s: " + command);
    }
    assertThat(p.exitValue()).as("chromium exit code for " + command).isZero();
    return Files.readString(stdout, StandardCharsets.UTF_8);
  }

  private static Optional<Path> onPath(String name) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path c = Path.of(d.isEmpty() ? "." : d, name);
      if (Files.isExecutable(c)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }
}
