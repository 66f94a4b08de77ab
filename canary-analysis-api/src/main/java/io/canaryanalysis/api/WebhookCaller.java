package io.canaryanalysis.api;

import io.canaryanalysis.api.spec.Webhook;

/**
 * Delivers a webhook: POST the payload as JSON to {@code hook.url()} within {@code hook.timeout()},
 * retrying {@code hook.retries()} times on connection errors, 429 and 5xx. Never throws for
 * HTTP-level problems; returns them as a {@link WebhookResult}.
 */
@FunctionalInterface
public interface WebhookCaller {

  WebhookResult call(Webhook hook, WebhookPayload payload);
}
