package io.canaryanalysis.simulation;

import java.time.Duration;

/** A scripted metric value as a function of simulated time and the canary's current weight; NaN means no data. */
@FunctionalInterface
public interface MetricTrace {
  double value(Duration elapsed, int canaryWeight);
}
