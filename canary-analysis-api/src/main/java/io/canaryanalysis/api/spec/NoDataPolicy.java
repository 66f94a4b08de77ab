package io.canaryanalysis.api.spec;

/**
 * What a metric check does when its query returns no data (an empty result or NaN, typically a
 * canary that receives no traffic). An extension: Flagger always fails.
 */
public enum NoDataPolicy {
  /** The check fails and counts towards the threshold (Flagger's behaviour, the default). */
  FAIL("fail"),
  /** The check passes. */
  PASS("pass"),
  /** The tick halts without advancing and without counting a failed check (inconclusive). */
  HOLD("hold");

  private final String manifestValue;

  NoDataPolicy(String manifestValue) {
    this.manifestValue = manifestValue;
  }

  /** The value written in a manifest ({@code onNoData: hold}). */
  public String manifestValue() {
    return manifestValue;
  }
}
