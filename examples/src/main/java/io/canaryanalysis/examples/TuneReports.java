package io.canaryanalysis.examples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.canaryanalysis.simulation.ConfidenceInterval;
import io.canaryanalysis.simulation.DurationDistribution;
import io.canaryanalysis.simulation.MonteCarloResult;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Renders a {@code tune} run (many simulated rollouts of one scenario) as a table, or as JSON. */
final class TuneReports {
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
  private static final int[] PERCENTILES = {50, 90, 99};
  private static final int BAR = 40;

  private TuneReports() {}

  /** Rates with 95% intervals, time percentiles, the failed-checks histogram and the rollback causes. */
  static String text(Scenario scenario, MonteCarloResult r) {
    StringBuilder out = new StringBuilder();
    out.append("Scenario ").append(scenario.source());
    if (scenario.description() != null) {
      out.append(": ").append(scenario.description().strip());
    }
    out.append('\n');
    out.append("Canary ").append(scenario.canary().key()).append(" (").append(Reports.settings(scenario)).append(")\n");
    out.append(r.runs()).append(" runs, seed ").append(r.seed()).append(", each up to ")
        .append(GoDurations.go(scenario.duration())).append(" of simulated time\n\n");

    out.append(String.format("%-13s %7s %8s   %s%n", "OUTCOME", "RUNS", "RATE", "95% INTERVAL (Wilson)"));
    rate(out, "promoted", r.promoted(), r.promotionRate(), r.promotionRateInterval());
    rate(out, "rolled back", r.rolledBack(), r.rollbackRate(), r.rollbackRateInterval());
    rate(out, "unsettled", r.unsettled(), r.unsettledRate(), r.unsettledRateInterval());

    out.append('\n').append(String.format("%-13s %7s %8s %8s %8s %8s %8s%n", "TIME TO", "RUNS", "MIN", "P50", "P90", "P99",
        "MAX"));
    times(out, "promotion", r.timeToPromotion());
    times(out, "rollback", r.timeToRollback());

    out.append("\nFailed checks per run (threshold ").append(threshold(scenario)).append(")\n");
    int widest = r.failedCheckHistogram().values().stream().mapToInt(Integer::intValue).max().orElse(1);
    r.failedCheckHistogram().forEach((checks, runs) -> out.append(String.format("  %3d %7d  %s%n", checks, runs,
        "#".repeat((int) Math.ceil((double) runs * BAR / widest)))));

    out.append("\nRollbacks caused by\n");
    if (r.lastFailureChecks().isEmpty()) {
      out.append("  none\n");
    }
    r.lastFailureChecks().forEach((check, runs) -> out.append(String.format("  %-36s %7d %8s%n", check, runs,
        percent((double) runs / Math.max(1, r.rolledBack())))));
    r.firstRollbackRun().ifPresent(run -> out.append("\nFirst rollback: run ").append(run)
        .append(" (replay its event log: simulate --seed ").append(r.seed()).append(" --run ").append(run)
        .append(' ').append(scenario.source()).append(")\n"));
    return out.toString();
  }

  private static void rate(StringBuilder out, String label, int runs, double rate, ConfidenceInterval interval) {
    out.append(String.format("%-13s %7d %8s   [%s, %s]%n", label, runs, percent(rate), percent(interval.lower()),
        percent(interval.upper())));
  }

  private static void times(StringBuilder out, String label, DurationDistribution times) {
    StringBuilder row = new StringBuilder(String.format("%-13s %7d %8s", label, times.count(),
        times.min().map(GoDurations::go).orElse("-")));
    for (int p : PERCENTILES) {
      row.append(String.format(" %8s", times.percentile(p).map(GoDurations::go).orElse("-")));
    }
    row.append(String.format(" %8s", times.max().map(GoDurations::go).orElse("-")));
    out.append(row).append('\n');
  }

  private static String percent(double fraction) {
    return String.format(Locale.ROOT, "%.2f%%", fraction * 100);
  }

  private static String threshold(Scenario scenario) {
    return scenario.canary().spec().analysis() == null ? "-"
        : Integer.toString(Math.max(1, scenario.canary().spec().analysis().threshold()));
  }

