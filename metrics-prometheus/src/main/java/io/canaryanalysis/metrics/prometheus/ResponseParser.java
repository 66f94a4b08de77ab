package io.canaryanalysis.metrics.prometheus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canaryanalysis.metrics.prometheus.PrometheusClient.QueryResult;
import io.canaryanalysis.metrics.prometheus.PrometheusClient.ResultType;
import io.canaryanalysis.metrics.prometheus.PrometheusClient.Sample;
import io.canaryanalysis.metrics.prometheus.PrometheusClient.Series;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads Prometheus API answers ({@code {"status":..., "data":{"resultType":..., "result":...}}}). */
final class ResponseParser {
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final int EXCERPT = 300;

  private ResponseParser() {}

  /** The answer could not be read as a successful Prometheus result. */
  static final class MalformedResponseException extends RuntimeException {
    MalformedResponseException(String message) {
      super(message, null, false, false);
    }
  }

  static QueryResult parse(String body, Redactor redactor) {
    JsonNode root = readJson(body, redactor);
    String status = root.path("status").asText("");
    if ("error".equals(status)) {
      throw new MalformedResponseException("status \"error\" in an HTTP 200 answer: "
          + redactor.redact(errorText(root)));
    }
    if (!"success".equals(status)) {
      throw new MalformedResponseException("unexpected answer: status is "
          + (status.isEmpty() ? "missing" : "\"" + redactor.redact(status) + "\"")
          + ", expected \"success\"");
    }
    JsonNode data = root.path("data");
    String typeName = data.path("resultType").asText("");
    JsonNode result = data.path("result");
    ResultType type = switch (typeName) {
      case "vector" -> ResultType.VECTOR;
      case "matrix" -> ResultType.MATRIX;
      case "scalar" -> ResultType.SCALAR;
      case "string" -> ResultType.STRING;
      default -> throw new MalformedResponseException("unexpected answer: data.resultType is "
          + (typeName.isEmpty() ? "missing" : "\"" + redactor.redact(typeName) + "\""));
    };
    if (type == ResultType.STRING) {
      return new QueryResult(type, List.of());
    }
    if (type == ResultType.SCALAR) {
      return new QueryResult(type, List.of(new Series(Map.of(), List.of(sample(result, "data.result")))));
    }
    if (!result.isArray()) {
      throw new MalformedResponseException("unexpected answer: data.result is not an array");
    }
    List<Series> series = new ArrayList<>(result.size());
    for (int i = 0; i < result.size(); i++) {
      JsonNode item = result.get(i);
      String path = "data.result[" + i + "]";
      Map<String, String> labels = labels(item.path("metric"), path);
      List<Sample> samples;
      if (type == ResultType.VECTOR) {
        samples = List.of(sample(item.path("value"), path + ".value"));
      } else {
        JsonNode values = item.path("values");
        if (!values.isArray()) {
          throw new MalformedResponseException("unexpected answer: " + path + ".values is not an array");
        }
        samples = new ArrayList<>(values.size());
        for (int j = 0; j < values.size(); j++) {
          samples.add(sample(values.get(j), path + ".values[" + j + "]"));
        }
      }
      series.add(new Series(labels, samples));
    }
    return new QueryResult(type, series);
  }

  /** "errorType: error" from an error answer, or an excerpt of a body that is not one. */
  static String describeError(String body) {
    if (body == null || body.isBlank()) {
      return "empty body";
    }
    try {
      JsonNode root = MAPPER.readTree(body);
      if (root != null && (root.has("error") || root.has("errorType"))) {
        return errorText(root);
      }
    } catch (JsonProcessingException e) {
      // not JSON: fall through to the excerpt
    }
    return "body: " + excerpt(body);
  }

  private static String errorText(JsonNode root) {
    String errorType = root.path("errorType").asText("");
    String error = root.path("error").asText("");
    if (errorType.isEmpty()) {
      return error.isEmpty() ? "no error text" : error;
    }
    return errorType + ": " + (error.isEmpty() ? "no error text" : error);
  }

  private static JsonNode readJson(String body, Redactor redactor) {
    if (body == null || body.isBlank()) {
      throw new MalformedResponseException("malformed JSON answer: empty body");
    }
    try {
      JsonNode root = MAPPER.readTree(body);
      if (root == null || !root.isObject()) {
        throw new MalformedResponseException("malformed JSON answer: not an object: "
            + redactor.redact(excerpt(body)));
      }
      return root;
    } catch (JsonProcessingException e) {
      throw new MalformedResponseException("malformed JSON answer (" + e.getOriginalMessage()
          + " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()
          + "): " + redactor.redact(excerpt(body)));
    }
  }

  private static Map<String, String> labels(JsonNode metric, String path) {
    if (metric.isMissingNode() || metric.isNull()) {
      return Map.of();
    }
    if (!metric.isObject()) {
      throw new MalformedResponseException("unexpected answer: " + path + ".metric is not an object");
    }
    Map<String, String> labels = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = metric.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      labels.put(e.getKey(), e.getValue().asText());
    }
    return labels;
  }

  private static Sample sample(JsonNode pair, String path) {
    if (!pair.isArray() || pair.size() != 2 || !pair.get(0).isNumber() || !pair.get(1).isTextual()) {
      throw new MalformedResponseException("unexpected answer: " + path
          + " is not a [timestamp, \"value\"] pair");
    }
    long millis = Math.round(pair.get(0).asDouble() * 1000.0);
    return new Sample(Instant.ofEpochMilli(millis), value(pair.get(1).asText(), path));
  }

  static double value(String text, String path) {
    switch (text) {
      case "NaN":
        return Double.NaN;
      case "+Inf":
      case "Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      default:
        try {
          return Double.parseDouble(text);
        } catch (NumberFormatException e) {
          throw new MalformedResponseException("unexpected answer: " + path + " value \""
              + excerpt(text) + "\" is not a number");
        }
    }
  }

  private static String excerpt(String body) {
    String oneLine = body.strip().replaceAll("\\s+", " ");
    return oneLine.length() <= EXCERPT ? oneLine : oneLine.substring(0, EXCERPT) + "...";
  }
}
