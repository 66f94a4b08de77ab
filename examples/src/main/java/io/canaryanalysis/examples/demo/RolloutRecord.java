package io.canaryanalysis.examples.demo;

import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.MetricCheck;
import java.util.ArrayList;
import java.util.List;

/**
 * What one rollout looked like, for the terminal, the JSON stream and the HTML report: traffic
 * samples of both sides over time, the controller's ticks, the events, the thresholds and the
 * outcome. Times are seconds since the start of the run. Thread-safe.
 */
public final class RolloutRecord {

  /** One side's traffic in a sample; NaN where it served nothing. */
  public record Side(double rps, double successRate, double latencyMs) {}

  /**
   * Traffic at one moment: the canary weight in effect, both sides' window statistics, and the
   * requests each side has served since the start (0 when not simulated).
   */
  public record Sample(double t, int canaryWeight, Side primary, Side canary, long primaryServed,
      long canaryServed) {}

  /**
   * A decided tick: the phase and weight written, and the canary's values the checks measured
   * (NaN when no check ran).
   */
  public record Tick(double t, String phase, int canaryWeight, int failedChecks, double successRate,
      double latencyMs) {}

  /** An event with Flagger's reason and text. */
  public record Event(double t, String type, String reason, String message) {}

  private final String title;
  private final String provider;
  private final String metricsPath;
  private final double minSuccessRate;
  private final double maxLatencyMs;
  private final String latencyLabel;
  private final List<Sample> samples = new ArrayList<>();
  private final List<Tick> ticks = new ArrayList<>();
  private final List<Event> events = new ArrayList<>();
  private String outcome = "Running";
  private double duration;

  /**
   * @param title what ran, for the report heading
   * @param provider the router kind
   * @param metricsPath how the checks got their values (real Prometheus, the simulator, a script)
   * @param minSuccessRate the request-success-rate lower bound, NaN when none
   * @param maxLatencyMs the request-duration upper bound, NaN when none
   * @param latencyLabel what the latency series is (P99, mean)
   */
  public RolloutRecord(String title, String provider, String metricsPath, double minSuccessRate,
      double maxLatencyMs, String latencyLabel) {
    this.title = title;
    this.provider = provider;
    this.metricsPath = metricsPath;
    this.minSuccessRate = minSuccessRate;
    this.maxLatencyMs = maxLatencyMs;
    this.latencyLabel = latencyLabel;
  }

  /** The {@code thresholdRange} min (or max) of the check named {@code check}, NaN when none. */
  public static double bound(Canary canary, String check, boolean min) {
    if (canary.spec().analysis() == null || canary.spec().analysis().metrics() == null) {
      return Double.NaN;
    }
    for (MetricCheck m : canary.spec().analysis().metrics()) {
      if (check.equals(m.name()) && m.thresholdRange() != null) {
        Double v = min ? m.thresholdRange().min() : m.thresholdRange().max();
        if (v != null) {
          return v;
        }
      }
    }
    return Double.NaN;
  }

  public synchronized void sample(Sample s) {
    samples.add(s);
  }

  public synchronized void tick(Tick t) {
    ticks.add(t);
  }

  public synchronized void event(Event e) {
    events.add(e);
  }

  public synchronized void finish(String outcome, double duration) {
    this.outcome = outcome;
    this.duration = duration;
  }

  public String title() {
    return title;
  }

  public String provider() {
    return provider;
  }

  public String metricsPath() {
    return metricsPath;
  }

  public double minSuccessRate() {
    return minSuccessRate;
  }

  public double maxLatencyMs() {
    return maxLatencyMs;
  }

  public String latencyLabel() {
    return latencyLabel;
  }

  public synchronized List<Sample> samples() {
    return List.copyOf(samples);
  }

  public synchronized List<Tick> ticks() {
    return List.copyOf(ticks);
  }

  public synchronized List<Event> events() {
    return List.copyOf(events);
  }

  public synchronized String outcome() {
    return outcome;
  }

  public synchronized double duration() {
    return duration;
  }
}
