package io.canaryanalysis.webhooks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.canaryanalysis.api.WebhookCaller;
import io.canaryanalysis.api.WebhookPayload;
import io.canaryanalysis.api.WebhookResult;
import io.canaryanalysis.api.spec.Webhook;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
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
 * Status 200–202 passes; connection errors, 429 and 5xx are retried {@code hook.retries()} times
 * with exponential backoff, as Flagger's retryable client does. Each attempt is bounded by
 * {@code hook.timeout()}. URLs are logged without user info or query, which may hold tokens.
 *
 * <p>Thread-safe; share one instance. It blocks the calling thread for the call's duration.
 */
public final class HttpWebhookCaller implements WebhookCaller {
  private static final Logger log = LoggerFactory.getLogger(HttpWebhookCaller.class);
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");

  private final OkHttpClient client;
  private final OkHttpClient insecureClient;
  private final ObjectMapper mapper = new ObjectMapper();
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final int maxBodyBytes;
  private final Sleeper sleeper;

  private HttpWebhookCaller(Builder builder) {
    this.client = builder.client;
    this.insecureClient = insecure(builder.client);
    this.initialBackoff = builder.initialBackoff;
    this.maxBackoff = builder.maxBackoff;
    this.maxBodyBytes = builder.maxBodyBytes;
    this.sleeper = builder.sleeper;
  }

  /** A caller with a default OkHttp client, 1 s initial backoff and 30 s maximum backoff. */
  public static HttpWebhookCaller create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public WebhookResult call(Webhook hook, WebhookPayload payload) {
    HttpUrl url = HttpUrl.parse(hook.url() == null ? "" : hook.url());
    if (url == null) {
      return WebhookResult.transportFailure("webhook " + hook.name() + " has no valid http(s) URL");
    }
    byte[] body;
    try {
      body = mapper.writeValueAsBytes(toJson(payload));
    } catch (JsonProcessingException e) {
      return WebhookResult.transportFailure("webhook " + hook.name() + " payload could not be encoded");
    }
    OkHttpClient base = hook.disableTLS() ? insecureClient : client;
    long timeoutMillis = Math.max(1, hook.timeout().toMillis());
    OkHttpClient perCall = base.newBuilder().callTimeout(timeoutMillis, TimeUnit.MILLISECONDS).build();
    Request request = new Request.Builder().url(url).post(RequestBody.create(body, JSON)).build();

    WebhookResult result = null;
    int attempts = 1 + Math.max(0, hook.retries());
    for (int attempt = 1; attempt <= attempts; attempt++) {
      result = attempt(perCall, request, hook, url);
      if (!shouldRetry(result) || attempt == attempts) {
        break;
      }
      Duration backoff = backoff(attempt);
      log.debug("webhook {} ({}) attempt {}/{} failed: {}; retrying in {}",
          hook.name(), redacted(url), attempt, attempts, result.detail(), backoff);
      if (!sleeper.sleep(backoff)) {
        break;
      }
    }
    return result;
  }

  private WebhookResult attempt(OkHttpClient http, Request request, Webhook hook, HttpUrl url) {
    try (Response response = http.newCall(request).execute()) {
      String text = response.peekBody(maxBodyBytes).string().strip();
      return WebhookResult.status(response.code(), text);
    } catch (InterruptedIOException e) {
      return WebhookResult.transportFailure("POST " + redacted(url) + " timed out after "
          + hook.timeout().toMillis() + "ms");
    } catch (IOException e) {
      return WebhookResult.transportFailure("POST " + redacted(url) + " failed: "
          + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    }
  }

  private static boolean shouldRetry(WebhookResult result) {
    if (result instanceof WebhookResult.TransportFailure) {
      return true;
    }
    int status = ((WebhookResult.Response) result).status();
    return status == 429 || status >= 500;
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

  /** The URL without user info, query or fragment, safe to log. */
  static String redacted(HttpUrl url) {
    return url.scheme() + "://" + url.host() + ":" + url.port() + url.encodedPath();
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
    private int maxBodyBytes = 4096;
    private Sleeper sleeper = Builder::sleepUninterruptibly;

    private Builder() {}

    /** The OkHttp client to share connection pools with; timeouts are set per webhook. */
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

    /** How much of a response body is kept as the failure text (events quote it). */
    public Builder maxBodyBytes(int maxBodyBytes) {
      if (maxBodyBytes < 0) {
        throw new IllegalArgumentException("maxBodyBytes must not be negative: " + maxBodyBytes);
      }
      this.maxBodyBytes = maxBodyBytes;
      return this;
    }

    Builder sleeper(Sleeper sleeper) {
      this.sleeper = sleeper;
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
