package io.canaryanalysis.kubernetes;

import io.canaryanalysis.api.CanaryEvent;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The low-priority lane of a tick's requests: events queued (bounded, the oldest dropped when
 * full) and recorded by one daemon thread at a fixed rate, apart from the tick threads that write
 * statuses and routes.
 */
final class EventLane {
  private final Consumer<CanaryEvent> recorder;
  private final long intervalNanos;
  private final int capacity;
  private final ArrayDeque<CanaryEvent> queue = new ArrayDeque<>();
  private final Thread thread;
  private long dropped;
  private boolean closed;

  EventLane(Consumer<CanaryEvent> recorder, double perSecond, int capacity) {
    this.recorder = recorder;
    this.intervalNanos = (long) (TimeUnit.SECONDS.toNanos(1) / perSecond);
    this.capacity = capacity;
    this.thread = new Thread(this::run, "canary-analysis-events");
    thread.setDaemon(true);
    thread.start();
  }

  synchronized void offer(CanaryEvent event) {
    if (closed) {
      return;
    }
    if (queue.size() >= capacity) {
      queue.pollFirst();
      dropped++;
    }
    queue.addLast(event);
    notifyAll();
  }

  synchronized long dropped() {
    return dropped;
  }

  synchronized int size() {
    return queue.size();
  }

  private void run() {
    long next = System.nanoTime();
    while (true) {
      CanaryEvent event;
      synchronized (this) {
        while (queue.isEmpty() && !closed) {
          try {
            wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (queue.isEmpty()) {
          return;
        }
        event = queue.pollFirst();
      }
      long wait = next - System.nanoTime();
      if (wait > 0) {
        try {
          TimeUnit.NANOSECONDS.sleep(wait);
        } catch (InterruptedException e) {
          return;
        }
      }
      next = Math.max(next, System.nanoTime() - intervalNanos) + intervalNanos;
      recorder.accept(event);
    }
  }

  void close() {
    synchronized (this) {
      closed = true;
      notifyAll();
    }
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    thread.interrupt();
  }
}
