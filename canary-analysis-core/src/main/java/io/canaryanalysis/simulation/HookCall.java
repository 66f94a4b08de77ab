package io.canaryanalysis.simulation;

import io.canaryanalysis.api.WebhookPayload;
import io.canaryanalysis.api.spec.WebhookType;

/** One webhook call the engine made during a simulated tick. */
public record HookCall(String name, WebhookType type, WebhookPayload payload) {}
