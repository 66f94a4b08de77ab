package io.canaryanalysis.simulation;

import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Canary;
import java.util.List;

/** An in-memory router that keeps the last split, dropping mirroring when it cannot mirror. */
final class SimulatedRouter implements TrafficRouter {
  private final RouterCapabilities capabilities;
  private final TrafficRouter validatingRouter;
  private TrafficSplit split = TrafficSplit.ALL_PRIMARY;
  private int writes;

  /** {@code validatingRouter}, when not null, is the real router whose {@link #validate} checks apply. */
  SimulatedRouter(RouterCapabilities capabilities, TrafficRouter validatingRouter) {
    this.capabilities = capabilities;
    this.validatingRouter = validatingRouter;
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
    if (!applied.equals(split)) {
      split = applied;
      writes++;
    }
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
