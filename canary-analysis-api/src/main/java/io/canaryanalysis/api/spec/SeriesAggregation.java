package io.canaryanalysis.api.spec;

/**
 * How a query result with several series becomes one value. An extension: Flagger silently takes
 * the last series; here several series are an error unless the metric asks for an aggregation.
 */
public enum SeriesAggregation {
  /** Exactly one series is expected; more is a query error naming the series count. */
  NONE("none"),
  SUM("sum"),
  MIN("min"),
  MAX("max"),
  AVG("avg");

  private final String manifestValue;

  SeriesAggregation(String manifestValue) {
    this.manifestValue = manifestValue;
  }

  public String manifestValue() {
    return manifestValue;
  }
}
