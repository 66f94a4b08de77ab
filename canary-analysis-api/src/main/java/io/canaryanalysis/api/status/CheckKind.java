package io.canaryanalysis.api.status;

/** What kind of check produced a failure. */
public enum CheckKind {
  /** A metric value outside its threshold range. */
  METRIC,
  /** A metric query that returned no data (empty or NaN). */
  METRIC_NO_DATA,
  /** A metric query or template that failed to run (provider down, bad query, missing template). */
  METRIC_ERROR,
  /** A metric check whose provider errors used up its error budget ({@code consecutiveErrorLimit}). */
  METRIC_ERROR_BUDGET,
  /** A canary-vs-primary judge that showed the canary worse than the primary. */
  JUDGE,
  /** A pre-rollout or rollout webhook that did not pass. */
  WEBHOOK,
  /** A rollback webhook that asked for a rollback. */
  ROLLBACK_WEBHOOK,
  /** The canary or primary stayed not ready past the progress deadline, or failed outright. */
  READINESS
}
