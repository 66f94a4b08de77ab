package io.canaryanalysis.examples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.canaryanalysis.api.CanaryAlert;
import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.FailureReason;
import io.canaryanalysis.simulation.HookCall;
import io.canaryanalysis.simulation.SimulationResult;
import io.canaryanalysis.simulation.TickRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Renders a simulated rollout as a Flagger-style event log with a summary, or as JSON. */
final class Reports {
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
  private static final String ROW = "%-8s  %-16s  %-8s  %-6s  %-7s  %s%n";

  private Reports() {}

  /** Which tuning run's noise a simulation drew: run {@code run} of {@code tune --seed seed}. */
  record NoiseRun(long seed, int run) {}

  /** One line per event and alert, each with the tick's phase and split, then the summary. */
  static String text(Scenario scenario, SimulationResult result) {
    return text(scenario, result, null);
  }

  /** As {@link #text(Scenario, SimulationResult)}, saying which run's noise was drawn when {@code noise} is not null. */
  static String text(Scenario scenario, SimulationResult result, NoiseRun noise) {
    Canary canary = scenario.canary();
    StringBuilder out = new StringBuilder();
    out.append("Scenario ").append(scenario.source());
    if (scenario.description() != null) {
      out.append(": ").append(scenario.description().strip());
    }
    out.append('\n');
    out.append("Canary ").append(canary.key()).append(" (").append(settings(scenario)).append(")\n");
    if (noise != null) {
      out.append("Noise drawn as run ").append(noise.run()).append(" of tune --seed ").append(noise.seed()).append('\n');
    }
    out.append('\n');
    out.append(String.format(ROW, "TIME", "PHASE", "WEIGHT", "CHECKS", "TYPE", "MESSAGE"));
    for (TickRecord tick : result.timeline()) {
      String time = GoDurations.clock(tick.time());
      String phase = tick.phase().flaggerName();
      String weight = tick.primaryWeight() + "/" + tick.canaryWeight() + (tick.mirrored() ? "+m" : "");
      String checks = Integer.toString(tick.failedChecks())
          + (tick.iterations() > 0 ? " i" + tick.iterations() : "");
      List<String[]> lines = new ArrayList<>();
      for (CanaryEvent event : tick.events()) {
        lines.add(new String[] {event.type().value(), event.message()});
      }
      for (CanaryAlert alert : tick.alerts()) {
        lines.add(new String[] {"ALERT", alert.severity().manifestValue() + ": " + alert.message()});
      }
      if (lines.isEmpty()) {
        lines.add(new String[] {"", ""});
      }
      for (int i = 0; i < lines.size(); i++) {
        String[] line = lines.get(i);
        out.append(String.format(ROW, i == 0 ? time : "", i == 0 ? phase : "", i == 0 ? weight : "",
            i == 0 ? checks : "", line[0], line[1]).stripTrailing()).append('\n');
      }
    }
    out.append('\n').append(summary(scenario, result));
    return out.toString();
  }

  static String settings(Scenario scenario) {
    Analysis analysis = scenario.canary().spec().analysis();
    StringBuilder text = new StringBuilder("router ").append(scenario.routerKind());
    if (analysis == null) {
      return text.append(", no analysis").toString();
    }
    text.append(", ").append(analysis.strategy().name().toLowerCase().replace('_', '-'))
        .append(", interval ").append(GoDurations.go(analysis.interval()))
        .append(", threshold ").append(Math.max(1, analysis.threshold()));
    switch (analysis.strategy()) {
      case CANARY:
        if (analysis.stepWeight() <= 0 && !analysis.stepWeights().isEmpty()) {
          text.append(", stepWeights ").append(analysis.stepWeights());
        } else {
          text.append(", stepWeight ").append(analysis.stepWeight());
        }
        text.append(", maxWeight ").append(analysis.effectiveMaxWeight());
        break;
      default:
        text.append(", iterations ").append(analysis.iterations());
        break;
    }
    return text.toString();
  }

