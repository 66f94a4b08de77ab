package io.canaryanalysis.simulation;

import io.canaryanalysis.api.WebhookResult;
import java.time.Duration;

/** A scripted webhook answer as a function of simulated time. */
@FunctionalInterface
public interface HookTrace {
  WebhookResult answer(Duration elapsed);
}
