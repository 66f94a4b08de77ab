package io.canaryanalysis.simulation;

import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Canary;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * An in-memory router that keeps the last split, dropping mirroring when it cannot mirror. With a
 * real router for validation, its {@link #validate} checks apply as they would in a cluster.
 */
final class SimulatedRouter implements TrafficRouter {
  private final String kind;
  private final RouterCapabilities capabilities;
  private final TrafficRouter validatingRouter;
  private final Faults faults;
  private final SafetyChecks safety;
  private final BooleanSupplier canaryScaledUp;
  private TrafficSplit split = TrafficSplit.ALL_PRIMARY;
  private int writes;
  private SimulatedAutoscaler autoscaler;
  private SimulationClock clock;

  /** {@code validatingRouter}, when not null, is the real router whose {@link #validate} checks apply. */
  SimulatedRouter(String kind, RouterCapabilities capabilities, TrafficRouter validatingRouter,
      Faults faults, SafetyChecks safety, BooleanSupplier canaryScaledUp) {
    this.kind = kind;
    this.capabilities = capabilities;
    this.validatingRouter = validatingRouter;
    this.faults = faults;
    this.safety = safety;
    this.canaryScaledUp = canaryScaledUp;
  }

  @Override
  public String kind() {
    return kind;
  }

  @Override
  public List<SpecProblem> validate(Canary canary) {
    return validatingRouter == null ? List.of() : validatingRouter.validate(canary);
  }

  @Override
  public RouterCapabilities capabilities() {
    return capabilities;
  }

  @Override
  public void reconcile(Canary canary) {}

  @Override
  public void setRoutes(Canary canary, TrafficSplit next) {
    TrafficSplit applied = next.mirrored() && !capabilities.mirroring()
        ? new TrafficSplit(next.primaryWeight(), next.canaryWeight(), false) : next;
    faults.at(Faults.Boundary.ROUTES, Faults.Moment.BEFORE);
    if (!applied.equals(split)) {
      safety.routed(split, applied, canaryScaledUp.getAsBoolean());
      if (autoscaler != null) {
        safety.violation(autoscaler.routed(clock.elapsed(), split, applied));
      }
      split = applied;
      writes++;
    }
    faults.at(Faults.Boundary.ROUTES, Faults.Moment.AFTER);
  }

  @Override
  public TrafficSplit getRoutes(Canary canary) {
    return split;
  }

  @Override
  public void finalizeRoutes(Canary canary) {
    split = TrafficSplit.ALL_PRIMARY;
  }

  /** Checks route changes against the simulated primary autoscaler. */
  void watchCapacity(SimulatedAutoscaler autoscaler, SimulationClock clock) {
    this.autoscaler = autoscaler;
    this.clock = clock;
  }

  TrafficSplit split() {
    return split;
  }

  int writes() {
    return writes;
  }
}
