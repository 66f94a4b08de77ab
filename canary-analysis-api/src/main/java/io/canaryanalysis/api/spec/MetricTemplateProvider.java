package io.canaryanalysis.api.spec;

import io.canaryanalysis.api.Redaction;
import java.util.Map;

/**
 * {@code MetricTemplate.spec.provider}: where a template's query runs.
 *
 * @param type provider type; only {@code prometheus} is shipped
 * @param address base URL, for example {@code http://prometheus.monitoring:9090}
 * @param secretRef name of a Secret in the template's namespace with {@code token}, or
 *     {@code username} and {@code password}; null for none
 * @param headers extra request headers
 * @param insecureSkipVerify skip TLS certificate verification
 */
public record MetricTemplateProvider(
    String type,
    String address,
    String secretRef,
    Map<String, String> headers,
    boolean insecureSkipVerify) {

  public MetricTemplateProvider {
    type = type == null || type.isBlank() ? "prometheus" : type;
    secretRef = Specs.blankToNull(secretRef);
    headers = Specs.map(headers);
  }

  /** A Prometheus provider at {@code address} without credentials. */
  public static MetricTemplateProvider prometheus(String address) {
    return new MetricTemplateProvider("prometheus", address, null, Map.of(), false);
  }

  /** Omits header values and the address' user info and query values, which may hold credentials. */
  @Override
  public String toString() {
    return "MetricTemplateProvider[type=" + type + ", address=" + Redaction.redact(address)
        + ", secretRef=" + secretRef + ", headers=" + Redaction.headerNames(headers)
        + ", insecureSkipVerify=" + insecureSkipVerify + "]";
  }
}
