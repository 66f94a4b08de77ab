package io.canaryanalysis.examples;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Go-style durations ({@code 30s}, {@code 1m30s}, {@code 1h}, {@code 500ms}) as scenario files write them. */
final class GoDurations {
  private static final Pattern WHOLE = Pattern.compile("(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h))+");
  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");

  private GoDurations() {}

  /** The duration, or null when {@code text} is not a non-negative Go duration. */
  static Duration parse(String text) {
    if (text == null || !WHOLE.matcher(text).matches()) {
      return null;
    }
    double millis = 0;
    Matcher part = PART.matcher(text);
    while (part.find()) {
      double amount = Double.parseDouble(part.group(1));
      switch (part.group(2)) {
        case "ms":
          millis += amount;
          break;
        case "s":
          millis += amount * 1_000;
          break;
        case "m":
          millis += amount * 60_000;
          break;
        default:
          millis += amount * 3_600_000;
          break;
      }
    }
    return Duration.ofMillis(Math.round(millis));
  }

  /** A simulated time offset as {@code HH:MM:SS}. */
  static String clock(Duration offset) {
    long seconds = offset.getSeconds();
    return String.format("%02d:%02d:%02d", seconds / 3600, (seconds / 60) % 60, seconds % 60);
  }

  /** A duration the way Go prints it: {@code 14m0s}, {@code 1h2m0s}, {@code 30s}. */
  static String go(Duration duration) {
    long seconds = duration.getSeconds();
    long hours = seconds / 3600;
    long minutes = (seconds / 60) % 60;
    long rest = seconds % 60;
    StringBuilder text = new StringBuilder();
    if (hours > 0) {
      text.append(hours).append('h');
    }
    if (hours > 0 || minutes > 0) {
      text.append(minutes).append('m');
    }
    return text.append(rest).append('s').toString();
  }
}
