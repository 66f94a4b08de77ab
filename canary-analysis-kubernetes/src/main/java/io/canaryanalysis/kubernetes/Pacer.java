package io.canaryanalysis.kubernetes;

/**
 * Spreads starts evenly at a rate: each caller gets the delay until its own slot, one every
 * {@code 1/rate} seconds after the previous one (no burst beyond one slot).
 */
final class Pacer {
  private final long intervalNanos;
  private long nextFree = Long.MIN_VALUE;

  Pacer(double perSecond) {
    this.intervalNanos = Math.max(1, (long) (1_000_000_000L / perSecond));
  }

  /** Takes the next slot: how long from {@code now} until it. */
  synchronized long delayNanos(long now) {
    long start = nextFree == Long.MIN_VALUE || nextFree - now < 0 ? now : nextFree;
    nextFree = start + intervalNanos;
    return start - now;
  }

  /** The delay the next caller would get, without taking the slot. */
  synchronized long peekNanos(long now) {
    return nextFree == Long.MIN_VALUE || nextFree - now < 0 ? 0 : nextFree - now;
  }
}
