package io.canaryanalysis.core;

import io.canaryanalysis.api.WebhookResult;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.Webhook;
import io.canaryanalysis.api.status.CanaryPhase;
import java.util.List;

/**
 * The observations the state machine asks for one at a time, in Flagger's order, stopping at the
 * first failure. They only read the world (hooks may run load tests, which is why they are asked
 * for one at a time); the machine changes tick state only through {@link Tick}'s methods. The
 * engine implements them with the real SPIs; tests with fakes.
 */
interface TickChecks {

  /** Calls {@code hook} with {@code payloadPhase} in the payload. Never throws. */
  WebhookResult callWebhook(Webhook hook, CanaryPhase payloadPhase);

  /** Renders and runs {@code check}. Never throws. */
  MetricOutcome evaluate(MetricCheck check);

  /**
   * Flagger's start-up probe while a canary initializes: what is wrong with the metric providers
   * the checks use (not found, not answering), or an empty list. Never throws.
   */
  List<String> metricProviderProblems();
}
