package io.canaryanalysis.manifest;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Flagger's duration strings. Flagger's CRD accepts {@code ^[0-9]+(m|s)} and Go's
 * {@code time.ParseDuration} reads them, so {@code 30s}, {@code 5m} and {@code 1m30s} are valid;
 * {@code h} and {@code ms} components are accepted as an extension.
 */
final class Durations {
  private static final Pattern DURATION =
      Pattern.compile("(?:(\\d+)h)?(?:(\\d+)m(?!s))?(?:(\\d+)s)?(?:(\\d+)ms)?");

  private Durations() {}

  /** Why {@code text} is not a duration, without quoting it. */
  static String problem(String text) {
    return text != null && DURATION.matcher(text).matches() && !text.isEmpty()
        ? "out of range: at most 100 years (876000h)"
        : "expected a duration: a number with a unit such as 30s, 5m or 1m30s";
  }

  /** The longest duration read: the engine adds durations to instants, so a bound keeps them valid. */
  static final Duration MAX = Duration.ofDays(36_500);

  /** The duration, or null when {@code text} is not a duration in the accepted syntax or longer than {@link #MAX}. */
  static Duration parse(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    Matcher m = DURATION.matcher(text);
    if (!m.matches()) {
      return null;
    }
    try {
      Duration result = Duration.ZERO;
      if (m.group(1) != null) {
        result = result.plusHours(Long.parseLong(m.group(1)));
      }
      if (m.group(2) != null) {
        result = result.plusMinutes(Long.parseLong(m.group(2)));
      }
      if (m.group(3) != null) {
        result = result.plusSeconds(Long.parseLong(m.group(3)));
      }
      if (m.group(4) != null) {
        result = result.plusMillis(Long.parseLong(m.group(4)));
      }
      return result.compareTo(MAX) > 0 ? null : result;
    } catch (NumberFormatException | ArithmeticException e) {
      return null;
    }
  }

  /**
   * Writes a duration the way Flagger's CRD accepts it: whole minutes as {@code 5m}, whole seconds
   * as {@code 90s}, anything finer as seconds plus {@code ms} (which this reader accepts).
   */
  static String format(Duration duration) {
    if (duration.isNegative()) {
      return "-" + format(duration.negated());
    }
    long millis = duration.toMillis();
    if (millis % 60_000 == 0 && millis > 0) {
      return (millis / 60_000) + "m";
    }
    if (millis % 1000 == 0) {
      return (millis / 1000) + "s";
    }
    long seconds = millis / 1000;
    return seconds == 0 ? (millis % 1000) + "ms" : seconds + "s" + (millis % 1000) + "ms";
  }
}
