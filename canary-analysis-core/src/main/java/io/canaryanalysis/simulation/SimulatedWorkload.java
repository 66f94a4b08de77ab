package io.canaryanalysis.simulation;

import io.canaryanalysis.api.Readiness;
import io.canaryanalysis.api.Workload;
import io.canaryanalysis.api.WorkloadSnapshot;
import io.canaryanalysis.api.spec.Canary;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A scripted target and primary: the revision changes at scripted times (after initialization),
 * readiness follows the scripted traces.
 */
final class SimulatedWorkload implements Workload {
  private final String initialRevision;
  private final List<RevisionChange> revisions;
  private final ReadinessTrace canaryReadiness;
  private final ReadinessTrace primaryReadiness;
  private final ReadinessTrace primaryAfterPromotion;
  private final SimulationClock clock;
  private Faults faults = Faults.NONE;
  private SafetyChecks safety;
  private SimulatedStatusStore store;
  private SimulatedRouter router;
  private boolean initialized;
  private boolean canaryScaledUp = true;
  private Duration promotedAt;
  private String primaryRevision;
  private SimulatedAutoscaler autoscaler;
  private java.time.Instant start;

  /** A scripted revision change. */
  record RevisionChange(Duration at, String revision) {}

  SimulatedWorkload(String initialRevision, List<RevisionChange> revisions,
      ReadinessTrace canaryReadiness, ReadinessTrace primaryReadiness,
      ReadinessTrace primaryAfterPromotion, SimulationClock clock) {
    this.initialRevision = initialRevision;
    this.revisions = revisions;
    this.canaryReadiness = canaryReadiness;
    this.primaryReadiness = primaryReadiness;
    this.primaryAfterPromotion = primaryAfterPromotion;
    this.clock = clock;
    this.primaryRevision = initialRevision;
  }

  /** The target's revision now: the initial one until initialization, then the latest scripted one. */
  String revision() {
    if (!initialized) {
      return initialRevision;
    }
    Duration now = clock.elapsed();
    String current = initialRevision;
    for (RevisionChange change : revisions) {
      if (change.at().compareTo(now) <= 0) {
        current = change.revision();
      }
    }
    return current;
  }

  /** Wires the fault injection and the safety checks, which watch the router and the stored status. */
  void watch(Faults faults, SafetyChecks safety, SimulatedStatusStore store, SimulatedRouter router) {
    this.faults = faults;
    this.safety = safety;
    this.store = store;
    this.router = router;
  }

  /** Gives the primary (and the canary) an autoscaler. */
  void autoscaler(SimulatedAutoscaler autoscaler, java.time.Instant start) {
    this.autoscaler = autoscaler;
    this.start = start;
  }

  SimulatedAutoscaler autoscaler() {
    return autoscaler;
  }

  void markInitialized() {
    initialized = true;
  }

  @Override
  public void initialize(Canary canary) {}

  @Override
  public WorkloadSnapshot observe(Canary canary) {
    Duration now = clock.elapsed();
    Readiness primary = promotedAt != null && primaryAfterPromotion != null
        ? primaryAfterPromotion.at(now.minus(promotedAt)) : primaryReadiness.at(now);
    io.canaryanalysis.api.PrimaryCapacity capacity = autoscaler == null ? null
        : autoscaler.observe(now, router.split(), canaryScaledUp, store.status().capacityWait(), start);
    return new WorkloadSnapshot(revision(), Map.of(), canaryReadiness.at(now), primary,
        canaryScaledUp ? 1 : 0, primaryRevision, capacity);
  }

  @Override
  public void prepareCapacity(Canary canary) {
    faults.at(Faults.Boundary.PREPARE_CAPACITY, Faults.Moment.BEFORE);
    if (autoscaler != null) {
      autoscaler.prepare(clock.elapsed(), router.split(), canaryScaledUp);
    }
    faults.at(Faults.Boundary.PREPARE_CAPACITY, Faults.Moment.AFTER);
  }

  @Override
  public void releaseCapacity(Canary canary) {
    faults.at(Faults.Boundary.RELEASE_CAPACITY, Faults.Moment.BEFORE);
    if (autoscaler != null) {
      autoscaler.release(clock.elapsed(), router.split());
    }
    faults.at(Faults.Boundary.RELEASE_CAPACITY, Faults.Moment.AFTER);
  }

  @Override
  public void scaleUp(Canary canary) {
    faults.at(Faults.Boundary.SCALE_UP, Faults.Moment.BEFORE);
    canaryScaledUp = true;
    faults.at(Faults.Boundary.SCALE_UP, Faults.Moment.AFTER);
  }

  @Override
  public void scaleToZero(Canary canary) {
    faults.at(Faults.Boundary.SCALE_TO_ZERO, Faults.Moment.BEFORE);
    if (canaryScaledUp && safety != null) {
      safety.scaledToZero(router.split());
    }
    canaryScaledUp = false;
    faults.at(Faults.Boundary.SCALE_TO_ZERO, Faults.Moment.AFTER);
  }

  @Override
  public void promote(Canary canary) {
    faults.at(Faults.Boundary.PROMOTE, Faults.Moment.BEFORE);
    String revision = revision();
    if (safety != null) {
      safety.promoted(revision, primaryRevision, store.status());
    }
    if (!revision.equals(primaryRevision)) {
      promotedAt = clock.elapsed();
    }
    primaryRevision = revision;
    faults.at(Faults.Boundary.PROMOTE, Faults.Moment.AFTER);
  }

  boolean canaryScaledUp() {
    return canaryScaledUp;
  }

  String primaryRevision() {
    return primaryRevision;
  }
}
