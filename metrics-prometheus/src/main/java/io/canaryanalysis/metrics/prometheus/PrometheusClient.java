package io.canaryanalysis.metrics.prometheus;

import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.Redaction;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small client for the Prometheus HTTP API: instant queries (optionally "as of" a past moment),
 * range queries and an is-online probe. Immutable and thread-safe; credentials and header values
 * never appear in {@link #toString()}, logs or exception messages.
 *
 * <p>Failures are thrown as {@link ProviderException}; {@link ProviderException#retriable()} is
 * true for timeouts, unreachable servers and HTTP 5xx/429. Answers are parsed as they stream in
 * and may not exceed {@link Builder#maxResponseBytes} once decompressed; a redirect is an error.
 */
public final class PrometheusClient {
  private static final Logger LOG = LoggerFactory.getLogger(PrometheusClient.class);
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");
  /** Flagger's hard-coded query timeout, kept as the default. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  /** The default limit on an answer's size (decompressed): 16 MiB. */
  public static final long DEFAULT_MAX_RESPONSE_BYTES = 16L * 1024 * 1024;
  /** How much of an error answer (HTTP 4xx/5xx) is read for the message. */
  static final int ERROR_BODY_BYTES = 64 * 1024;

  private final HttpUrl baseUrl;
  private final String displayAddress;
  private final Duration timeout;
  private final long maxResponseBytes;
  private final Headers headers;
  private final Credentials credentials;
  private final boolean insecureSkipVerify;
  private final OkHttpClient http;
  private final Redactor redactor;

  private PrometheusClient(Builder b, HttpUrl baseUrl) {
    this.baseUrl = baseUrl;
    this.displayAddress = displayAddress(baseUrl);
    this.timeout = b.timeout;
    this.maxResponseBytes = b.maxResponseBytes;
    this.insecureSkipVerify = b.insecureSkipVerify;
    Credentials creds = b.credentials;
    if (creds instanceof Credentials.None && !baseUrl.username().isEmpty()) {
      creds = new Credentials.Basic(baseUrl.username(), baseUrl.password());
    }
    this.credentials = creds;
    this.headers = requestHeaders(b.headers, creds);
    this.redactor = Redactor.of(b.headers.values(), creds);
    OkHttpClient.Builder hb = (b.baseHttpClient == null ? new OkHttpClient() : b.baseHttpClient)
        .newBuilder()
        .callTimeout(timeout)
        .connectTimeout(timeout)
        .readTimeout(timeout)
        .writeTimeout(timeout)
        .followRedirects(false);
    if (insecureSkipVerify) {
      InsecureTls.apply(hb);
    }
    this.http = hb.build();
  }

  /** A builder for a client of the server at {@code address} (for example {@code http://prometheus:9090}). */
  public static Builder builder(String address) {
    return new Builder(address);
  }

  /** The server address without credentials, as used in messages. */
  public String address() {
    return displayAddress;
  }

  /** The configured per-call timeout. */
  public Duration timeout() {
    return timeout;
  }

  /**
   * Runs an instant query ({@code /api/v1/query}).
   *
   * @param query PromQL; runs of whitespace are collapsed to one space, as Flagger does
   * @param time evaluate as of this instant; null means the server's now
   * @throws ProviderException when the call fails or the answer is not a Prometheus success
   */
  public QueryResult query(String query, Instant time) {
    Objects.requireNonNull(query, "query");
    HttpUrl.Builder url = endpoint("query").addQueryParameter("query", collapseWhitespace(query));
    if (time != null) {
      url.addQueryParameter("time", seconds(time));
    }
    return execute(url.build(), "query");
  }

  /**
   * Runs a range query ({@code /api/v1/query_range}) and returns its series.
   *
   * @throws IllegalArgumentException when {@code step} is not positive or {@code end} is before {@code start}
   * @throws ProviderException when the call fails or the answer is not a matrix
   */
  public List<Series> queryRange(String query, Instant start, Instant end, Duration step) {
    Objects.requireNonNull(query, "query");
    Objects.requireNonNull(start, "start");
    Objects.requireNonNull(end, "end");
    Objects.requireNonNull(step, "step");
    if (step.isZero() || step.isNegative()) {
      throw new IllegalArgumentException("step: must be positive, got " + step);
    }
    if (end.isBefore(start)) {
      throw new IllegalArgumentException("end: must not be before start (" + start + "), got " + end);
    }
    HttpUrl url = endpoint("query_range")
        .addQueryParameter("query", collapseWhitespace(query))
        .addQueryParameter("start", seconds(start))
        .addQueryParameter("end", seconds(end))
        .addQueryParameter("step", seconds(step))
        .build();
    QueryResult result = execute(url, "query_range");
    if (result.type() != ResultType.MATRIX) {
      throw new ProviderException(prefix() + "range query returned a " + result.type().wireName()
          + " result, expected a matrix", false);
    }
    return result.series();
  }

  /**
   * True when the server evaluates {@code vector(1)} to exactly 1 (Flagger's check). Any failure,
   * including an unreachable server, gives false.
   */
  public boolean isOnline() {
    try {
      QueryResult r = query("vector(1)", null);
      return r.type() == ResultType.VECTOR && r.series().size() == 1
          && r.series().get(0).samples().size() == 1
          && r.series().get(0).samples().get(0).value() == 1.0;
    } catch (ProviderException e) {
      LOG.debug("Prometheus at {} is not online: {}", displayAddress, e.getMessage());
      return false;
    }
  }

  private QueryResult execute(HttpUrl url, String endpoint) {
    Request request = new Request.Builder().url(url).headers(headers).get().build();
    LOG.debug("Prometheus {} at {}: {}", endpoint, displayAddress, url.queryParameter("query"));
    try (Response response = http.newCall(request).execute()) {
      if (response.code() >= 400) {
        boolean retriable = response.code() >= 500 || response.code() == 429;
        String body = response.peekBody(ERROR_BODY_BYTES).string();
        throw new ProviderException(prefix() + "HTTP " + response.code() + ": "
            + ResponseParser.describeError(body, redactor), retriable);
      }
      if (response.code() >= 300) {
        throw new ProviderException(prefix() + "HTTP " + response.code()
            + " (redirects are not followed; check the address)", false);
      }
      long declared = response.body().contentLength();
      if (declared > maxResponseBytes) {
        throw new BoundedInputStream.TooLargeException(maxResponseBytes);
      }
      return ResponseParser.parse(
          new BoundedInputStream(response.body().byteStream(), maxResponseBytes), redactor);
    } catch (ResponseParser.MalformedResponseException e) {
      throw new ProviderException(prefix() + redactor.redact(e.getMessage()), false);
    } catch (BoundedInputStream.TooLargeException e) {
      throw new ProviderException(prefix() + e.getMessage()
          + "; narrow the query or raise maxResponseBytes", false);
    } catch (InterruptedIOException e) {
      // OkHttp's call timeout and socket timeouts both surface as InterruptedIOException.
      throw new ProviderException(prefix() + "timed out after " + Durations.format(timeout)
          + " (the configured timeout)", true);
    } catch (ConnectException e) {
      throw new ProviderException(prefix() + "connection refused or unreachable ("
          + redactor.redact(String.valueOf(e.getMessage())) + ")", true);
    } catch (UnknownHostException e) {
      throw new ProviderException(prefix() + "unknown host " + baseUrl.host(), true);
    } catch (SSLException e) {
      throw new ProviderException(prefix() + "TLS handshake failed ("
          + redactor.redact(String.valueOf(e.getMessage()))
          + "); set insecureSkipVerify only for servers you trust", false);
    } catch (IOException e) {
      throw new ProviderException(prefix() + "request failed: " + e.getClass().getSimpleName() + ": "
          + redactor.redact(String.valueOf(e.getMessage())), true);
    }
  }

  private String prefix() {
    return "Prometheus at " + displayAddress + ": ";
  }

  private HttpUrl.Builder endpoint(String name) {
    HttpUrl.Builder b = baseUrl.newBuilder().username("").password("").query(null).fragment(null);
    List<String> segments = baseUrl.pathSegments();
    if (!segments.isEmpty() && segments.get(segments.size() - 1).isEmpty()) {
      b.removePathSegment(segments.size() - 1);
    }
    return b.addPathSegment("api").addPathSegment("v1").addPathSegment(name);
  }

  static String collapseWhitespace(String query) {
    return WHITESPACE.matcher(query.strip()).replaceAll(" ");
  }

  private static String seconds(Instant t) {
    long millis = t.toEpochMilli();
    return Math.floorDiv(millis, 1000) + "." + String.format("%03d", Math.floorMod(millis, 1000));
  }

  private static String seconds(Duration d) {
    long millis = Math.max(1, d.toMillis());
    return millis / 1000 + "." + String.format("%03d", millis % 1000);
  }

  private static String displayAddress(HttpUrl url) {
    String s = url.newBuilder().username("").password("").query(null).fragment(null).build().toString();
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  private static Headers requestHeaders(Map<String, String> extra, Credentials creds) {
    Headers.Builder h = new Headers.Builder();
    extra.forEach((name, value) -> {
      // OkHttp gunzips (and the size limit counts decompressed bytes) only when it asks for gzip itself.
      if (name.equalsIgnoreCase("Accept-Encoding")) {
        return;
      }
      if (!(creds.authorizationHeader() != null && name.equalsIgnoreCase("Authorization"))) {
        h.set(name, value);
      }
    });
    String authorization = creds.authorizationHeader();
    if (authorization != null) {
      h.set("Authorization", authorization);
    }
    h.set("Accept", "application/json");
    return h.build();
  }

  /** Names the address, timeout, header names and the kind of credentials; never their values. */
  @Override
  public String toString() {
    return "PrometheusClient[address=" + displayAddress + ", timeout=" + Durations.format(timeout)
        + ", auth=" + credentials.kind() + ", headers=" + headerNames() + ", insecureSkipVerify="
        + insecureSkipVerify + "]";
  }

  private List<String> headerNames() {
    return headers.names().stream()
        .filter(n -> !n.equalsIgnoreCase("Authorization") && !n.equalsIgnoreCase("Accept"))
        .sorted()
        .toList();
  }

  /** Configures a {@link PrometheusClient}. Not thread-safe; the built client is. */
  public static final class Builder {
    private final String address;
    private Duration timeout = DEFAULT_TIMEOUT;
    private long maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private Credentials credentials = Credentials.NONE;
    private boolean insecureSkipVerify;
    private OkHttpClient baseHttpClient;

    private Builder(String address) {
      this.address = address;
    }

    /** The whole-call timeout (connect, send, wait, read); 5 s by default, as in Flagger. */
    public Builder timeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("timeout: must be positive, got " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Sends {@code Authorization: Bearer <token>}; replaces basic auth.
     *
     * @throws IllegalArgumentException when the token is empty or cannot be sent in a header; the
     *     message never contains the token
     */
    public Builder bearerToken(String token) {
      if (token != null && !token.isEmpty()) {
        HeaderValidation.checkValue("token", token);
      }
      this.credentials = new Credentials.Bearer(Credentials.requireValue(token, "token"));
      return this;
    }

    /** Sends HTTP basic auth; replaces a bearer token. */
    public Builder basicAuth(String username, String password) {
      this.credentials = new Credentials.Basic(Credentials.requireValue(username, "username"),
          Credentials.requireValue(password, "password"));
      return this;
    }

    /**
     * Adds a request header sent with every call. An {@code Authorization} header is overridden by
     * {@link #bearerToken} or {@link #basicAuth}.
     *
     * @throws IllegalArgumentException for an invalid name or value; the message never contains the value
     */
    public Builder header(String name, String value) {
      HeaderValidation.check(name, value);
      headers.put(name, value);
      return this;
    }

    /** Adds every entry as a request header (see {@link #header}). */
    public Builder headers(Map<String, String> headers) {
      Objects.requireNonNull(headers, "headers").forEach(this::header);
      return this;
    }

    /**
     * The largest answer accepted, counted after decompression while it streams in; 16 MiB by
     * default. A larger answer fails with a message naming the limit.
     */
    public Builder maxResponseBytes(long maxResponseBytes) {
      if (maxResponseBytes < 1) {
        throw new IllegalArgumentException("maxResponseBytes: must be positive, got " + maxResponseBytes);
      }
      this.maxResponseBytes = maxResponseBytes;
      return this;
    }

    /** Skips TLS certificate and host name verification (off by default). */
    public Builder insecureSkipVerify(boolean insecureSkipVerify) {
      this.insecureSkipVerify = insecureSkipVerify;
      return this;
    }

    /** Shares the connection pool and dispatcher of {@code base}, so many clients stay cheap. */
    Builder baseHttpClient(OkHttpClient base) {
      this.baseHttpClient = base;
      return this;
    }

    /**
     * Builds the client.
     *
     * @throws IllegalArgumentException when the address is missing or not an http(s) URL
     */
    public PrometheusClient build() {
      if (address == null || address.isBlank()) {
        throw new IllegalArgumentException("address: must be an http or https URL, got nothing");
      }
      HttpUrl url = HttpUrl.parse(address.strip());
      if (url == null) {
        throw new IllegalArgumentException("address: not an http or https URL: "
            + Redaction.redact(address.strip()));
      }
      return new PrometheusClient(this, url);
    }
  }

  /** The kind of an instant-query result, as named by Prometheus' {@code resultType}. */
  public enum ResultType {
    VECTOR("vector"),
    SCALAR("scalar"),
    MATRIX("matrix"),
    STRING("string");

    private final String wireName;

    ResultType(String wireName) {
      this.wireName = wireName;
    }

    /** The name in the JSON answer. */
    public String wireName() {
      return wireName;
    }
  }

  /**
   * An evaluated query. A vector has one sample per series; a scalar is one series without labels
   * and one sample; a matrix has many samples per series; a string result has no series.
   */
  public record QueryResult(ResultType type, List<Series> series) {
    public QueryResult {
      Objects.requireNonNull(type, "type");
      series = List.copyOf(series);
    }
  }

  /** One time series: its labels (including {@code __name__} if present) and samples. */
  public record Series(Map<String, String> labels, List<Sample> samples) {
    public Series {
      labels = Map.copyOf(labels);
      samples = List.copyOf(samples);
    }
  }

  /** One sample; the value may be NaN or ±Infinity as Prometheus returns them. */
  public record Sample(Instant time, double value) {
    public Sample {
      Objects.requireNonNull(time, "time");
    }
  }
}
