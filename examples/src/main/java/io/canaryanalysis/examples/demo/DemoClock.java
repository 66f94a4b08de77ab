package io.canaryanalysis.examples.demo;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.Callable;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The demo's analysis time: it runs {@code speed} times faster than the wall clock, so Flagger's
 * 10s minimum analysis interval takes a couple of seconds. The engine reads this clock and the
 * controller schedules on {@link #scheduler}, whose delays are divided by the same factor; metrics
 * are still evaluated at wall time (Prometheus scrapes in real time).
 */
final class DemoClock implements InstantSource {
  private final Instant start;
  private final long startNanos;
  private final double speed;

  DemoClock(Instant start, double speed) {
    if (!(speed > 0)) {
      throw new IllegalArgumentException("speed must be positive, got " + speed);
    }
    this.start = start;
    this.startNanos = System.nanoTime();
    this.speed = speed;
  }

  double speed() {
    return speed;
  }

  @Override
  public Instant instant() {
    return start.plusNanos((long) ((System.nanoTime() - startNanos) * speed));
  }

  /** Wall seconds since the demo clock started. */
  double wallSeconds() {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  /**
   * A pool of daemon threads whose delays are in analysis time; {@code afterTask} runs on the
   * worker thread after each task.
   */
  ScheduledThreadPoolExecutor scheduler(int threads, Runnable afterTask) {
    return new Scaled(threads, speed, afterTask);
  }

  static Duration wall(Duration analysis, double speed) {
    return Duration.ofNanos((long) Math.ceil(analysis.toNanos() / speed));
  }

  private static final class Scaled extends ScheduledThreadPoolExecutor {
    private final double speed;
    private final Runnable afterTask;

    Scaled(int threads, double speed, Runnable afterTask) {
      super(threads, daemonThreads());
      this.speed = speed;
      this.afterTask = afterTask;
    }

    @Override
    protected void afterExecute(Runnable task, Throwable thrown) {
      super.afterExecute(task, thrown);
      afterTask.run();
    }

    private static java.util.concurrent.ThreadFactory daemonThreads() {
      AtomicInteger n = new AtomicInteger();
      return task -> {
        Thread t = new Thread(task, "demo-controller-" + n.incrementAndGet());
        t.setDaemon(true);
        return t;
      };
    }

    private long scale(long delay, TimeUnit unit) {
      return delay <= 0 ? 0 : (long) Math.ceil(unit.toNanos(delay) / speed);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      return super.schedule(command, scale(delay, unit), TimeUnit.NANOSECONDS);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
      return super.schedule(callable, scale(delay, unit), TimeUnit.NANOSECONDS);
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
      return super.scheduleAtFixedRate(command, scale(initialDelay, unit), Math.max(1, scale(period, unit)),
          TimeUnit.NANOSECONDS);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
      return super.scheduleWithFixedDelay(command, scale(initialDelay, unit), Math.max(1, scale(delay, unit)),
          TimeUnit.NANOSECONDS);
    }
  }
}
