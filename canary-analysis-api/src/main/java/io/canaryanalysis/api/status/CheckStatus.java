package io.canaryanalysis.api.status;

import java.util.List;
import java.util.Objects;

/**
 * What the status keeps about one metric check in the current run: its recent measurements, its
 * run of consecutive provider errors (the error budget), and the judge's evidence.
 *
 * @param name the metric check's name
 * @param consecutiveErrors provider errors in a row; reset by any measurement that is not one
 * @param measurements the last measurements, oldest first, at most
 *     {@code analysis.measurementRetention} of them
 * @param judge the judge's state for a judge check, else null
 */
public record CheckStatus(String name, int consecutiveErrors, List<Measurement> measurements,
    JudgeStatus judge) {

  public CheckStatus {
    Objects.requireNonNull(name, "name");
    measurements = measurements == null ? List.of() : List.copyOf(measurements);
  }
}
