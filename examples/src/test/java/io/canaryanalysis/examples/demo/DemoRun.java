package io.canaryanalysis.examples.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** One in-process {@code demo} run: exit code, output, the JSON stream and the report's data. */
record DemoRun(int exitCode, String out, String err, Path report) {
  static final ObjectMapper JSON = new ObjectMapper();

  static DemoRun run(Path report, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--report");
    all.add(report.toString());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Demo.run(all, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new DemoRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), report);
  }

  /** The JSON stream's objects of {@code type}. */
  List<JsonNode> stream(String type) {
    return out.lines().filter(l -> l.startsWith("{")).map(DemoRun::parse)
        .filter(n -> type.equals(n.path("type").asText())).collect(Collectors.toList());
  }

  JsonNode only(String type) {
    List<JsonNode> nodes = stream(type);
    if (nodes.size() != 1) {
      throw new AssertionError("expected one " + type + " object, got " + nodes.size() + " in:\n" + out + err);
    }
    return nodes.get(0);
  }

  List<String> eventMessages() {
    return stream("event").stream().map(e -> e.path("message").asText()).collect(Collectors.toList());
  }

  /** The data the report page draws, parsed from its {@code <script type="application/json">}. */
  JsonNode reportData() {
    try {
      String html = Files.readString(report, StandardCharsets.UTF_8);
      String open = "<script type=\"application/json\" id=\"" + HtmlReport.DATA_ID + "\">";
      int start = html.indexOf(open);
      int end = html.indexOf("</script>", start);
      if (start < 0 || end < 0) {
        throw new AssertionError("no data script in " + report);
      }
      return parse(html.substring(start + open.length(), end).replace("<\\/", "</"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + json, e);
    }
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\n" + out + "\n--- stderr\n" + err;
  }
}
