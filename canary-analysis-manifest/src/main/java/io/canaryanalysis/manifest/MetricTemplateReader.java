package io.canaryanalysis.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import io.canaryanalysis.api.spec.MetricTemplate;
import io.canaryanalysis.api.spec.MetricTemplateProvider;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads a Flagger {@code MetricTemplate} document. Only the {@code prometheus} provider type is supported. */
final class MetricTemplateReader {
  static final Set<String> OTHER_FLAGGER_TYPES = Set.of("influxdb", "datadog", "externalmetrics",
      "stackdriver", "cloudwatch", "newrelic", "graphite", "dynatrace", "keptn", "splunk");

  private MetricTemplateReader() {}

  /** The template; partial, with placeholders, when {@code doc.problems()} gained errors (see {@link CanaryReader#read}). */
  static MetricTemplate read(Fields doc, String defaultNamespace) {
    doc.skip("apiVersion", "kind");
    // Flagger defines status conditions for templates but never sets them; they carry nothing.
    doc.skip("status");
    Metadata metadata = Metadata.read(doc, defaultNamespace);
    MetricTemplateProvider provider = null;
    String query = null;
    if (doc.has("spec")) {
      Fields spec = doc.object("spec");
      if (spec != null) {
        if (spec.has("provider")) {
          Fields p = spec.object("provider");
          provider = p == null ? null : provider(p);
        } else {
          spec.take("provider");
          spec.required("provider");
        }
        query = spec.requiredString("query");
        if (query != null && query.isBlank()) {
          spec.error("query", "must not be empty");
        }
        spec.finish();
      }
    } else {
      doc.take("spec");
      doc.required("spec");
    }
    doc.finish();
    return new MetricTemplate(metadata.name(), metadata.namespace(),
        provider == null ? new MetricTemplateProvider("prometheus", null, null, Map.of(), false) : provider,
        query == null ? "" : query);
  }

  private static MetricTemplateProvider provider(Fields p) {
    String type = p.string("type");
    if (type == null) {
      type = "prometheus";
    } else if (!type.equals("prometheus")) {
      p.error("type", OTHER_FLAGGER_TYPES.contains(type)
          ? "the " + type + " metric provider is " + Fields.NOT_SUPPORTED + "; only prometheus is"
          : "unknown metric provider type; only prometheus is supported");
    }
    String address = p.string("address");
    Map<String, String> headers = headers(p);
    String secretRef = null;
    Fields secret = p.object("secretRef");
    if (secret != null) {
      secretRef = secret.requiredString("name");
      secret.finish();
    }
    boolean insecureSkipVerify = p.bool("insecureSkipVerify");
    p.unsupported("region", "it is used by the cloudwatch provider only");
    p.finish();
    return new MetricTemplateProvider(type, address, secretRef, headers, insecureSkipVerify);
  }

  /**
   * {@code headers} is Go's {@code http.Header}: a list of values per name. Several values are
   * joined with {@code ", "} (the HTTP list form); a plain string is accepted too.
   */
  private static Map<String, String> headers(Fields p) {
    Map<String, String> result = new LinkedHashMap<>();
    for (Map.Entry<String, Fields.Element> entry : p.entries("headers").entrySet()) {
      JsonNode value = entry.getValue().value();
      if (value.isTextual()) {
        result.put(entry.getKey(), value.textValue());
      } else if (value.isArray()) {
        List<String> values = new ArrayList<>();
        boolean ok = true;
        for (JsonNode element : value) {
          if (!element.isTextual()) {
            p.problems().error(entry.getValue().path(), "expected a list of strings but found "
                + Fields.describe(element) + " in the list");
            ok = false;
            break;
          }
          values.add(element.textValue());
        }
        if (ok && !values.isEmpty()) {
          result.put(entry.getKey(), String.join(", ", values));
        }
      } else {
        p.problems().error(entry.getValue().path(), Fields.expected("a list of strings", value));
      }
    }
    return result;
  }
}
