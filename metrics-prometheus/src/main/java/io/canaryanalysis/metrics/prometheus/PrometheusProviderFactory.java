package io.canaryanalysis.metrics.prometheus;

import io.canaryanalysis.api.MetricProvider;
import io.canaryanalysis.api.MetricProviderFactory;
import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.Redaction;
import io.canaryanalysis.api.SecretResolver;
import io.canaryanalysis.api.spec.MetricTemplateProvider;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import okhttp3.OkHttpClient;

/**
 * Builds a {@link PrometheusMetricProvider} for a MetricTemplate's {@code spec.provider}, with
 * the template's own address, headers, TLS setting and credentials.
 *
 * <p>Credentials come from the Secret named by {@code secretRef}, read through the host's
 * {@link SecretResolver} on every {@link #create} (as Flagger re-reads it on every tick): key
 * {@code token} gives {@code Authorization: Bearer}, otherwise {@code username} and
 * {@code password} give basic auth and are both required. A credential overrides an
 * {@code Authorization} entry in {@code headers}. Providers share one connection pool.
 */
public final class PrometheusProviderFactory implements MetricProviderFactory {
  static final String TYPE = "prometheus";
  private final SecretResolver secrets;
  private final Duration timeout;
  private final long maxResponseBytes;
  private final OkHttpClient sharedHttp = new OkHttpClient();

  /** A factory with Flagger's 5 s query timeout. */
  public PrometheusProviderFactory(SecretResolver secrets) {
    this(secrets, PrometheusClient.DEFAULT_TIMEOUT);
  }

  /** A factory whose providers time out each query after {@code timeout}. */
  public PrometheusProviderFactory(SecretResolver secrets, Duration timeout) {
    this(secrets, timeout, PrometheusClient.DEFAULT_MAX_RESPONSE_BYTES);
  }

  /**
   * A factory whose providers time out each query after {@code timeout} and refuse answers
   * larger than {@code maxResponseBytes} once decompressed.
   */
  public PrometheusProviderFactory(SecretResolver secrets, Duration timeout, long maxResponseBytes) {
    this.secrets = Objects.requireNonNull(secrets, "secrets");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    if (timeout.isZero() || timeout.isNegative()) {
      throw new IllegalArgumentException("timeout: must be positive, got " + timeout);
    }
    if (maxResponseBytes < 1) {
      throw new IllegalArgumentException("maxResponseBytes: must be positive, got " + maxResponseBytes);
    }
    this.maxResponseBytes = maxResponseBytes;
  }

  /**
   * @throws ProviderException when the type is not {@code prometheus}, the address or a header is
   *     invalid, or the Secret or one of its keys is missing; messages name the Secret and key,
   *     never a value
   */
  @Override
  public MetricProvider create(MetricTemplateProvider provider, String namespace) {
    Objects.requireNonNull(provider, "provider");
    if (!TYPE.equalsIgnoreCase(provider.type().strip())) {
      throw new ProviderException("provider.type: unsupported metric provider type \""
          + Redaction.excerpt(provider.type(), 40) + "\"; only \"prometheus\" is supported", false);
    }
    if (provider.address() == null || provider.address().isBlank()) {
      throw new ProviderException("provider.address: required for a prometheus provider", false);
    }
    PrometheusClient.Builder builder = PrometheusClient.builder(provider.address())
        .baseHttpClient(sharedHttp)
        .timeout(timeout)
        .maxResponseBytes(maxResponseBytes)
        .insecureSkipVerify(provider.insecureSkipVerify());
    try {
      builder.headers(provider.headers());
    } catch (IllegalArgumentException e) {
      throw new ProviderException("provider." + e.getMessage(), false);
    }
    if (provider.secretRef() != null) {
      applySecret(builder, provider.secretRef(), namespace);
    }
    try {
      return new PrometheusMetricProvider(builder.build());
    } catch (IllegalArgumentException e) {
      throw new ProviderException("provider." + e.getMessage(), false);
    }
  }

  private void applySecret(PrometheusClient.Builder builder, String secretName, String namespace) {
    String where = "secret " + namespace + "/" + secretName + " (provider.secretRef)";
    Optional<Map<String, String>> data = secrets.resolve(namespace, secretName);
    if (data.isEmpty()) {
      throw new ProviderException(where + " not found", true);
    }
    Map<String, String> keys = data.get();
    String token = keys.get("token");
    if (token != null && !token.isBlank()) {
      builder.bearerToken(checked(token.strip(), where, "token"));
      return;
    }
    String username = keys.get("username");
    String password = keys.get("password");
    if (username == null || username.isEmpty()) {
      throw new ProviderException(where + " has no key \"username\""
          + " (it needs \"token\", or \"username\" and \"password\")", true);
    }
    if (password == null || password.isEmpty()) {
      throw new ProviderException(where + " has no key \"password\""
          + " (it needs \"token\", or \"username\" and \"password\")", true);
    }
    builder.basicAuth(username, password);
  }

  private static String checked(String value, String where, String key) {
    try {
      HeaderValidation.checkValue(key, value);
      return value;
    } catch (IllegalArgumentException e) {
      throw new ProviderException(where + " key \"" + key + "\" has a character that cannot be "
          + "sent in an HTTP header (control characters, line breaks and non-ASCII are rejected)",
          true);
    }
  }

  @Override
  public String toString() {
    return "PrometheusProviderFactory[timeout=" + Durations.format(timeout) + "]";
  }
}
