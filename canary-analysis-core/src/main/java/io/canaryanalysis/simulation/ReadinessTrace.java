package io.canaryanalysis.simulation;

import io.canaryanalysis.api.Readiness;
import java.time.Duration;

/** Scripted workload readiness as a function of simulated time. */
@FunctionalInterface
public interface ReadinessTrace {
  Readiness at(Duration elapsed);
}
