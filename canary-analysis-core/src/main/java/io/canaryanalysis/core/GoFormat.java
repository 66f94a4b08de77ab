package io.canaryanalysis.core;

import java.math.BigDecimal;
import java.util.Locale;

/** Go's {@code %v} and {@code %.2f} of floats and {@code time.Duration.String()}, so texts match Flagger's. */
final class GoFormat {
  private GoFormat() {}

  /** Go's {@code %v} of a float64 in the ordinary range: {@code 99}, {@code 99.5}, {@code 0.25}. */
  static String number(double value) {
    if (Double.isInfinite(value)) {
      return value > 0 ? "+Inf" : "-Inf";
    }
    if (Double.isNaN(value)) {
      return "NaN";
    }
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      return Long.toString((long) value);
    }
    return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
  }

  /** Go's {@code %.2f}. */
  static String twoDecimals(double value) {
    if (Double.isInfinite(value)) {
      return value > 0 ? "+Inf" : "-Inf";
    }
    return String.format(Locale.ROOT, "%.2f", value);
  }

  /** Go's {@code time.Duration(ms) * time.Millisecond} printed: 1515 is {@code 1.515s}, 500 is {@code 500ms}. */
  static String durationFromMillis(double millis) {
    if (Double.isNaN(millis)) {
      return "NaN";
    }
    if (Double.isInfinite(millis)) {
      return millis > 0 ? "+Inf" : "-Inf";
    }
    if (Math.abs(millis) >= Long.MAX_VALUE / 1_000_000L) {
      // Beyond time.Duration's range (about 292 years): Go would overflow; print the number.
      return number(millis) + "ms";
    }
    return duration((long) millis * 1_000_000L);
  }

  /** Go's {@code time.Duration.String()}. */
  static String duration(long nanos) {
    if (nanos == 0) {
      return "0s";
    }
    String sign = nanos < 0 ? "-" : "";
    long u = Math.abs(nanos);
    if (u < 1_000_000_000L) {
      if (u < 1_000L) {
        return sign + u + "ns";
      }
      if (u < 1_000_000L) {
        return sign + fraction(u, 1_000L) + "\u00b5s";
      }
      return sign + fraction(u, 1_000_000L) + "ms";
    }
    long hours = u / 3_600_000_000_000L;
    long rest = u % 3_600_000_000_000L;
    long minutes = rest / 60_000_000_000L;
    String seconds = fraction(rest % 60_000_000_000L, 1_000_000_000L) + "s";
    if (hours > 0) {
      return sign + hours + "h" + minutes + "m" + seconds;
    }
    if (minutes > 0) {
      return sign + minutes + "m" + seconds;
    }
    return sign + seconds;
  }

  private static String fraction(long value, long unit) {
    long whole = value / unit;
    long frac = value % unit;
    if (frac == 0) {
      return Long.toString(whole);
    }
    int digits = Long.toString(unit).length() - 1;
    StringBuilder f = new StringBuilder(Long.toString(frac));
    while (f.length() < digits) {
      f.insert(0, '0');
    }
    int end = f.length();
    while (end > 0 && f.charAt(end - 1) == '0') {
      end--;
    }
    return whole + "." + f.substring(0, end);
  }
}
