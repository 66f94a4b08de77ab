package io.canaryanalysis.examples;

import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.Readiness;
import io.canaryanalysis.api.WebhookResult;
import java.time.Duration;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The piecewise-constant steps of a scenario trace. A step applies from its {@code from} time (and,
 * for metrics, from its {@code minWeight}); when several apply, the one listed last wins.
 */
final class Trace {
  private Trace() {}

  /**
   * A scripted metric answer: a value, no data, or a failed query. A value may carry Gaussian
   * {@code noise} (standard deviation) and a {@code noDataChance} (probability of no data per query),
   * both 0 when not given and used only when a random stream is supplied.
   */
  record MetricStep(Duration from, Integer minWeight, MetricResult result, double noise, double noDataChance) {
    MetricStep(Duration from, Integer minWeight, MetricResult result) {
      this(from, minWeight, result, 0, 0);
    }

    boolean appliesAt(Duration elapsed, int canaryWeight) {
      return from.compareTo(elapsed) <= 0 && (minWeight == null || canaryWeight >= minWeight);
    }

    boolean random() {
      return noise > 0 || noDataChance > 0;
    }

    /** The answer with noise drawn from {@code random}: no data with {@code noDataChance}, else value + N(0, noise²). */
    MetricResult draw(RandomGenerator random) {
      if (noDataChance > 0 && random.nextDouble() < noDataChance) {
        return MetricResult.noData("no values (scripted noDataChance " + noDataChance + ")");
      }
      if (noise > 0 && result instanceof MetricResult.Value scripted) {
        return MetricResult.value(scripted.value() + noise * random.nextGaussian());
      }
      return result;
    }
  }

  /** A scripted webhook answer. */
  record HookStep(Duration from, WebhookResult result) {}

  /** A scripted readiness. */
  record ReadinessStep(Duration from, Readiness readiness) {}

  /** The answer of the step that applies; noise-free when {@code random} is null. */
  static MetricResult metric(List<MetricStep> steps, String name, Duration elapsed, int canaryWeight,
      RandomGenerator random) {
    MetricStep applied = null;
    for (MetricStep step : steps) {
      if (step.appliesAt(elapsed, canaryWeight)) {
        applied = step;
      }
    }
    MetricResult result = applied == null ? null
        : random != null && applied.random() ? applied.draw(random) : applied.result();
    return result != null ? result
        : MetricResult.noData("no scripted value for metric " + name + " at " + GoDurations.go(elapsed)
            + " and canary weight " + canaryWeight);
  }

  static WebhookResult hook(List<HookStep> steps, Duration elapsed, WebhookResult otherwise) {
    WebhookResult result = otherwise;
    for (HookStep step : steps) {
      if (step.from().compareTo(elapsed) <= 0) {
        result = step.result();
      }
    }
    return result;
  }

  static Readiness readiness(List<ReadinessStep> steps, Duration elapsed) {
    Readiness result = Readiness.READY;
    for (ReadinessStep step : steps) {
      if (step.from().compareTo(elapsed) <= 0) {
        result = step.readiness();
      }
    }
    return result;
  }

  /** Scripted traffic from {@code from} on (a scenario's {@code simulation.traffic} entry). */
  record TrafficStep(Duration from, io.canaryanalysis.simulation.Traffic traffic) {}

  /** The traffic of the last step that has started by {@code elapsed}; none before the first. */
  static io.canaryanalysis.simulation.Traffic traffic(List<TrafficStep> steps, Duration elapsed) {
    io.canaryanalysis.simulation.Traffic current = new io.canaryanalysis.simulation.Traffic(0, 0, 0);
    for (TrafficStep step : steps) {
      if (step.from().compareTo(elapsed) <= 0) {
        current = step.traffic();
      }
    }
    return current;
  }
}
