package io.canaryanalysis.core;

import io.canaryanalysis.api.AlertSeverity;
import io.canaryanalysis.api.spec.AlertRef;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.ProviderRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Alert routing (flagger.md §6): which subscriptions get an alert, and the fields Flagger attaches. */
final class Alerts {
  private Alerts() {}

  /**
   * The alert for the subscriptions that accept {@code severity}; with no subscriptions, one for
   * the host's default channel; null when the canary subscribes but none accepts it.
   */
  static Action.SendAlert route(Canary canary, AlertSeverity severity, String message) {
    return route(canary, severity, severity, message);
  }

  /**
   * An alert of {@code severity} for the subscriptions that accept {@code routedAs}: a recovery
   * ({@code info}) reaches the subscriptions that received the failure it ends.
   */
  static Action.SendAlert route(Canary canary, AlertSeverity routedAs, AlertSeverity severity,
      String message) {
    Analysis analysis = canary.spec().analysis();
    List<ProviderRef> providers = new ArrayList<>();
    if (analysis != null) {
      for (AlertRef ref : analysis.alerts()) {
        if (ref.accepts(routedAs)) {
          providers.add(ref.providerRef());
        }
      }
      if (!analysis.alerts().isEmpty() && providers.isEmpty()) {
        return null;
      }
    }
    return new Action.SendAlert(severity, message, providers, fields(canary));
  }

  private static Map<String, String> fields(Canary canary) {
    Map<String, String> fields = new LinkedHashMap<>();
    String kind = canary.spec().targetRef().kind() == null
        ? "Deployment" : canary.spec().targetRef().kind();
    if (!canary.spec().targetRef().name().isBlank()) { // blank: a canary read only in part
      fields.put("Target", kind + "/" + canary.spec().targetRef().name() + "." + canary.namespace());
    }
    Analysis analysis = canary.spec().analysis();
    if (analysis != null) {
      fields.put("Failed checks threshold", Integer.toString(Math.max(1, analysis.threshold())));
      fields.put("Traffic routing", trafficRouting(analysis));
    }
    int deadline = canary.spec().progressDeadlineSeconds() > 0
        ? canary.spec().progressDeadlineSeconds() : 600;
    fields.put("Progress deadline", deadline + "s");
    return fields;
  }

  private static String trafficRouting(Analysis analysis) {
    switch (analysis.strategy()) {
      case AB_TESTING:
        return "A/B Testing";
      case BLUE_GREEN:
        return "Blue/Green";
      default:
        if (analysis.stepWeight() <= 0 && !analysis.stepWeights().isEmpty()) {
          StringBuilder steps = new StringBuilder();
          for (int w : analysis.stepWeights()) {
            steps.append(steps.length() == 0 ? "" : ",").append(w);
          }
          return "Weight steps: " + steps + " max: " + analysis.effectiveMaxWeight();
        }
        return "Weight step: " + analysis.stepWeight() + " max: " + analysis.effectiveMaxWeight();
    }
  }
}
