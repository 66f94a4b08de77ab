package io.canaryanalysis.metrics.prometheus;

import io.canaryanalysis.api.HistogramResult;
import io.canaryanalysis.api.MetricProvider;
import io.canaryanalysis.api.MetricQuery;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.ProviderException;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link MetricProvider} backed by one Prometheus server. Each query is an instant query at
 * {@link MetricQuery#evaluationTime()} (or now), reduced on purpose:
 *
 * <ul>
 *   <li>one series or a scalar gives its value, ±Inf included (the engine judges ±Inf as no data
 *       unless the check sets {@code acceptInfinite}); an empty vector or NaN is no data;
 *   <li>several series fail, naming the count and the first label sets, unless the query asks for
 *       an aggregation (sum, min, max, avg; NaN series are left out);
 *   <li>a matrix or string result, an HTTP error, a Prometheus error, malformed JSON, a timeout or
 *       an unreachable server fail with the cause;
 *   <li>an {@link io.canaryanalysis.api.spec.MetricKind#ALERT} expression gives the number of
 *       series returned (0 when none) and never no data.
 * </ul>
 *
 * <p>Unlike Flagger, several series are never resolved by letting the last one win, and scalar
 * results are supported.
 */
public final class PrometheusMetricProvider implements MetricProvider {
  private static final Logger LOG = LoggerFactory.getLogger(PrometheusMetricProvider.class);
  private final PrometheusClient client;

  public PrometheusMetricProvider(PrometheusClient client) {
    this.client = Objects.requireNonNull(client, "client");
  }

  /** The client this provider queries through. */
  public PrometheusClient client() {
    return client;
  }

  @Override
  public MetricResult query(MetricQuery query) {
    MetricResult result;
    try {
      result = ResultReducer.reduce(query, client.query(query.query(), query.evaluationTime()));
    } catch (ProviderException e) {
      result = MetricResult.failed(e.getMessage());
    } catch (RuntimeException e) {
      // Defensive: the MetricProvider contract is to report, not throw. The client's messages are
      // already redacted; an unexpected exception's message is not trusted.
      result = MetricResult.failed("Prometheus at " + client.address() + ": unexpected "
          + e.getClass().getName());
    }
    LOG.debug("Prometheus at {} ({} kind, aggregation {}): {}", client.address(),
        query.kind().manifestValue(), query.aggregation().manifestValue(), result);
    return result;
  }

  /**
   * A histogram query for a latency judge: an instant vector with one series per {@code le}
   * ({@code +Inf} included), counts not negative; several series for one {@code le}, a series
   * without {@code le}, a scalar or a matrix fail with the cause; no series (or only NaN) is no data.
   */
  @Override
  public HistogramResult histogram(MetricQuery query) {
    HistogramResult result;
    try {
      result = HistogramReducer.reduce(client.query(query.query(), query.evaluationTime()));
    } catch (ProviderException e) {
      result = new HistogramResult.Failed(e.getMessage());
    } catch (RuntimeException e) {
      result = new HistogramResult.Failed("Prometheus at " + client.address() + ": unexpected "
          + e.getClass().getName());
    }
    LOG.debug("Prometheus at {} (histogram): {}", client.address(), result);
    return result;
  }

  @Override
  public boolean isOnline() {
    return client.isOnline();
  }

  @Override
  public String toString() {
    return "PrometheusMetricProvider[" + client + "]";
  }
}
