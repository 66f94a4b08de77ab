package io.canaryanalysis.core;

import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.WebhookResult;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.Webhook;
import io.canaryanalysis.api.status.CanaryPhase;

/**
 * The observations the state machine asks for one at a time, in Flagger's order, stopping at the
 * first failure. The engine implements them with the real SPIs; tests with fakes.
 */
interface TickChecks {

  /** Calls {@code hook} with {@code payloadPhase} in the payload. Never throws. */
  WebhookResult callWebhook(Webhook hook, CanaryPhase payloadPhase);

  /** Renders and runs {@code check}. Never throws. */
  MetricOutcome evaluate(MetricCheck check);

  /**
   * The split the router applies now. Only asked on ticks that need it.
   *
   * @throws io.canaryanalysis.api.ProviderException when the router cannot be read
   */
  TrafficSplit currentRoutes();
}
