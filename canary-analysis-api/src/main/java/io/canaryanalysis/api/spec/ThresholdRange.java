package io.canaryanalysis.api.spec;

/** Inclusive bounds a metric value must stay within; either bound may be absent (null). */
public record ThresholdRange(Double min, Double max) {

  public static ThresholdRange min(double min) {
    return new ThresholdRange(min, null);
  }

  public static ThresholdRange max(double max) {
    return new ThresholdRange(null, max);
  }

  /** True when {@code value} is within the bounds. NaN is never within. */
  public boolean contains(double value) {
    if (Double.isNaN(value)) {
      return false;
    }
    return (min == null || value >= min) && (max == null || value <= max);
  }
}
