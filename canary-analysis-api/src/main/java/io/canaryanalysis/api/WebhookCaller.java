package io.canaryanalysis.api;

import io.canaryanalysis.api.spec.Webhook;

/**
 * Delivers a webhook: POST the payload as JSON to {@code hook.url()} within {@code hook.timeout()},
 * retrying up to {@code hook.retries()} times when that is safe (see the implementation). Never
 * throws for HTTP-level problems; returns them as a {@link WebhookResult}, whose texts must not
 * carry credentials.
 */
@FunctionalInterface
public interface WebhookCaller {

  WebhookResult call(Webhook hook, WebhookPayload payload);
}
