package io.canaryanalysis.api.status;

import java.time.Instant;
import java.util.Objects;

/**
 * One measurement of a metric check, as kept in the status history.
 *
 * @param time when the tick measured it
 * @param outcome its class
 * @param value the observed value (the e-value for a judge), or null when there was none
 * @param bound the bound it was judged against as text ({@code >= 99}, {@code e >= 100}); for a
 *     failed threshold the violated bound ({@code < 99}), as in {@code lastFailure}; or null
 */
public record Measurement(Instant time, OutcomeClass outcome, Double value, String bound) {
  public Measurement {
    Objects.requireNonNull(outcome, "outcome");
  }
}
