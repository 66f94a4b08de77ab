package io.canaryanalysis.simulation;

import io.canaryanalysis.api.StatusStore;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.status.CanaryStatus;
import java.util.Optional;

/** The simulated API server's copy of the status: compare-and-set on a version counter, with faults. */
final class SimulatedStatusStore implements StatusStore {
  private final Faults faults;
  private CanaryStatus status;
  private long version = 1;
  private int writes;

  SimulatedStatusStore(CanaryStatus status, Faults faults) {
    this.status = status;
    this.faults = faults;
  }

  @Override
  public synchronized Optional<String> compareAndSet(Canary canary, CanaryStatus next) {
    faults.at(Faults.Boundary.STATUS_WRITE, Faults.Moment.BEFORE);
    if (canary.resourceVersion() != null && !canary.resourceVersion().equals(version())) {
      return Optional.empty();
    }
    status = next;
    version++;
    writes++;
    faults.at(Faults.Boundary.STATUS_WRITE, Faults.Moment.AFTER);
    return Optional.of(version());
  }

  synchronized CanaryStatus status() {
    return status;
  }

  synchronized String version() {
    return Long.toString(version);
  }

  synchronized int writes() {
    return writes;
  }
}
