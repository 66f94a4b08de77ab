package io.canaryanalysis.api.status;

/**
 * What one measurement of a metric check showed, kept apart end to end (status history, events,
 * simulation results) so that no data and provider errors are never mistaken for a failed check
 * or a pass.
 */
public enum OutcomeClass {
  /** The value was within its bounds, or the judge showed the canary is not worse by the margin. */
  PASS("pass"),
  /** The value broke its bounds, or the judge showed a regression at its level. */
  FAIL("fail"),
  /** The judge has not seen enough evidence either way yet. */
  INCONCLUSIVE("inconclusive"),
  /** The query ran but found nothing (no series, NaN, or no canary traffic for the judge). */
  NO_DATA("noData"),
  /** The query did not run or its answer was unusable (provider down, timeout, bad body). */
  PROVIDER_ERROR("providerError");

  private final String manifestValue;

  OutcomeClass(String manifestValue) {
    this.manifestValue = manifestValue;
  }

  /** The value written in a stored status. */
  public String manifestValue() {
    return manifestValue;
  }
}
