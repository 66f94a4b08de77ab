package io.canaryanalysis.simulation;

import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Canary;
import java.util.function.BooleanSupplier;

/** An in-memory router that keeps the last split, dropping mirroring when it cannot mirror. */
final class SimulatedRouter implements TrafficRouter {
  private final String kind;
  private final RouterCapabilities capabilities;
  private final Faults faults;
  private final SafetyChecks safety;
  private final BooleanSupplier canaryScaledUp;
  private TrafficSplit split = TrafficSplit.ALL_PRIMARY;
  private int writes;

  SimulatedRouter(String kind, RouterCapabilities capabilities, Faults faults, SafetyChecks safety,
      BooleanSupplier canaryScaledUp) {
    this.kind = kind;
    this.capabilities = capabilities;
    this.faults = faults;
    this.safety = safety;
    this.canaryScaledUp = canaryScaledUp;
  }

  @Override
  public String kind() {
    return kind;
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

  TrafficSplit split() {
    return split;
  }

  int writes() {
    return writes;
  }
}
