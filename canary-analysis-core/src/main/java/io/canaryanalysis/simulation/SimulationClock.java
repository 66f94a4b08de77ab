package io.canaryanalysis.simulation;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/** A virtual clock the simulation moves forward. */
final class SimulationClock implements InstantSource {
  private final Instant start;
  private Duration elapsed = Duration.ZERO;

  SimulationClock(Instant start) {
    this.start = start;
  }

  @Override
  public Instant instant() {
    return start.plus(elapsed);
  }

  Duration elapsed() {
    return elapsed;
  }

  void advance(Duration step) {
    elapsed = elapsed.plus(step);
  }
}
