package io.canaryanalysis.alerts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canaryanalysis.api.CanaryAlert;
import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.EventSink;
import io.canaryanalysis.api.SecretResolver;
import io.canaryanalysis.api.spec.ProviderRef;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
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
 * Delivers canary alerts to Slack, Microsoft Teams, Discord, Rocket.Chat, Google Chat or a generic
 * webhook, with Flagger's texts and each service's payload (see {@code pkg/notifier}). Use it as
 * the host's {@link EventSink} for alerts: {@link #alert(CanaryAlert)} queues the alert and returns
 * at once; a worker thread resolves each {@link CanaryAlert#providers() provider reference} (or
 * the global provider when there are none, as Flagger's {@code -slack-url} notifier), reads
 * {@code address} and {@code token} from the provider's Secret, and posts.
 *
 * <p>Each request is bounded by the timeout (Flagger's 5 s). Connection errors, timeouts, 429 and
 * 5xx are retried with exponential backoff up to {@code maxAttempts}; other 4xx are not, and
 * redirects are not followed (a 3xx fails), so a hook URL is never sent elsewhere. Hook URLs,
 * tokens and proxy credentials never appear in logs, results or exceptions: logs name the provider
 * and the service's {@code scheme://host:port} only.
 *
 * <p>Thread-safe; share one instance and {@link #close()} it on shutdown.
 */
public final class HttpAlertSender implements EventSink, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpAlertSender.class);
  private static final MediaType JSON = MediaType.get("application/json");
  private static final String GLOBAL = "global";

  private final OkHttpClient client;
  private final Map<String, OkHttpClient> proxyClients = new ConcurrentHashMap<>();
  private final ObjectMapper mapper = new ObjectMapper();
  private final AlertProviders providers;
  private final SecretResolver secrets;
  private final AlertProviderConfig globalProvider;
  private final String clusterName;
  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final int maxBodyChars;
  private final Sleeper sleeper;
  private final ExecutorService worker;
  private final Consumer<AlertDelivery> listener;

  private HttpAlertSender(Builder b) {
    this.client = b.client.newBuilder()
        .callTimeout(b.timeout)
        .followRedirects(false)
        .followSslRedirects(false)
        .build();
    this.providers = b.providers;
    this.secrets = b.secrets;
    this.globalProvider = b.globalProvider;
    this.clusterName = b.clusterName;
    this.maxAttempts = b.maxAttempts;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    this.maxBodyChars = b.maxBodyChars;
    this.sleeper = b.sleeper;
    this.listener = b.listener;
    this.worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(b.queueCapacity), runnable -> {
          Thread thread = new Thread(runnable, "canary-alerts");
          thread.setDaemon(true);
          return thread;
        });
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Events are not alerts: ignored. Combine with another sink for events. */
  @Override
  public void event(CanaryEvent event) {}

  /**
   * Queues the alert for delivery and returns at once. A full queue drops the alert with a warning
   * rather than block the analysis.
   */
  @Override
  public void alert(CanaryAlert alert) {
    Objects.requireNonNull(alert, "alert");
    try {
      worker.execute(() -> {
        try {
          deliver(alert);
        } catch (RuntimeException e) {
          log.warn("alert for canary {}.{} could not be delivered: {}", alert.canaryName(),
              alert.namespace(), e.getClass().getSimpleName());
        }
      });
    } catch (RejectedExecutionException e) {
      log.warn("alert for canary {}.{} dropped: the alert queue is full or closed",
          alert.canaryName(), alert.namespace());
    }
  }

  /**
   * An {@link EventSink} that passes events and alerts to {@code delegate} and also delivers the
   * alerts through this sender.
   */
  public EventSink alongside(EventSink delegate) {
    Objects.requireNonNull(delegate, "delegate");
    HttpAlertSender sender = this;
    return new EventSink() {
      @Override
      public void event(CanaryEvent event) {
        delegate.event(event);
      }

      @Override
      public void alert(CanaryAlert alert) {
        try {
          delegate.alert(alert);
        } finally {
          sender.alert(alert);
        }
      }
    };
  }

  /**
   * Delivers the alert now, on the calling thread, to each provider it names (or the global
   * provider), and reports each outcome. Never throws for delivery problems.
   */
  public List<AlertDelivery> deliver(CanaryAlert alert) {
    Objects.requireNonNull(alert, "alert");
    AlertMessage message = AlertMessage.of(alert, clusterName);
    List<AlertDelivery> results = new ArrayList<>();
    if (alert.providers().isEmpty()) {
      if (globalProvider != null) {
        long start = System.nanoTime();
        results.add(finish(deliver(GLOBAL, globalProvider, message), start));
      }
      return results;
    }
    for (ProviderRef ref : alert.providers()) {
      long start = System.nanoTime();
      String namespace = ref.namespace() == null ? alert.namespace() : ref.namespace();
      Optional<AlertProviderConfig> provider;
      try {
        provider = providers.find(namespace, ref.name());
      } catch (RuntimeException e) {
        results.add(finish(failed(namespace + "/" + ref.name(), null, message, 0, 0,
            "alert provider " + namespace + "/" + ref.name() + " could not be read: "
                + e.getClass().getSimpleName(), null), start));
        continue;
      }
      if (provider.isEmpty()) {
        results.add(finish(failed(namespace + "/" + ref.name(), null, message, 0, 0,
            "alert provider " + namespace + "/" + ref.name() + " not found", null), start));
        continue;
      }
      results.add(finish(deliver(provider.get().key(), provider.get(), message), start));
    }
    return results;
  }

  private AlertDelivery finish(AlertDelivery delivery, long startNanos) {
    AlertDelivery timed = delivery.withElapsed(Duration.ofNanos(System.nanoTime() - startNanos));
    try {
      listener.accept(timed);
    } catch (RuntimeException e) {
      log.warn("alert delivery listener failed: {}", e.getClass().getSimpleName());
    }
    return timed;
  }

  private AlertDelivery deliver(String id, AlertProviderConfig provider, AlertMessage message) {
    String address = provider.address();
    String token = null;
    if (provider.secretRef() != null) {
      String where = "secret " + provider.namespace() + "/" + provider.secretRef()
          + " (alert provider " + id + " secretRef)";
      Optional<Map<String, String>> data;
      try {
        data = secrets.resolve(provider.namespace(), provider.secretRef());
      } catch (RuntimeException e) {
        return failed(id, provider.type(), message, 0, 0, where + " could not be read: "
            + e.getClass().getSimpleName(), null);
      }
      if (data.isEmpty()) {
        return failed(id, provider.type(), message, 0, 0, where + " not found", null);
      }
      address = blankToNull(data.get().get("address"));
      if (address == null) {
        return failed(id, provider.type(), message, 0, 0,
            where + " does not contain an address", null);
      }
      address = address.strip();
      token = blankToNull(data.get().get("token"));
    }
    Redactor redactor = Redactor.of(address, token, provider.proxy());
    HttpUrl url = HttpUrl.parse(address);
    if (url == null) {
      return failed(id, provider.type(), message, 0, 0, "alert provider " + id
          + " has an invalid " + provider.type().manifestValue() + " hook URL (http or https "
          + "required)", redactor);
    }
    if (provider.type() == AlertProviderType.DISCORD && !url.encodedPath().endsWith("/slack")) {
      url = discordSlackEndpoint(url);
    }
    OkHttpClient http;
    try {
      http = clientFor(provider.proxy());
    } catch (IllegalArgumentException e) {
      return failed(id, provider.type(), message, 0, 0, "alert provider " + id
          + " has an invalid proxy URL (http://[user:password@]host:port required)", redactor);
    }
    byte[] body;
    try {
      body = mapper.writeValueAsBytes(Payloads.build(mapper, provider.type(), provider.channel(),
          provider.username(), message));
    } catch (JsonProcessingException e) {
      return failed(id, provider.type(), message, 0, 0, "payload could not be encoded", redactor);
    }
    Request.Builder request = new Request.Builder().url(url)
        .post(RequestBody.create(body, JSON));
    if (token != null && (provider.type() == AlertProviderType.SLACK
        || provider.type() == AlertProviderType.GENERIC)) {
      request.header("Authorization", "Bearer " + token);
    }
    return post(id, provider.type(), http, request.build(), url, message, redactor);
  }

  /** Flagger posts to Discord's Slack-compatible endpoint: {@code <hook>/slack}. */
  private static HttpUrl discordSlackEndpoint(HttpUrl url) {
    HttpUrl.Builder builder = url.newBuilder();
    List<String> segments = url.pathSegments();
    if (!segments.isEmpty() && segments.get(segments.size() - 1).isEmpty()) {
      builder.removePathSegment(segments.size() - 1);
    }
    return builder.addPathSegment("slack").build();
  }

  private AlertDelivery post(String id, AlertProviderType type, OkHttpClient http, Request request,
      HttpUrl url, AlertMessage message, Redactor redactor) {
    String where = type.manifestValue() + " at " + Redactor.origin(url);
    int status = 0;
    String detail = "";
    for (int attempt = 1; attempt <= maxAttempts; attempt++) {
      boolean retriable;
      try (Response response = http.newCall(request).execute()) {
        status = response.code();
        if (response.isSuccessful()) {
          log.debug("alert for canary {} delivered to provider {} ({}) in {} attempt(s)",
              message.subject(), id, where, attempt);
          return new AlertDelivery(id, type, AlertDelivery.Outcome.DELIVERED, attempt, status,
              "delivered", null);
        }
        String text = response.peekBody(maxBodyChars).string().strip();
        detail = "bad response " + status + (text.isEmpty() ? "" : ": " + text);
        retriable = status == 429 || status >= 500;
        if (response.isRedirect()) {
          detail = "bad response " + status + ": redirects are not followed";
        }
      } catch (InterruptedIOException e) {
        status = 0;
        detail = "timed out";
        retriable = !Thread.currentThread().isInterrupted();
      } catch (IOException e) {
        status = 0;
        detail = "request failed: " + e.getClass().getSimpleName()
            + (e.getMessage() == null ? "" : ": " + e.getMessage());
        retriable = true;
      }
      if (!retriable || attempt == maxAttempts) {
        return failed(id, type, message, attempt, status, detail + " (" + where + ")", redactor);
      }
      Duration backoff = backoff(attempt);
      log.debug("alert for canary {} to provider {} ({}) attempt {}/{} failed: {}; retrying in {}",
          message.subject(), id, where, attempt, maxAttempts, redactor.redact(detail), backoff);
      if (!sleeper.sleep(backoff)) {
        return failed(id, type, message, attempt, status, detail + " (" + where
            + "; interrupted before retrying)", redactor);
      }
    }
    throw new IllegalStateException("unreachable");
  }

  private AlertDelivery failed(String id, AlertProviderType type, AlertMessage message,
      int attempts, int status, String detail, Redactor redactor) {
    String safe = redactor == null ? detail : redactor.redact(detail);
    log.warn("alert for canary {} to provider {} failed after {} attempt(s): {}",
        message.subject(), id, attempts, safe);
    return new AlertDelivery(id, type, AlertDelivery.Outcome.FAILED, attempts, status, safe, null);
  }

  private Duration backoff(int attempt) {
    Duration delay = initialBackoff.multipliedBy(1L << Math.min(attempt - 1, 20));
    return delay.compareTo(maxBackoff) > 0 ? maxBackoff : delay;
  }

  private OkHttpClient clientFor(String proxy) {
    if (proxy == null) {
      return client;
    }
    return proxyClients.computeIfAbsent(proxy, p -> {
      HttpUrl url = HttpUrl.parse(p);
      if (url == null || !"http".equals(url.scheme())) {
        throw new IllegalArgumentException("invalid proxy");
      }
      OkHttpClient.Builder builder = client.newBuilder().proxy(new Proxy(Proxy.Type.HTTP,
          InetSocketAddress.createUnresolved(url.host(), url.port())));
      if (!url.username().isEmpty()) {
        String credential = Credentials.basic(url.username(), url.password());
        builder.proxyAuthenticator((route, response) -> {
          if (response.request().header("Proxy-Authorization") != null) {
            return null;
          }
          return response.request().newBuilder().header("Proxy-Authorization", credential).build();
        });
      }
      return builder.build();
    });
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }

  /** Stops the worker; alerts still queued are delivered for up to {@code 10 s}. */
  @Override
  public void close() {
    worker.shutdown();
    try {
      if (!worker.awaitTermination(10, TimeUnit.SECONDS)) {
        worker.shutdownNow();
      }
    } catch (InterruptedException e) {
      worker.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "HttpAlertSender[global=" + (globalProvider == null ? "none" : globalProvider.type()
        .manifestValue()) + ", maxAttempts=" + maxAttempts + "]";
  }

  /** Waits between retries; returns false when interrupted. Replaceable in tests. */
  @FunctionalInterface
  interface Sleeper {
    boolean sleep(Duration duration);
  }

  /** Configures an {@link HttpAlertSender}. */
  public static final class Builder {
    private OkHttpClient client = new OkHttpClient();
    private AlertProviders providers = AlertProviders.none();
    private SecretResolver secrets = SecretResolver.none();
    private AlertProviderConfig globalProvider;
    private String clusterName;
    private Duration timeout = Duration.ofSeconds(5);
    private int maxAttempts = 3;
    private Duration initialBackoff = Duration.ofSeconds(1);
    private Duration maxBackoff = Duration.ofSeconds(10);
    private int maxBodyChars = 1024;
    private int queueCapacity = 1000;
    private Sleeper sleeper = Builder::sleepInterruptibly;
    private Consumer<AlertDelivery> listener = delivery -> {};

    private Builder() {}

    /** The OkHttp client to share connection pools with; timeouts and redirects are set here. */
    public Builder client(OkHttpClient client) {
      this.client = Objects.requireNonNull(client, "client");
      return this;
    }

    /** Where {@code providerRef}s are resolved (the host's AlertProvider objects). */
    public Builder providers(AlertProviders providers) {
      this.providers = Objects.requireNonNull(providers, "providers");
      return this;
    }

    /** Reads the Secret named by a provider's {@code secretRef} (keys {@code address}, {@code token}). */
    public Builder secrets(SecretResolver secrets) {
      this.secrets = Objects.requireNonNull(secrets, "secrets");
      return this;
    }

    /**
     * The provider for alerts of canaries without {@code analysis.alerts}, as Flagger's global
     * notifier ({@code -slack-url}, {@code -msteams-url}); default none (such alerts are dropped).
     */
    public Builder globalProvider(AlertProviderConfig globalProvider) {
      this.globalProvider = globalProvider;
      return this;
    }

    /** Adds Flagger's {@code Cluster} field (its {@code -cluster-name} flag) to every alert. */
    public Builder clusterName(String clusterName) {
      this.clusterName = clusterName == null || clusterName.isBlank() ? null : clusterName;
      return this;
    }

    /** The bound on each HTTP request, connect to last byte; default 5 s as Flagger. */
    public Builder timeout(Duration timeout) {
      if (timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("timeout must be positive: " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /** Requests per provider and alert, first one included; default 3. */
    public Builder maxAttempts(int maxAttempts) {
      if (maxAttempts < 1 || maxAttempts > 10) {
        throw new IllegalArgumentException("maxAttempts must be 1 to 10: " + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /** The first retry delay, doubled per retry up to {@code maxBackoff}; default 1 s and 10 s. */
    public Builder backoff(Duration initialBackoff, Duration maxBackoff) {
      if (initialBackoff.isNegative() || maxBackoff.isNegative()) {
        throw new IllegalArgumentException("backoff must not be negative");
      }
      this.initialBackoff = initialBackoff;
      this.maxBackoff = maxBackoff;
      return this;
    }

    /** How many alerts may wait for delivery before new ones are dropped; default 1000. */
    public Builder queueCapacity(int queueCapacity) {
      if (queueCapacity < 1) {
        throw new IllegalArgumentException("queueCapacity must be positive: " + queueCapacity);
      }
      this.queueCapacity = queueCapacity;
      return this;
    }

    /**
     * Called with every outcome, for example to feed
     * {@code CanaryMeters.recordProviderCall("alert", d.elapsed(), !d.delivered())}; must be fast.
     */
    public Builder listener(Consumer<AlertDelivery> listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    Builder sleeper(Sleeper sleeper) {
      this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
      return this;
    }

    public HttpAlertSender build() {
      return new HttpAlertSender(this);
    }

    private static boolean sleepInterruptibly(Duration duration) {
      try {
        Thread.sleep(duration.toMillis());
        return true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }
}
