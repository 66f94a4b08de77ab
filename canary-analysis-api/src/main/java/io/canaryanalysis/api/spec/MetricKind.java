package io.canaryanalysis.api.spec;

/** How a metric query is judged. */
public enum MetricKind {
  /** The query returns one number, judged against the threshold range (Flagger's only kind). */
  VALUE("value"),
  /**
   * The query is an alert expression such as {@code increase(errors[1m]) > 2}: the check fails when
   * it returns any series and passes when it returns none. An extension, so alert rules can be reused.
   */
  ALERT("alert");

  private final String manifestValue;

  MetricKind(String manifestValue) {
    this.manifestValue = manifestValue;
  }

  public String manifestValue() {
    return manifestValue;
  }
}
