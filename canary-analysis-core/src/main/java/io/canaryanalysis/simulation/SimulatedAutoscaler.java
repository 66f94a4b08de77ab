package io.canaryanalysis.simulation;

import io.canaryanalysis.api.PrimaryCapacity;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.status.CapacityWait;
import java.time.Duration;

/**
 * The primary's and the canary's autoscalers of a simulated service whose whole traffic needs
 * {@code pods} replicas: each side runs the replicas its share of traffic needs (at least one; the
 * primary at most {@code maxReplicas}, and never under a raised floor). Replicas taken away go at
 * once; replicas added are ready {@code warmUp} after they were asked for. It also watches every
 * route change that gives the primary more traffic: the primary must have the ready replicas for
 * its new share, unless the engine's capacity wait reached its bound.
 */
final class SimulatedAutoscaler {
  private final int pods;
  private final int maxReplicas;
  private final Duration warmUp;
  private final Duration bound;
  private int floor;
  private boolean raised;
  private int desired;
  private int ready;
  private Duration desiredSince = Duration.ZERO;
  private Duration waitSince;
  private int raises;

  SimulatedAutoscaler(int pods, int maxReplicas, Duration warmUp, Duration bound) {
    this.pods = pods;
    this.maxReplicas = maxReplicas;
    this.warmUp = warmUp;
    this.bound = bound;
    this.desired = Math.min(maxReplicas, pods);
    this.ready = desired;
  }

  private int share(int weight) {
    return (int) Math.ceil(pods * weight / 100.0);
  }

  private int canaryReady(TrafficSplit split, boolean canaryUp) {
    return canaryUp ? Math.max(1, share(split.canaryWeight())) : 0;
  }

  /** Lets the autoscalers act on the traffic and the time. */
  void update(Duration now, TrafficSplit split) {
    int want = Math.max(1, Math.min(maxReplicas, share(split.primaryWeight())));
    if (raised) {
      want = Math.max(want, floor);
    }
    if (want > desired) {
      desiredSince = now;
    }
    desired = want;
    if (ready > desired) {
      ready = desired;
    } else if (ready < desired && now.compareTo(desiredSince.plus(warmUp)) >= 0) {
      ready = desired;
    }
  }

  /** What the workload reports, after the stored status' wait (if any) was noted. */
  PrimaryCapacity observe(Duration now, TrafficSplit split, boolean canaryUp, CapacityWait wait,
      java.time.Instant start) {
    update(now, split);
    if (wait != null) {
      waitSince = Duration.between(start, wait.since());
    }
    int needed = raised ? floor : Math.min(maxReplicas, desired + canaryReady(split, canaryUp));
    return new PrimaryCapacity(ready, needed, raised);
  }

  void prepare(Duration now, TrafficSplit split, boolean canaryUp) {
    update(now, split);
    if (!raised) {
      floor = Math.min(maxReplicas, desired + canaryReady(split, canaryUp));
      raised = true;
      raises++;
    }
    update(now, split);
  }

  void release(Duration now, TrafficSplit split) {
    raised = false;
    floor = 0;
    update(now, split);
  }

  /** Checks a route change; returns the violation, or null. */
  String routed(Duration now, TrafficSplit from, TrafficSplit to) {
    update(now, from);
    if (to.primaryWeight() <= from.primaryWeight()) {
      return null;
    }
    int needed = Math.min(maxReplicas, share(to.primaryWeight()));
    boolean expired = waitSince != null && now.compareTo(waitSince.plus(bound)) >= 0;
    String violation = ready < needed && !expired
        ? "routed " + to.primaryWeight() + "% to the primary with " + ready + "/" + needed
            + " replicas ready at " + now
        : null;
    if (to.primaryWeight() == 100) {
      waitSince = null;
    }
    return violation;
  }

  boolean raised() {
    return raised;
  }

  /** How often the floor was raised. */
  int raises() {
    return raises;
  }

  int readyReplicas() {
    return ready;
  }
}
