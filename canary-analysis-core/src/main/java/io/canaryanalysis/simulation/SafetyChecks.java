package io.canaryanalysis.simulation;

import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Watches a simulated rollout for what must never happen, whatever fails: traffic routed to a
 * canary scaled to zero, a canary scaled to zero while it still gets traffic, a promotion after a
 * rollback was decided, a revision promoted twice, a weight step taken without the analysis at
 * the weight before it, and (with a simulated autoscaler) traffic moved to a primary without the
 * ready replicas to carry it before the capacity wait's bound.
 */
final class SafetyChecks {
  private final boolean analysedByMetrics;
  private final List<String> violations = new ArrayList<>();
  private final Map<String, Integer> promotions = new HashMap<>();
  private int queriesAtWeight;

  SafetyChecks(boolean analysedByMetrics) {
    this.analysedByMetrics = analysedByMetrics;
  }

  void routed(TrafficSplit from, TrafficSplit to, boolean canaryScaledUp) {
    if ((to.canaryWeight() > 0 || to.mirrored()) && !canaryScaledUp) {
      violations.add("routed " + to.canaryWeight() + "% (mirrored=" + to.mirrored()
          + ") to a canary scaled to zero");
    }
    if (analysedByMetrics && from.canaryWeight() > 0 && to.canaryWeight() > from.canaryWeight()
        && from.canaryWeight() < 100 && queriesAtWeight == 0) {
      violations.add("advanced from weight " + from.canaryWeight() + " to " + to.canaryWeight()
          + " without analysing at " + from.canaryWeight());
    }
    if (to.canaryWeight() != from.canaryWeight()) {
      queriesAtWeight = 0;
    }
  }

  void scaledToZero(TrafficSplit routes) {
    if (routes.canaryWeight() > 0 || routes.mirrored()) {
      violations.add("scaled the canary to zero while it had " + routes.canaryWeight()
          + "% (mirrored=" + routes.mirrored() + ")");
    }
  }

  void promoted(String revision, String primaryRevision, CanaryStatus stored) {
    if (stored.phase() == CanaryPhase.FAILED && revision.equals(stored.lastAppliedSpec())) {
      violations.add("promoted " + revision + " after its rollback was decided");
    }
    if (!revision.equals(primaryRevision)) {
      int times = promotions.merge(revision, 1, Integer::sum);
      if (times > 1) {
        violations.add("promoted " + revision + " " + times + " times");
      }
    }
  }

  /** A violation seen elsewhere (the simulated autoscaler's capacity check). */
  void violation(String violation) {
    if (violation != null) {
      violations.add(violation);
    }
  }

  void queried() {
    queriesAtWeight++;
  }

  List<String> violations() {
    return List.copyOf(violations);
  }
}
