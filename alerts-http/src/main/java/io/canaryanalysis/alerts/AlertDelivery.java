package io.canaryanalysis.alerts;

import java.time.Duration;
import java.util.Objects;

/**
 * What became of one alert for one provider. The detail never contains the hook URL, a token or
 * a proxy password.
 *
 * @param provider {@code namespace/name} of the provider, or {@code global} for the host's default
 * @param type the provider's type, or null when the provider could not be resolved
 * @param attempts HTTP requests made (0 when the alert failed before sending)
 * @param status the last HTTP status, or 0 when none was received
 * @param detail why it failed, or {@code delivered}
 * @param elapsed wall time spent on this provider, retries and backoff included
 */
public record AlertDelivery(String provider, AlertProviderType type, Outcome outcome, int attempts,
    int status, String detail, Duration elapsed) {

  /** Delivered, or failed (after retries when the failure was transient). */
  public enum Outcome {
    DELIVERED,
    FAILED
  }

  public AlertDelivery {
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(detail, "detail");
    elapsed = elapsed == null ? Duration.ZERO : elapsed;
  }

  AlertDelivery withElapsed(Duration newElapsed) {
    return new AlertDelivery(provider, type, outcome, attempts, status, detail, newElapsed);
  }

  public boolean delivered() {
    return outcome == Outcome.DELIVERED;
  }
}
