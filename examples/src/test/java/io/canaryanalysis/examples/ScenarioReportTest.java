package io.canaryanalysis.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canaryanalysis.examples.demo.HtmlReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code simulate --report FILE}: the demo's HTML report for a simulated scenario. */
class ScenarioReportTest {
  @TempDir
  Path dir;

  @Test
  void theRollbackScenarioReportHoldsItsTicksScriptedValuesAndEvents() throws Exception {
    Path file = dir.resolve("rollback.html");
    RunnerOutput run = RunnerOutput.run("simulate", "rollback", "--report", file.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.err()).contains("report written to " + file.toAbsolutePath());

    String html = Files.readString(file);
    String open = "<script type=\"application/json\" id=\"" + HtmlReport.DATA_ID + "\">";
    int start = html.indexOf(open) + open.length();
    JsonNode data = new ObjectMapper().readTree(html.substring(start, html.indexOf("</script>", start)));
    assertThat(data.path("outcome").asText()).isEqualTo("Failed");
    assertThat(data.path("thresholds").path("successRate").asDouble()).isEqualTo(99.0);
    Scenario scenario = CanaryRunner.load("rollback");
    var result = scenario.run();
    assertThat(data.path("ticks")).hasSize(result.timeline().size());
    List<String> messages = new ArrayList<>();
    data.path("events").forEach(e -> messages.add(e.path("message").asText()));
    assertThat(messages).containsExactlyElementsOf(result.eventMessages());
    List<Double> rates = new ArrayList<>();
    data.path("samples").forEach(s -> {
      if (s.path("canary").path("successRate").isNumber()) {
        rates.add(s.path("canary").path("successRate").asDouble());
      }
    });
    assertThat(rates).as("the scripted drop that rolls it back").anySatisfy(r -> assertThat(r).isLessThan(99.0))
        .anySatisfy(r -> assertThat(r).isGreaterThanOrEqualTo(99.0));
  }
}
