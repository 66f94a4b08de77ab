package io.canaryanalysis.metrics.prometheus;

import java.time.Duration;

/** Short human-readable durations for messages ("5s", "250ms", "1m30s"). */
final class Durations {
  private Durations() {}

  static String format(Duration d) {
    long millis = d.toMillis();
    if (millis < 1000 || millis % 1000 != 0) {
      return millis + "ms";
    }
    long seconds = millis / 1000;
    if (seconds < 60) {
      return seconds + "s";
    }
    long minutes = seconds / 60;
    long rest = seconds % 60;
    return rest == 0 ? minutes + "m" : minutes + "m" + rest + "s";
  }
}