  private static String summary(Scenario scenario, SimulationResult result) {
    SimulationResult.Outcome outcome = result.outcome();
    StringBuilder out = new StringBuilder("Summary\n");
    row(out, "final phase", outcome.phase().flaggerName()
        + (outcome.settled() ? "" : " (not settled within " + GoDurations.go(scenario.duration()) + ")"));
    if (outcome.revisionAt() != null) {
      row(out, "new revision at", GoDurations.clock(outcome.revisionAt()));
    }
    outcome.timeToPromotion().ifPresent(d -> row(out, "time to promotion", GoDurations.go(d)
        + " (promoted at " + GoDurations.clock(outcome.finishedAt()) + ")"));
    outcome.timeToRollback().ifPresent(d -> row(out, "time to rollback", GoDurations.go(d)
        + " (rolled back at " + GoDurations.clock(outcome.finishedAt()) + ")"));
    Analysis analysis = scenario.canary().spec().analysis();
    row(out, "failed checks", outcome.failedChecks()
        + (analysis == null ? "" : " (threshold " + Math.max(1, analysis.threshold()) + ")"));
    FailureReason failure = outcome.lastFailure();
    row(out, "last failure", failure == null ? "none" : failure.message()
        + " [" + failure.kind().name().toLowerCase().replace('_', '-') + " " + failure.check() + "]");
    int events = 0;
    int alerts = 0;
    for (TickRecord tick : result.timeline()) {
      events += tick.events().size();
      alerts += tick.alerts().size();
    }
    row(out, "ticks", result.timeline().size() + " (" + events + " events, " + alerts + " alerts)");
    return out.toString();
  }

  private static void row(StringBuilder out, String label, Object value) {
    out.append(String.format("  %-18s %s%n", label + ":", value));
  }

  /** The timeline and outcome as a JSON document. */
  static String json(Scenario scenario, SimulationResult result) {
    return json(scenario, result, null);
  }

  /** As {@link #json(Scenario, SimulationResult)}, with {@code noise: {seed, run}} (null when noise-free). */
  static String json(Scenario scenario, SimulationResult result, NoiseRun noise) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("scenario", scenario.source());
    root.put("canary", scenario.canary().key());
    root.put("router", scenario.routerKind());
    Map<String, Object> noiseRun = null;
    if (noise != null) {
      noiseRun = new LinkedHashMap<>();
      noiseRun.put("seed", noise.seed());
      noiseRun.put("run", noise.run());
    }
    root.put("noise", noiseRun);
    root.put("outcome", outcome(result.outcome()));
    List<Object> timeline = new ArrayList<>();
    for (TickRecord tick : result.timeline()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("time", GoDurations.clock(tick.time()));
      row.put("seconds", tick.time().getSeconds());
      row.put("phase", tick.phase().flaggerName());
      row.put("primaryWeight", tick.primaryWeight());
      row.put("canaryWeight", tick.canaryWeight());
      row.put("mirrored", tick.mirrored());
      row.put("failedChecks", tick.failedChecks());
      row.put("iterations", tick.iterations());
      List<Object> events = new ArrayList<>();
      for (CanaryEvent event : tick.events()) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("type", event.type().value());
        e.put("message", event.message());
        events.add(e);
      }
      row.put("events", events);
      List<Object> alerts = new ArrayList<>();
      for (CanaryAlert alert : tick.alerts()) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("severity", alert.severity().manifestValue());
        a.put("message", alert.message());
        alerts.add(a);
      }
      row.put("alerts", alerts);
      List<Object> hooks = new ArrayList<>();
      for (HookCall call : tick.hookCalls()) {
        hooks.add(call.name());
      }
      row.put("webhooksCalled", hooks);
      timeline.add(row);
    }
    root.put("timeline", timeline);
    try {
      return JSON.writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the JSON report", e);
    }
  }

  private static Map<String, Object> outcome(SimulationResult.Outcome outcome) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("phase", outcome.phase().flaggerName());
    out.put("settled", outcome.settled());
    out.put("promoted", outcome.phase() == CanaryPhase.SUCCEEDED);
    out.put("finishedAtSeconds", seconds(outcome.finishedAt()));
    out.put("revisionAtSeconds", seconds(outcome.revisionAt()));
    out.put("timeToPromotionSeconds", seconds(outcome.timeToPromotion().orElse(null)));
    out.put("timeToRollbackSeconds", seconds(outcome.timeToRollback().orElse(null)));
    out.put("failedChecks", outcome.failedChecks());
    FailureReason failure = outcome.lastFailure();
    if (failure == null) {
      out.put("lastFailure", null);
    } else {
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("kind", failure.kind().name());
      f.put("check", failure.check());
      f.put("value", failure.value());
      f.put("bound", failure.bound());
      f.put("message", failure.message());
      out.put("lastFailure", f);
    }
    return out;
  }

  private static Long seconds(Duration duration) {
    return duration == null ? null : duration.getSeconds();
  }
}