  /**
   * The threshold rule and the judge on the same traces: run {@code i} of both drew the same
   * traffic seed, so the rates differ only by the rule.
   */
  static String sideBySide(Scenario scenario, MonteCarloResult rule, double alpha, MonteCarloResult judge) {
    StringBuilder out = new StringBuilder("\nSide by side on the same traces\n");
    out.append(String.format("%-28s %12s %-20s %8s %8s%n", "RULE", "ROLLED BACK", "95% INTERVAL (Wilson)",
        "P50", "P90"));
    sideRow(out, "threshold rule (threshold " + threshold(scenario) + ")", rule);
    sideRow(out, "judge alpha " + alpha, judge);
    return out.toString();
  }

  private static void sideRow(StringBuilder out, String label, MonteCarloResult r) {
    out.append(String.format("%-28s %12s [%s, %s] %8s %8s%n", label, percent(r.rollbackRate()),
        percent(r.rollbackRateInterval().lower()), percent(r.rollbackRateInterval().upper()),
        r.timeToRollback().percentile(50).map(GoDurations::go).orElse("-"),
        r.timeToRollback().percentile(90).map(GoDurations::go).orElse("-")));
  }

  /** {@link #json(Scenario, MonteCarloResult)} plus the judge's figures on the same traces under {@code judge}. */
  static String json(Scenario scenario, MonteCarloResult r, double alpha, MonteCarloResult judge) {
    try {
      com.fasterxml.jackson.databind.node.ObjectNode root =
          (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(json(scenario, r));
      com.fasterxml.jackson.databind.node.ObjectNode j = root.putObject("judge");
      j.put("alpha", alpha);
      j.set("rolledBack", JSON.valueToTree(rate(judge.rolledBack(), judge.rollbackRate(), judge.rollbackRateInterval())));
      j.set("promoted", JSON.valueToTree(rate(judge.promoted(), judge.promotionRate(), judge.promotionRateInterval())));
      judge.timeToRollback().percentile(50).ifPresent(d -> j.put("timeToRollbackP50Seconds", d.toSeconds()));
      return JSON.writeValueAsString(root) + "\n";
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The same figures as a JSON document; rates are fractions, durations seconds. */
  static String json(Scenario scenario, MonteCarloResult r) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("scenario", scenario.source());
    root.put("canary", scenario.canary().key());
    root.put("router", scenario.routerKind());
    root.put("threshold", scenario.canary().spec().analysis() == null ? null
        : Math.max(1, scenario.canary().spec().analysis().threshold()));
    root.put("runs", r.runs());
    root.put("seed", r.seed());
    root.put("durationSeconds", scenario.duration().getSeconds());
    root.put("promoted", rate(r.promoted(), r.promotionRate(), r.promotionRateInterval()));
    root.put("rolledBack", rate(r.rolledBack(), r.rollbackRate(), r.rollbackRateInterval()));
    root.put("unsettled", rate(r.unsettled(), r.unsettledRate(), r.unsettledRateInterval()));
    root.put("timeToPromotionSeconds", times(r.timeToPromotion()));
    root.put("timeToRollbackSeconds", times(r.timeToRollback()));
    Map<String, Integer> histogram = new LinkedHashMap<>();
    r.failedCheckHistogram().forEach((checks, runs) -> histogram.put(Integer.toString(checks), runs));
    root.put("failedChecksHistogram", histogram);
    root.put("rollbackCauses", r.lastFailureChecks().entrySet().stream().map(e -> {
      Map<String, Object> cause = new LinkedHashMap<>();
      cause.put("kind", e.getKey().kind().name());
      cause.put("check", e.getKey().check());
      cause.put("runs", e.getValue());
      return cause;
    }).toList());
    root.put("firstRollbackRun", r.firstRollbackRun().isPresent() ? r.firstRollbackRun().getAsInt() : null);
    try {
      return JSON.writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the JSON report", e);
    }
  }

  private static Map<String, Object> rate(int runs, double rate, ConfidenceInterval interval) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("runs", runs);
    out.put("rate", rate);
    out.put("interval95", List.of(interval.lower(), interval.upper()));
    return out;
  }

  private static Map<String, Object> times(DurationDistribution times) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("count", times.count());
    for (int p : PERCENTILES) {
      out.put("p" + p, seconds(times.percentile(p)));
    }
    out.put("min", seconds(times.min()));
    out.put("max", seconds(times.max()));
    out.put("mean", times.mean().map(d -> d.toMillis() / 1000.0).orElse(null));
    return out;
  }

  private static Long seconds(Optional<Duration> duration) {
    return duration.map(Duration::getSeconds).orElse(null);
  }
}
