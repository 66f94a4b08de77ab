package io.canaryanalysis.examples;

import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.examples.demo.RolloutRecord;
import io.canaryanalysis.simulation.SimulationResult;
import io.canaryanalysis.simulation.TickRecord;
import java.util.Locale;

/**
 * A simulated scenario as the demo's {@link RolloutRecord}, so {@code simulate --report FILE}
 * writes the same HTML report: the weight per tick, the canary's scripted success rate and
 * latency at that tick (as written, noise not drawn), the events and the outcome. A scenario
 * scripts only the canary, so the primary's series are empty.
 */
final class ScenarioReport {
  private ScenarioReport() {}

  static RolloutRecord record(Scenario scenario, SimulationResult result) {
    RolloutRecord record = new RolloutRecord("Scenario " + scenario.source(), scenario.routerKind(),
        "the scenario's scripted values (simulated time)",
        RolloutRecord.bound(scenario.canary(), MetricCheck.REQUEST_SUCCESS_RATE, true),
        RolloutRecord.bound(scenario.canary(), MetricCheck.REQUEST_DURATION, false), "as scripted");
    RolloutRecord.Side none = new RolloutRecord.Side(Double.NaN, Double.NaN, Double.NaN);
    for (TickRecord tick : result.timeline()) {
      double t = tick.time().toMillis() / 1000.0;
      double sr = value(scenario.scriptedMetric(MetricCheck.REQUEST_SUCCESS_RATE, tick.time(), tick.canaryWeight()));
      double latency = value(scenario.scriptedMetric(MetricCheck.REQUEST_DURATION, tick.time(), tick.canaryWeight()));
      record.sample(new RolloutRecord.Sample(t, tick.canaryWeight(), none,
          new RolloutRecord.Side(Double.NaN, sr, latency), 0, 0));
      record.tick(new RolloutRecord.Tick(t, tick.phase().flaggerName(), tick.canaryWeight(), tick.failedChecks(),
          sr, latency));
      for (CanaryEvent e : tick.events()) {
        String type = e.type().name();
        record.event(new RolloutRecord.Event(t, type.charAt(0) + type.substring(1).toLowerCase(Locale.ROOT),
            e.reason(), e.message()));
      }
    }
    double end = result.timeline().isEmpty() ? 0
        : result.timeline().get(result.timeline().size() - 1).time().toMillis() / 1000.0;
    record.finish(result.outcome().phase().flaggerName(), end);
    return record;
  }

  private static double value(MetricResult result) {
    return result instanceof MetricResult.Value v ? v.value() : Double.NaN;
  }
}
