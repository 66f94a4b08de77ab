package io.canaryanalysis.kubernetes;

import java.util.Arrays;

/** The last {@code size} lateness samples (nanoseconds) of ticks against their schedule. */
final class QueueLag {
  private final long[] samples;
  private int next;
  private int count;

  QueueLag(int size) {
    this.samples = new long[size];
  }

  synchronized void record(long lateNanos) {
    samples[next] = Math.max(0, lateNanos);
    next = (next + 1) % samples.length;
    count = Math.min(count + 1, samples.length);
  }

  /** The sample at {@code quantile} (0 to 1), 0 without samples. */
  synchronized long quantile(double quantile) {
    if (count == 0) {
      return 0;
    }
    long[] sorted = Arrays.copyOf(samples, count);
    Arrays.sort(sorted);
    int index = (int) Math.min(count - 1, Math.max(0, Math.ceil(quantile * count) - 1));
    return sorted[index];
  }
}
