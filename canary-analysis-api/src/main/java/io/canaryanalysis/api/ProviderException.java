package io.canaryanalysis.api;

/**
 * A provider call failed (Kubernetes API error, conflict that retries did not resolve, bad object).
 * The engine reports it as a Warning event and retries on the next tick; it never counts as a
 * passed check. Messages must not contain credentials.
 */
public class ProviderException extends RuntimeException {
  private final boolean retriable;

  public ProviderException(String message, boolean retriable, Throwable cause) {
    super(message, cause);
    this.retriable = retriable;
  }

  public ProviderException(String message, boolean retriable) {
    this(message, retriable, null);
  }

  /** True when the same call may succeed later without a spec change (5xx, timeouts, conflicts). */
  public boolean retriable() {
    return retriable;
  }
}
