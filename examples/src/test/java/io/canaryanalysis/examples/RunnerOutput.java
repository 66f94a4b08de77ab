package io.canaryanalysis.examples;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Runs {@link CanaryRunner} in-process and splits its event log into (time, type, message) rows. */
record RunnerOutput(int exitCode, String out, String err) {

  /**
   * One line of the log: an event, an alert, or a tick without either (empty type and message); the
   * time and phase are carried down to the continuation lines of a tick.
   */
  record LogLine(String time, String phase, String type, String message) {
    @Override
    public String toString() {
      return time + " " + type + " " + message;
    }
  }

  static RunnerOutput run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = CanaryRunner.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new RunnerOutput(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** The rows of the event log, parsed by column (TIME PHASE WEIGHT CHECKS TYPE MESSAGE). */
  List<LogLine> log() {
    List<LogLine> lines = new ArrayList<>();
    List<String> all = out.lines().toList();
    int header = all.indexOf(all.stream().filter(l -> l.startsWith("TIME")).findFirst().orElseThrow());
    int typeColumn = all.get(header).indexOf("TYPE");
    int messageColumn = all.get(header).indexOf("MESSAGE");
    String time = null;
    String phase = null;
    for (String line : all.subList(header + 1, all.size())) {
      if (line.isBlank()) {
        break;
      }
      if (!line.startsWith(" ")) {
        time = line.substring(0, 8);
        phase = line.substring(10, 26).trim();
      }
      lines.add(new LogLine(time, phase,
          line.length() > typeColumn ? line.substring(typeColumn, Math.min(messageColumn, line.length())).trim() : "",
          line.length() > messageColumn ? line.substring(messageColumn) : ""));
    }
    return lines;
  }

  /** "time type message" for every event and alert line (ticks without any are left out). */
  List<String> events() {
    return log().stream().filter(l -> !l.type().isEmpty()).map(LogLine::toString).toList();
  }

  /** The summary block's "label: value" for {@code label}. */
  String summary(String label) {
    return out.lines().filter(l -> l.startsWith("  " + label + ":")).findFirst()
        .map(l -> l.substring(l.indexOf(':') + 1).strip())
        .orElseThrow(() -> new AssertionError("no summary line " + label + " in\n" + out));
  }
}
