package io.canaryanalysis.core;

import io.canaryanalysis.api.AlertSeverity;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.WebhookResult;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Webhook;
import io.canaryanalysis.api.spec.WebhookType;
import io.canaryanalysis.api.status.CanaryPhase;
import java.util.List;

/** Traffic advancement after a passed analysis: canary weights, blue/green and A/B iterations (flagger.md §2.4–§2.6). */
final class StrategyStep {
  private StrategyStep() {}

  static void advance(Tick t) {
    TrafficSplit routes = t.routes();
    switch (t.analysis.strategy()) {
      case AB_TESTING:
        abTesting(t);
        break;
      case BLUE_GREEN:
        blueGreen(t, routes);
        break;
      default:
        canary(t, routes);
        break;
    }
  }

  /** Mirroring is used only when asked for and the router can mirror. */
  static boolean mirroring(Tick t) {
    return t.analysis.mirror() && t.input.routerCapabilities().mirroring();
  }

  private static void canary(Tick t, TrafficSplit routes) {
    int weight = routes.canaryWeight();
    int maxWeight = t.analysis.effectiveMaxWeight();
    if (weight >= maxWeight) {
      if (Promotion.confirmed(t)) {
        Promotion.promote(t);
      }
      return;
    }
    boolean mirrored = mirroring(t) && routes.mirrored();
    if (!mirrored && t.phase() == CanaryPhase.PROGRESSING && !trafficIncreaseConfirmed(t)) {
      return;
    }
    int step = nextStepWeight(t.analysis, weight);
    TrafficSplit next;
    if (mirroring(t) && weight == 0 && !mirrored) {
      next = new TrafficSplit(100, 0, true);
    } else {
      int canaryWeight = Math.min(maxWeight, Math.min(100, weight + step));
      next = TrafficSplit.canary(canaryWeight);
    }
    t.setRoutes(next);
    t.info("Advance " + t.canaryKey + " canary weight " + next.canaryWeight());
  }

  private static boolean trafficIncreaseConfirmed(Tick t) {
    for (Webhook hook : t.analysis.webhooks(WebhookType.CONFIRM_TRAFFIC_INCREASE)) {
      WebhookResult result = t.checks.callWebhook(hook, CanaryPhase.PROGRESSING);
      if (!result.passed()) {
        t.warning("Halt " + t.canaryKey + " advancement waiting for traffic increase approval "
            + hook.name());
        if (!hook.muteAlert()) {
          t.alert(AlertSeverity.WARN, "Canary traffic increase is waiting for approval.");
        }
        return false;
      }
      t.info("Confirm-traffic-increase check " + hook.name() + " passed");
    }
    return true;
  }

  /**
   * The next weight increment from {@code weight}: {@code stepWeight}, or the distance to the next
   * rung of {@code stepWeights} above {@code weight}. Flagger jumps to 100 when the weight is not on
   * the ladder; here it goes to the next rung above it.
   */
  static int nextStepWeight(Analysis analysis, int weight) {
    List<Integer> ladder = analysis.stepWeights();
    if (analysis.stepWeight() > 0 || ladder.isEmpty()) {
      return analysis.stepWeight();
    }
    int maxStep = 100 - weight;
    if (maxStep <= 0) {
      return 0;
    }
    for (int rung : ladder) {
      if (rung > weight) {
        return Math.min(maxStep, rung - weight);
      }
    }
    return maxStep;
  }

  private static void blueGreen(Tick t, TrafficSplit routes) {
    int iterations = t.analysis.iterations();
    int done = t.previous.iterations();
    if (iterations > done) {
      if (mirroring(t) && !routes.mirrored()) {
        t.setRoutes(new TrafficSplit(100, 0, true));
      }
      t.iterations(done + 1);
      t.info("Advance " + t.canaryKey + " canary iteration " + (done + 1) + "/" + iterations);
      return;
    }
    if (!Promotion.confirmed(t)) {
      return;
    }
    if (iterations == done) {
      t.info(mirroring(t) ? "Stop traffic mirroring and route all traffic to canary"
          : "Routing all traffic to canary");
      t.setRoutes(TrafficSplit.ALL_CANARY);
      t.iterations(done + 1);
      return;
    }
    Promotion.promote(t);
  }

  private static void abTesting(Tick t) {
    int iterations = t.analysis.iterations();
    int done = t.previous.iterations();
    if (iterations > done) {
      t.setRoutes(TrafficSplit.ALL_CANARY);
      t.iterations(done + 1);
      t.info("Advance " + t.canaryKey + " canary iteration " + (done + 1) + "/" + iterations);
      return;
    }
    if (Promotion.confirmed(t)) {
      Promotion.promote(t);
    }
  }
}
