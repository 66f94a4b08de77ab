package io.canaryanalysis.api;

/** Kubernetes event types. */
public enum EventType {
  NORMAL("Normal"),
  WARNING("Warning");

  private final String value;

  EventType(String value) {
    this.value = value;
  }

  /** {@code Normal} or {@code Warning}. */
  public String value() {
    return value;
  }
}
