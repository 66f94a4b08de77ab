package io.canaryanalysis.simulation;

import io.canaryanalysis.api.MetricResult;
import java.time.Duration;

/** A scripted metric result (value, no data or failed query) as a function of time and canary weight. */
@FunctionalInterface
public interface MetricResultTrace {
  MetricResult result(Duration elapsed, int canaryWeight);
}
