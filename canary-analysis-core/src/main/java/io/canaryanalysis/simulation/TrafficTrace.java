package io.canaryanalysis.simulation;

import java.time.Duration;

/** Scripted traffic as a function of simulated time. */
@FunctionalInterface
public interface TrafficTrace {
  Traffic at(Duration elapsed);

  /** The same traffic all the time. */
  static TrafficTrace constant(Traffic traffic) {
    return t -> traffic;
  }
}
