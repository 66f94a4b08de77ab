package io.canaryanalysis.webhooks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.canaryanalysis.api.Redaction;
import io.canaryanalysis.api.WebhookCaller;
import io.canaryanalysis.api.WebhookPayload;
import io.canaryanalysis.api.WebhookResult;
import io.canaryanalysis.api.spec.Webhook;
import io.canaryanalysis.api.spec.WebhookType;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import okhttp3.Credentials;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts Flagger's webhook payload ({@code name, namespace, phase, checksum, metadata}) as JSON.
 * Status 200–202 passes. Hardened against hostile or broken receivers:
 *
 * <ul>
 *   <li>redirects are never followed: a 3xx fails the hook (a gate stays closed), naming the
 *       redacted {@code Location};
 *   <li>user info in the URL ({@code https://user:pass@host/...}) is sent as Basic auth, as
 *       Flagger does, and never appears in a message or log;
 *   <li>retries ({@code hook.retries()}, at most {@value #MAX_RETRIES}) happen only on connection
 *       failures, 429 and 503, with exponential backoff, inside a total time budget per hook;
 *       a timeout or a dropped connection is retried only for hooks that are safe to repeat (the
 *       gates: confirm-*, rollback) or types the host opts in with {@link Builder#retryTimeouts};
 *   <li>response bodies are read up to {@link Builder#maxBodyBytes} (after decompression),
 *       redacted, then cut;
 *   <li>{@code event} hooks are delivered off the calling thread from a bounded queue: the call
 *       returns at once, and events that do not fit are dropped, counted and logged.
 * </ul>
 *
 * <p>Thread-safe; share one instance and {@link #close()} it when the host stops.
 */
public final class HttpWebhookCaller implements WebhookCaller, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpWebhookCaller.class);
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
  /** The most retries a hook gets, whatever its spec says (validation rejects more). */
  public static final int MAX_RETRIES = 10;
  /** Gates only ask a question, so repeating one after a timeout is harmless. */
  private static final Set<WebhookType> IDEMPOTENT = EnumSet.of(WebhookType.CONFIRM_ROLLOUT,
      WebhookType.CONFIRM_TRAFFIC_INCREASE, WebhookType.CONFIRM_PROMOTION, WebhookType.ROLLBACK);

  private final OkHttpClient client;
  private final OkHttpClient insecureClient;
  private final ObjectMapper mapper = new ObjectMapper();
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final Duration totalBudget;
  private final int maxBodyBytes;
  private final Set<WebhookType> retryTimeouts;
  private final Sleeper sleeper;
  private final LongSupplier nanoClock;
  private final ThreadPoolExecutor events;
  private final AtomicLong droppedEvents = new AtomicLong();

  private HttpWebhookCaller(Builder builder) {
    this.client = builder.client.newBuilder().followRedirects(false).followSslRedirects(false).build();
    this.insecureClient = insecure(client);
    this.initialBackoff = builder.initialBackoff;
    this.maxBackoff = builder.maxBackoff;
    this.totalBudget = builder.totalBudget;
    this.maxBodyBytes = builder.maxBodyBytes;
    this.retryTimeouts = EnumSet.copyOf(builder.retryTimeouts);
    this.retryTimeouts.addAll(IDEMPOTENT);
    this.sleeper = builder.sleeper;
    this.nanoClock = builder.nanoClock;
    AtomicInteger threadNumber = new AtomicInteger();
    this.events = new ThreadPoolExecutor(builder.eventThreads, builder.eventThreads, 30,
        TimeUnit.SECONDS, new ArrayBlockingQueue<>(builder.eventQueueCapacity), r -> {
          Thread t = new Thread(r, "canary-event-webhook-" + threadNumber.incrementAndGet());
          t.setDaemon(true);
          return t;
        }, (r, executor) -> {
          throw new RejectedExecutionException("event webhook queue is full");
        });
    this.events.allowCoreThreadTimeOut(true);
  }

  /** A caller with a default OkHttp client, 1 s initial backoff and 30 s maximum backoff. */
  public static HttpWebhookCaller create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Calls the hook and returns its answer; an {@code event} hook is queued instead and answered
   * at once with 202 (or a transport failure when the queue is full and the event is dropped).
   */
  @Override
  public WebhookResult call(Webhook hook, WebhookPayload payload) {
    if (hook.type() != WebhookType.EVENT) {
      return deliver(hook, payload);
    }
    try {
      events.execute(() -> {
        WebhookResult result = deliver(hook, payload);
        if (!result.passed()) {
          log.warn("event webhook {} for {}.{} failed: {}", hook.name(), payload.name(),
              payload.namespace(), result.detail());
        }
      });
      return WebhookResult.status(202, "queued for delivery");
    } catch (RejectedExecutionException e) {
      long dropped = droppedEvents.incrementAndGet();
      String text = "event webhook " + hook.name() + " dropped: the delivery queue is "
          + (events.isShutdown() ? "closed" : "full") + " (" + dropped + " dropped so far)";
      log.warn("{} for {}.{}", text, payload.name(), payload.namespace());
      return WebhookResult.transportFailure(text);
    }
  }

  /** Event deliveries dropped because the queue was full or the caller closed. */
  public long droppedEvents() {
    return droppedEvents.get();
  }

  /** Event deliveries waiting in the queue. */
  public int queuedEvents() {
    return events.getQueue().size();
  }

  /**
   * Stops taking events, waits up to {@code timeout} for queued ones, then abandons the rest
   * (counted as dropped).
   */
  public void close(Duration timeout) {
    events.shutdown();
    try {
      if (!events.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        int abandoned = events.shutdownNow().size();
        droppedEvents.addAndGet(abandoned);
        if (abandoned > 0) {
          log.warn("{} queued event webhook deliveries abandoned at close", abandoned);
        }
      }
    } catch (InterruptedException e) {
      droppedEvents.addAndGet(events.shutdownNow().size());
      Thread.currentThread().interrupt();
    }
  }

  /** {@link #close(Duration)} with 5 seconds for queued events. */
  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }

  private WebhookResult deliver(Webhook hook, WebhookPayload payload) {
    HttpUrl parsed = HttpUrl.parse(hook.url() == null ? "" : hook.url().strip());
    if (parsed == null) {
      return WebhookResult.transportFailure("webhook " + hook.name() + " has no valid http(s) URL");
    }
    List<String> secrets = secrets(parsed);
    HttpUrl url = parsed.newBuilder().username("").password("").build();
    byte[] body;
    try {
      body = mapper.writeValueAsBytes(toJson(payload));
    } catch (JsonProcessingException e) {
      return WebhookResult.transportFailure("webhook " + hook.name() + " payload could not be encoded");
    }
    Request.Builder request = new Request.Builder().url(url).post(RequestBody.create(body, JSON));
    if (!parsed.username().isEmpty() || !parsed.password().isEmpty()) {
      request.header("Authorization",
          Credentials.basic(parsed.username(), parsed.password(), StandardCharsets.UTF_8));
    }
    OkHttpClient base = hook.disableTLS() ? insecureClient : client;
    Duration timeout = hook.timeout().isNegative() || hook.timeout().isZero()
        ? Webhook.DEFAULT_TIMEOUT : hook.timeout();
    Duration budget = totalBudget.compareTo(timeout) < 0 ? timeout : totalBudget;
    long deadline = nanoClock.getAsLong() + budget.toNanos();
    int attempts = 1 + Math.min(MAX_RETRIES, Math.max(0, hook.retries()));

    Outcome outcome = null;
    for (int attempt = 1; attempt <= attempts; attempt++) {
      long remaining = deadline - nanoClock.getAsLong();
      long callMillis = Math.max(1, Math.min(timeout.toMillis(), TimeUnit.NANOSECONDS.toMillis(remaining)));
      OkHttpClient perCall = base.newBuilder().callTimeout(callMillis, TimeUnit.MILLISECONDS).build();
      outcome = attempt(perCall, request.build(), timeout, url, secrets);
      if (attempt == attempts || !shouldRetry(outcome, hook.type())) {
        break;
      }
      Duration backoff = backoff(attempt);
      if (nanoClock.getAsLong() + backoff.toNanos() >= deadline) {
        log.debug("webhook {} ({}) attempt {}/{} failed: {}; not retrying, its time budget of {} is spent",
            hook.name(), Redaction.redact(url.toString()), attempt, attempts, outcome.result().detail(), budget);
        return withNote(outcome.result(), "(gave up after " + attempt + " of " + attempts
            + " attempts: the time budget of " + budget.toMillis() + "ms is spent)");
      }
      log.debug("webhook {} ({}) attempt {}/{} failed: {}; retrying in {}",
          hook.name(), Redaction.redact(url.toString()), attempt, attempts, outcome.result().detail(), backoff);
      if (!sleeper.sleep(backoff)) {
        break;
      }
    }
    return outcome.result();
  }

  /** What went wrong, for the retry decision. */
  private enum Failure { NONE, CONNECT, TIMEOUT, TRANSPORT }

  private record Outcome(WebhookResult result, Failure failure) {}

  private Outcome attempt(OkHttpClient http, Request request, Duration timeout, HttpUrl url,
      List<String> secrets) {
    String where = Redaction.redact(url.toString(), secrets);
    try (Response response = http.newCall(request).execute()) {
      if (response.isRedirect() || (response.code() >= 300 && response.code() < 400)) {
        String location = response.header("Location");
        return new Outcome(WebhookResult.status(response.code(), "HTTP " + response.code()
            + " redirect" + (location == null ? "" : " to " + Redaction.excerpt(location, 200, secrets))
            + " not followed: a webhook must answer itself"), Failure.NONE);
      }
      return new Outcome(WebhookResult.status(response.code(), body(response, secrets)), Failure.NONE);
    } catch (InterruptedIOException e) {
      return new Outcome(WebhookResult.transportFailure("POST " + where + " timed out after "
          + timeout.toMillis() + "ms"), Failure.TIMEOUT);
    } catch (ConnectException | NoRouteToHostException | UnknownHostException e) {
      return new Outcome(WebhookResult.transportFailure("POST " + where + " failed: "
          + e.getClass().getSimpleName() + message(e, secrets)), Failure.CONNECT);
    } catch (IOException e) {
      return new Outcome(WebhookResult.transportFailure("POST " + where + " failed: "
          + e.getClass().getSimpleName() + message(e, secrets)), Failure.TRANSPORT);
    }
  }

  /** Up to {@code maxBodyBytes} of text, redacted before it is cut so no partial secret remains. */
  private String body(Response response, List<String> secrets) throws IOException {
    long peek = (long) maxBodyBytes + 1024;
    String text = response.peekBody(peek).string();
    boolean cut = text.getBytes(StandardCharsets.UTF_8).length >= peek;
    String redacted = Redaction.redact(text, secrets).strip();
    if (redacted.length() > maxBodyBytes) {
      return redacted.substring(0, maxBodyBytes);
    }
    return cut ? dropLastWord(redacted) : redacted;
  }

  private static String dropLastWord(String text) {
    int end = text.length();
    while (end > 0 && !Character.isWhitespace(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(0, end).strip();
  }

  private static String message(IOException e, List<String> secrets) {
    return e.getMessage() == null ? "" : ": " + Redaction.excerpt(e.getMessage(), 300, secrets);
  }

  private boolean shouldRetry(Outcome outcome, WebhookType type) {
    switch (outcome.failure()) {
      case CONNECT:
        return true;
      case TIMEOUT:
      case TRANSPORT:
        return retryTimeouts.contains(type);
      default:
        int status = ((WebhookResult.Response) outcome.result()).status();
        return status == 429 || status == 503;
    }
  }

  private static WebhookResult withNote(WebhookResult result, String note) {
    if (result instanceof WebhookResult.Response response) {
      return WebhookResult.status(response.status(), (response.body() + " " + note).strip());
    }
    return WebhookResult.transportFailure(result.detail() + " " + note);
  }

  private static List<String> secrets(HttpUrl url) {
    List<String> secrets = new ArrayList<>();
    if (!url.username().isEmpty()) {
      secrets.add(url.username());
    }
    if (!url.password().isEmpty()) {
      secrets.add(url.password());
    }
    if (!url.username().isEmpty() || !url.password().isEmpty()) {
      String basic = Credentials.basic(url.username(), url.password(), StandardCharsets.UTF_8);
      secrets.add(basic);
      secrets.add(basic.substring("Basic ".length()));
    }
    for (int i = 0; i < url.querySize(); i++) {
      String value = url.queryParameterValue(i);
      if (value != null && !value.isEmpty()) {
        secrets.add(value);
      }
    }
    return secrets;
  }

  private Duration backoff(int attempt) {
    Duration delay = initialBackoff.multipliedBy(1L << Math.min(attempt - 1, 20));
    return delay.compareTo(maxBackoff) > 0 ? maxBackoff : delay;
  }

  private ObjectNode toJson(WebhookPayload payload) {
    ObjectNode node = mapper.createObjectNode();
    node.put("name", payload.name());
    node.put("namespace", payload.namespace());
    node.put("phase", payload.phase());
    node.put("checksum", payload.checksum());
    ObjectNode metadata = node.putObject("metadata");
    new TreeMap<>(payload.metadata()).forEach(metadata::put);
    return node;
  }

  private static OkHttpClient insecure(OkHttpClient client) {
    try {
      X509TrustManager trustAll = new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
          return new X509Certificate[0];
        }
      };
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {trustAll}, new SecureRandom());
      return client.newBuilder()
          .sslSocketFactory(context.getSocketFactory(), trustAll)
          .hostnameVerifier((host, session) -> true)
          .build();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot build a TLS context for disableTLS webhooks", e);
    }
  }

  @Override
  public String toString() {
    return "HttpWebhookCaller[totalBudget=" + totalBudget + ", maxBodyBytes=" + maxBodyBytes
        + ", queuedEvents=" + queuedEvents() + ", droppedEvents=" + droppedEvents() + "]";
  }

  /** Waits between retries; returns false when interrupted. Replaceable in tests. */
  @FunctionalInterface
  interface Sleeper {
    boolean sleep(Duration duration);
  }

  /** Builds an {@link HttpWebhookCaller}. */
  public static final class Builder {
    private OkHttpClient client = new OkHttpClient();
    private Duration initialBackoff = Duration.ofSeconds(1);
    private Duration maxBackoff = Duration.ofSeconds(30);
    private Duration totalBudget = Duration.ofSeconds(30);
    private int maxBodyBytes = 4096;
    private int eventQueueCapacity = 1000;
    private int eventThreads = 2;
    private Set<WebhookType> retryTimeouts = EnumSet.noneOf(WebhookType.class);
    private Sleeper sleeper = Builder::sleepUninterruptibly;
    private LongSupplier nanoClock = System::nanoTime;

    private Builder() {}

    /**
     * The OkHttp client to share connection pools with; timeouts are set per webhook and
     * redirects are turned off whatever the client says.
     */
    public Builder client(OkHttpClient client) {
      this.client = Objects.requireNonNull(client, "client");
      return this;
    }

    /** First retry delay, doubled per attempt up to {@link #maxBackoff(Duration)}. */
    public Builder initialBackoff(Duration initialBackoff) {
      if (initialBackoff.isNegative()) {
        throw new IllegalArgumentException("initialBackoff must not be negative: " + initialBackoff);
      }
      this.initialBackoff = initialBackoff;
      return this;
    }

    public Builder maxBackoff(Duration maxBackoff) {
      if (maxBackoff.isNegative()) {
        throw new IllegalArgumentException("maxBackoff must not be negative: " + maxBackoff);
      }
      this.maxBackoff = maxBackoff;
      return this;
    }

    /**
     * The most time one hook may take, attempts and backoff together; default 30 s, and never
     * less than the hook's own timeout (one full attempt).
     */
    public Builder totalBudget(Duration totalBudget) {
      if (totalBudget.isNegative() || totalBudget.isZero()) {
        throw new IllegalArgumentException("totalBudget must be positive: " + totalBudget);
      }
      this.totalBudget = totalBudget;
      return this;
    }

    /** How much of a response body is kept as the failure text (events quote it); default 4096. */
    public Builder maxBodyBytes(int maxBodyBytes) {
      if (maxBodyBytes < 0) {
        throw new IllegalArgumentException("maxBodyBytes must not be negative: " + maxBodyBytes);
      }
      this.maxBodyBytes = maxBodyBytes;
      return this;
    }

    /** How many event deliveries may wait; more are dropped and counted. Default 1000. */
    public Builder eventQueueCapacity(int eventQueueCapacity) {
      if (eventQueueCapacity < 1) {
        throw new IllegalArgumentException("eventQueueCapacity must be at least 1: " + eventQueueCapacity);
      }
      this.eventQueueCapacity = eventQueueCapacity;
      return this;
    }

    /** Threads delivering event hooks; default 2 (they stop when idle). */
    public Builder eventThreads(int eventThreads) {
      if (eventThreads < 1) {
        throw new IllegalArgumentException("eventThreads must be at least 1: " + eventThreads);
      }
      this.eventThreads = eventThreads;
      return this;
    }

    /**
     * Hook types whose timeouts and dropped connections are retried although the request may
     * have run (the gates always are). Opt a type in only when its receivers are idempotent.
     */
    public Builder retryTimeouts(WebhookType... types) {
      this.retryTimeouts = types.length == 0 ? EnumSet.noneOf(WebhookType.class) : EnumSet.copyOf(List.of(types));
      return this;
    }

    Builder sleeper(Sleeper sleeper) {
      this.sleeper = sleeper;
      return this;
    }

    Builder nanoClock(LongSupplier nanoClock) {
      this.nanoClock = nanoClock;
      return this;
    }

    public HttpWebhookCaller build() {
      return new HttpWebhookCaller(this);
    }

    private static boolean sleepUninterruptibly(Duration duration) {
      try {
        Thread.sleep(duration.toMillis());
        return true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  /** The payload as the JSON the caller sends, for logging and tests. */
  String encode(WebhookPayload payload) throws JsonProcessingException {
    return mapper.writeValueAsString(toJson(payload));
  }
}
