package io.canaryanalysis.api.status;

/** A Kubernetes condition status. */
public enum ConditionStatus {
  TRUE("True"),
  FALSE("False"),
  UNKNOWN("Unknown");

  private final String value;

  ConditionStatus(String value) {
    this.value = value;
  }

  /** {@code True}, {@code False} or {@code Unknown}. */
  public String value() {
    return value;
  }
}
