package io.canaryanalysis.kubernetes;

import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.util.concurrent.TimeUnit;

/**
 * A client-side token bucket with two priorities, installed as a fabric8 client interceptor: every
 * request of the client takes a token (at most {@code requestsPerSecond}, bursts of {@code burst}),
 * and Events (core {@code /events} and {@code events.k8s.io}) are the low priority: an event
 * request takes a token only while no other request is waiting for one, so under load the status
 * and router writes (and the informers' lists) go first and events wait. Blocks the calling thread
 * while it waits, as client-go's rate limiter does; with {@link KubernetesEventSink.Builder#async}
 * that thread is the event lane's, never a tick's.
 *
 * <pre>
 * PriorityRateLimiter limiter = PriorityRateLimiter.of(50, 100);
 * KubernetesClient client = new KubernetesClientBuilder()
 *     .withHttpClientBuilderConsumer(h -&gt; h.addOrReplaceInterceptor("priority-rate-limit", limiter))
 *     .build();
 * </pre>
 */
public final class PriorityRateLimiter implements Interceptor {
  /** Which requests wait for which. */
  public enum Priority { HIGH, LOW }

  private final double perNano;
  private final int burst;
  private double tokens;
  private long refilledAt;
  private int highWaiting;
  private long lowDeferred;

  private PriorityRateLimiter(double requestsPerSecond, int burst) {
    this.perNano = requestsPerSecond / TimeUnit.SECONDS.toNanos(1);
    this.burst = burst;
    this.tokens = burst;
    this.refilledAt = System.nanoTime();
  }

  /**
   * A limiter of {@code requestsPerSecond} with room for {@code burst} requests at once.
   *
   * @throws IllegalArgumentException for a rate that is not positive and finite or a burst below 1
   */
  public static PriorityRateLimiter of(double requestsPerSecond, int burst) {
    if (!(requestsPerSecond > 0) || Double.isInfinite(requestsPerSecond)) {
      throw new IllegalArgumentException("requestsPerSecond must be positive, got " + requestsPerSecond);
    }
    if (burst < 1) {
      throw new IllegalArgumentException("burst must be at least 1, got " + burst);
    }
    return new PriorityRateLimiter(requestsPerSecond, burst);
  }

  @Override
  public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
    try {
      acquire(priorityOf(request.uri().getPath()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Events are low priority, everything else high: the resource of {@code /api/v1[/namespaces/ns]/events…}
   * or {@code /apis/<group>/<version>[/namespaces/ns]/events…} is {@code events}.
   */
  static Priority priorityOf(String path) {
    if (path == null) {
      return Priority.HIGH;
    }
    String[] parts = path.split("/");
    int i = 1;
    if (i < parts.length && "api".equals(parts[i])) {
      i += 2;
    } else if (i < parts.length && "apis".equals(parts[i])) {
      i += 3;
    } else {
      return Priority.HIGH;
    }
    if (i + 2 < parts.length && "namespaces".equals(parts[i])) {
      i += 2;
    }
    return i < parts.length && "events".equals(parts[i]) ? Priority.LOW : Priority.HIGH;
  }

  /** Takes one token, waiting for it; a low-priority caller also waits while a high one waits. */
  public synchronized void acquire(Priority priority) throws InterruptedException {
    boolean high = priority == Priority.HIGH;
    if (high) {
      highWaiting++;
    }
    boolean deferred = false;
    try {
      while (true) {
        refill();
        if (tokens >= 1 && (high || highWaiting == 0)) {
          tokens -= 1;
          if (high) {
            notifyAll(); // a low-priority waiter may go once no high one waits
          }
          return;
        }
        if (!high && tokens >= 1 && !deferred) {
          deferred = true;
          lowDeferred++;
        }
        long waitNanos = tokens >= 1 ? TimeUnit.MILLISECONDS.toNanos(50)
            : Math.max(1, (long) Math.ceil((1 - tokens) / perNano));
        TimeUnit.NANOSECONDS.timedWait(this, waitNanos);
      }
    } finally {
      if (high) {
        highWaiting--;
        notifyAll();
      }
    }
  }

  /** How many high-priority requests wait for a token now. */
  synchronized int highWaiting() {
    return highWaiting;
  }

  /** How many low-priority requests let a waiting high-priority one go first. */
  public synchronized long lowDeferred() {
    return lowDeferred;
  }

  private void refill() {
    long now = System.nanoTime();
    tokens = Math.min(burst, tokens + (now - refilledAt) * perNano);
    refilledAt = now;
  }
}
