package io.canaryanalysis.kubernetes;

import io.fabric8.kubernetes.client.RequestConfig;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client-side token bucket with two priorities, installed as a fabric8 client interceptor: every
 * request of the client takes a token (at most {@code requestsPerSecond}, bursts of {@code burst}),
 * and Events (core {@code /events} and {@code events.k8s.io}) are the low priority: an event
 * request takes a token only while no other request is waiting for one, so under load the status
 * and router writes (and the informers' lists) go first and events wait. Blocks the calling thread
 * while it waits, as client-go's rate limiter does; with {@link KubernetesEventSink.Builder#async}
 * that thread is the event lane's, never a tick's.
 *
 * <p>It backs off when the API server answers 429 Too Many Requests (API Priority and Fairness),
 * by AIMD: a 429 halves the effective rate (at most once per second, so one burst of 429s is one
 * signal), down to a floor of 5% of the configured rate (at least 1/s, never above the configured
 * rate), and empties the bucket; each second without a 429 gives back 10% of the configured rate,
 * so the rate is back to the configured one at most 10 s after the last 429 and its pause. A
 * {@code Retry-After} of delta-seconds (the API server typically sends 1) pauses every new request
 * of the client, both priorities, until then, capped at 30 s; no tokens accrue and the rate does
 * not recover during the pause. An HTTP-date or malformed {@code Retry-After} is ignored for the pause (the 429 still
 * cuts the rate). The bucket's capacity shrinks with the rate ({@code burst} times its share of
 * the configured rate, at least 1). {@link #effectiveRate()} and {@link #throttledResponses()}
 * show it, e.g. as gauges.
 *
 * <p>fabric8 7.8 retries a 429 (and a 5xx) itself, up to {@code requestRetryBackoffLimit} times
 * (default 10), after its exponential backoff ({@code requestRetryBackoffInterval}, default 100 ms,
 * doubled per retry up to 32 times it): it parses {@code Retry-After} but, in 7.8, schedules the
 * retry at the backoff alone. Each retry runs every interceptor's {@code before} again, on
 * fabric8's shared single scheduler thread, which every fabric8 timer of the JVM uses. So that the
 * two do not fight, this limiter holds a 429 response (without blocking a thread) until the pause
 * ends, at most half the client's request timeout, before fabric8 sees it: the retry goes out a
 * backoff after the pause. On fabric8's scheduler thread it never blocks: a retry takes its token
 * on credit (the bucket may go below zero) and the next callers wait for it. When fabric8's
 * retries run out, the caller gets the 429 as a {@code KubernetesClientException} and its own
 * retry waits out the pause here.
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

  private static final Logger LOG = LoggerFactory.getLogger(PriorityRateLimiter.class);
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  /** The longest {@code Retry-After} pause honoured. */
  static final Duration MAX_PAUSE = Duration.ofSeconds(30);
  /** A 429 within this long of the last cut does not cut again. */
  static final Duration CUT_INTERVAL = Duration.ofSeconds(1);
  /** The share of the configured rate given back per second without a 429. */
  static final double RECOVERY_PER_SECOND = 0.1;
  /** The floor as a share of the configured rate (but at least 1/s). */
  static final double FLOOR_SHARE = 0.05;
  /** How long a low-priority caller waits before it looks again while a high one waits. */
  private static final long YIELD_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  /** fabric8's shared scheduler ({@code CachedSingleThreadScheduler}) runs its retries. */
  private static final String FABRIC8_SCHEDULER = "CachedSingleThreadScheduler";

  private final double configured;
  private final double floor;
  private final int burst;
  private final LongSupplier nanoTime;
  private double rate;
  private double tokens;
  private long updatedAt;
  private long pausedUntil;
  private long lastCutAt;
  private boolean cut;
  private int highWaiting;
  private long lowDeferred;
  private long throttled;
  private long taken;
  private long onCredit;

  PriorityRateLimiter(double requestsPerSecond, int burst, LongSupplier nanoTime) {
    this.configured = requestsPerSecond;
    this.floor = Math.min(requestsPerSecond, Math.max(1.0, FLOOR_SHARE * requestsPerSecond));
    this.burst = burst;
    this.nanoTime = nanoTime;
    this.rate = requestsPerSecond;
    this.tokens = burst;
    long now = nanoTime.getAsLong();
    this.updatedAt = now;
    this.pausedUntil = now;
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
    return new PriorityRateLimiter(requestsPerSecond, burst, System::nanoTime);
  }

  @Override
  public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
    if (Thread.currentThread().getName().startsWith(FABRIC8_SCHEDULER)) {
      takeOnCredit();
      return;
    }
    try {
      acquire(priorityOf(request.uri().getPath()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * On a 429, cuts the rate, starts the {@code Retry-After} pause and holds the response until the
   * pause ends (at most half the client's request timeout, so the held attempt does not time out),
   * without blocking a thread: fabric8's retry, scheduled after the response, then comes after the
   * pause.
   */
  @Override
  public CompletableFuture<Boolean> afterFailure(BasicBuilder builder, HttpResponse<?> response, RequestTags tags) {
    if (response.code() != 429) {
      return CompletableFuture.completedFuture(false);
    }
    long hold = throttled(response.header("Retry-After"));
    RequestConfig config = tags == null ? null : tags.getTag(RequestConfig.class);
    Integer timeoutMillis = config == null ? null : config.getRequestTimeout();
    if (timeoutMillis != null && timeoutMillis > 0) {
      hold = Math.min(hold, TimeUnit.MILLISECONDS.toNanos(timeoutMillis) / 2);
    }
    if (hold <= 0) {
      return CompletableFuture.completedFuture(false);
    }
    return CompletableFuture.supplyAsync(() -> false,
        CompletableFuture.delayedExecutor(hold, TimeUnit.NANOSECONDS));
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

  /**
   * Takes one token, waiting for it (and for a {@code Retry-After} pause to end); a low-priority
   * caller also waits while a high one waits.
   */
  public synchronized void acquire(Priority priority) throws InterruptedException {
    boolean high = priority == Priority.HIGH;
    if (high) {
      highWaiting++;
    }
    boolean deferred = false;
    try {
      while (true) {
        long waitNanos = tryTake(high);
        if (waitNanos == 0) {
          if (high) {
            notifyAll(); // a low-priority waiter may go once no high one waits
          }
          return;
        }
        if (!high && !deferred && tokens >= 1 && highWaiting > 0 && nanoTime.getAsLong() - pausedUntil >= 0) {
          deferred = true;
          lowDeferred++;
        }
        TimeUnit.NANOSECONDS.timedWait(this, waitNanos);
      }
    } finally {
      if (high) {
        highWaiting--;
        notifyAll();
      }
    }
  }

  /** Takes a token now if one is free and nothing pauses {@code high}: 0, or how long to wait. */
  synchronized long tryTake(boolean high) {
    long now = nanoTime.getAsLong();
    advance(now);
    if (now - pausedUntil < 0) {
      return pausedUntil - now;
    }
    if (tokens >= 1 && (high || highWaiting == 0)) {
      tokens -= 1;
      taken++;
      return 0;
    }
    if (tokens >= 1) {
      return YIELD_NANOS;
    }
    return Math.max(1, (long) Math.ceil((1 - tokens) * SECOND / rate));
  }

  /** Takes a token without waiting, into debt if need be: for threads this limiter must not block. */
  synchronized void takeOnCredit() {
    advance(nanoTime.getAsLong());
    tokens -= 1;
    taken++;
    onCredit++;
  }

  /**
   * Records a 429 Too Many Requests with its {@code Retry-After} header (null when absent); returns
   * how long the pause lasts from now (0 for none).
   */
  synchronized long throttled(String retryAfter) {
    long now = nanoTime.getAsLong();
    advance(now);
    throttled++;
    boolean cutNow = !cut || now - lastCutAt >= CUT_INTERVAL.toNanos();
    if (cutNow) {
      cut = true;
      lastCutAt = now;
      rate = Math.max(floor, rate / 2);
      tokens = Math.min(tokens, 0);
    }
    long pause = retryAfterNanos(retryAfter);
    if (pause > 0 && now + pause - pausedUntil > 0) {
      pausedUntil = now + pause;
    }
    if (cutNow && LOG.isInfoEnabled()) {
      LOG.info("API server answered 429 Too Many Requests: client rate cut to {}/s of {}/s, new requests paused {} ms",
          String.format("%.2f", rate), configured, TimeUnit.NANOSECONDS.toMillis(pause));
    } else {
      LOG.debug("API server answered 429 Too Many Requests: new requests paused {} ms",
          TimeUnit.NANOSECONDS.toMillis(pause));
    }
    return Math.max(0, pausedUntil - now);
  }

  /**
   * A {@code Retry-After} of delta-seconds as nanoseconds, capped at {@link #MAX_PAUSE}; 0 for
   * none, an HTTP-date or anything malformed.
   */
  static long retryAfterNanos(String retryAfter) {
    if (retryAfter == null) {
      return 0;
    }
    String value = retryAfter.trim();
    if (value.isEmpty() || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return 0;
    }
    if (value.length() > 9 || Long.parseLong(value) >= MAX_PAUSE.toSeconds()) {
      return MAX_PAUSE.toNanos();
    }
    return TimeUnit.SECONDS.toNanos(Long.parseLong(value));
  }

  /**
   * Brings rate and tokens to {@code now}: the rate grows by {@link #RECOVERY_PER_SECOND} of the
   * configured rate per second up to it, and tokens accrue at that (linearly growing) rate; the
   * clock stands still while a pause lasts.
   */
  private void advance(long now) {
    long from = pausedUntil - updatedAt > 0 ? pausedUntil : updatedAt;
    if (now - updatedAt > 0) {
      updatedAt = now;
    }
    if (now - from <= 0) {
      return;
    }
    double seconds = (double) (now - from) / SECOND;
    double slope = RECOVERY_PER_SECOND * configured;
    double ramp = Math.min(seconds, (configured - rate) / slope);
    double accrued = rate * ramp + slope * ramp * ramp / 2 + configured * (seconds - ramp);
    rate = Math.min(configured, rate + slope * ramp);
    tokens = Math.min(capacity(), tokens + accrued);
  }

  private double capacity() {
    return Math.max(1, burst * rate / configured);
  }

  /** The rate requests get tokens at now, in requests per second: the configured one unless 429s cut it. */
  public synchronized double effectiveRate() {
    advance(nanoTime.getAsLong());
    return rate;
  }

  /** How many 429 Too Many Requests responses the client received. */
  public synchronized long throttledResponses() {
    return throttled;
  }

  /** How many high-priority requests wait for a token now. */
  synchronized int highWaiting() {
    return highWaiting;
  }

  /** How many low-priority requests let a waiting high-priority one go first. */
  public synchronized long lowDeferred() {
    return lowDeferred;
  }

  /** How many tokens were taken, waiting or on credit. */
  synchronized long taken() {
    return taken;
  }

  /** How many tokens were taken on credit, on fabric8's scheduler thread. */
  synchronized long takenOnCredit() {
    return onCredit;
  }

  /** The tokens in the bucket now (below zero after tokens taken on credit). */
  synchronized double tokens() {
    advance(nanoTime.getAsLong());
    return tokens;
  }
}
