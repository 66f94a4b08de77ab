package io.canaryanalysis.metrics.prometheus;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canaryanalysis.metrics.prometheus.PrometheusClient.QueryResult;
import io.canaryanalysis.metrics.prometheus.PrometheusClient.ResultType;
import io.canaryanalysis.metrics.prometheus.PrometheusClient.Sample;
import io.canaryanalysis.metrics.prometheus.PrometheusClient.Series;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads Prometheus API answers ({@code {"status":..., "data":{"resultType":..., "result":...}}})
 * token by token from a stream, so memory grows with the series kept, not with a tree of the
 * whole body. Hostile shapes (deep nesting, huge numbers or strings) end in a
 * {@link MalformedResponseException}, never a raw runtime exception.
 */
final class ResponseParser {
  /** Prometheus answers nest five levels deep; anything far deeper is not an answer. */
  static final int MAX_NESTING_DEPTH = 32;
  /** Timestamps are short numbers; values are strings. */
  static final int MAX_NUMBER_LENGTH = 64;
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxNestingDepth(MAX_NESTING_DEPTH)
          .maxNumberLength(MAX_NUMBER_LENGTH)
          .build())
      .build();
  private static final ObjectMapper MAPPER = new ObjectMapper(FACTORY);
  private static final int EXCERPT = 300;

  private ResponseParser() {}

  /** The answer could not be read as a successful Prometheus result; the message is redacted. */
  static final class MalformedResponseException extends RuntimeException {
    MalformedResponseException(String message) {
      super(message, null, false, false);
    }
  }

  /** One series as read, before {@code resultType} (which may come later) is known. */
  private record RawSeries(Map<String, String> labels, RawSample value, List<RawSample> values) {}

  private record RawSample(double time, String text) {}

  /**
   * Parses a success answer from {@code in}. I/O errors of the stream (including a size limit
   * being hit) propagate as they are.
   */
  static QueryResult parse(BoundedInputStream in, Redactor redactor) throws IOException {
    try (JsonParser p = FACTORY.createParser(in)) {
      try {
        return parse(p, redactor);
      } catch (JsonProcessingException e) {
        throw new MalformedResponseException("malformed JSON answer (" + describe(e, redactor)
            + where(p) + "): " + Redactor.excerpt(in.prefix(), EXCERPT, redactor));
      }
    }
  }

  private static QueryResult parse(JsonParser p, Redactor redactor) throws IOException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      throw new MalformedResponseException("malformed JSON answer: not an object" + where(p));
    }
    String status = "";
    String errorType = "";
    String error = "";
    String typeName = "";
    Object result = null;
    boolean hasResult = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      switch (field) {
        case "status":
          status = text(p, value);
          break;
        case "errorType":
          errorType = text(p, value);
          break;
        case "error":
          error = text(p, value);
          break;
        case "data":
          if (value != JsonToken.START_OBJECT) {
            p.skipChildren();
            break;
          }
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String dataField = p.currentName();
            JsonToken dataValue = p.nextToken();
            if ("resultType".equals(dataField)) {
              typeName = text(p, dataValue);
            } else if ("result".equals(dataField)) {
              result = result(p, dataValue);
              hasResult = true;
            } else {
              p.skipChildren();
            }
          }
          break;
        default:
          p.skipChildren();
      }
    }
    if (p.nextToken() != null) {
      throw new MalformedResponseException("malformed JSON answer: trailing content" + where(p));
    }
    if ("error".equals(status)) {
      throw new MalformedResponseException("status \"error\" in an HTTP 200 answer: "
          + redactor.redact(errorText(errorType, error)));
    }
    if (!"success".equals(status)) {
      throw new MalformedResponseException("unexpected answer: status is "
          + (status.isEmpty() ? "missing" : "\"" + Redactor.excerpt(status, 60, redactor) + "\"")
          + ", expected \"success\"");
    }
    ResultType type = switch (typeName) {
      case "vector" -> ResultType.VECTOR;
      case "matrix" -> ResultType.MATRIX;
      case "scalar" -> ResultType.SCALAR;
      case "string" -> ResultType.STRING;
      default -> throw new MalformedResponseException("unexpected answer: data.resultType is "
          + (typeName.isEmpty() ? "missing" : "\"" + Redactor.excerpt(typeName, 60, redactor) + "\""));
    };
    if (type == ResultType.STRING) {
      return new QueryResult(type, List.of());
    }
    if (type == ResultType.SCALAR) {
      if (!(result instanceof RawSample)) {
        throw new MalformedResponseException("unexpected answer: data.result is not a [timestamp, \"value\"] pair");
      }
      return new QueryResult(type, List.of(new Series(Map.of(),
          List.of(sample((RawSample) result, "data.result", redactor)))));
    }
    if (!hasResult || !(result instanceof List)) {
      throw new MalformedResponseException("unexpected answer: data.result is not an array");
    }
    @SuppressWarnings("unchecked")
    List<RawSeries> raw = (List<RawSeries>) result;
    List<Series> series = new ArrayList<>(raw.size());
    for (int i = 0; i < raw.size(); i++) {
      RawSeries item = raw.get(i);
      String path = "data.result[" + i + "]";
      List<Sample> samples;
      if (type == ResultType.VECTOR) {
        if (item.value() == null) {
          throw new MalformedResponseException("unexpected answer: " + path
              + ".value is not a [timestamp, \"value\"] pair");
        }
        samples = List.of(sample(item.value(), path + ".value", redactor));
      } else {
        if (item.values() == null) {
          throw new MalformedResponseException("unexpected answer: " + path + ".values is not an array");
        }
        samples = new ArrayList<>(item.values().size());
        for (int j = 0; j < item.values().size(); j++) {
          samples.add(sample(item.values().get(j), path + ".values[" + j + "]", redactor));
        }
      }
      series.add(new Series(item.labels(), samples));
    }
    return new QueryResult(type, series);
  }

  /** A pair (scalar/string results), a list of series (vector/matrix) or null for anything else. */
  private static Object result(JsonParser p, JsonToken token) throws IOException {
    if (token != JsonToken.START_ARRAY) {
      p.skipChildren();
      return null;
    }
    JsonToken first = p.nextToken();
    if (first == JsonToken.END_ARRAY) {
      return List.of();
    }
    if (first != JsonToken.START_OBJECT) {
      return pairRest(p, first, "data.result");
    }
    List<RawSeries> series = new ArrayList<>();
    JsonToken t = first;
    int i = 0;
    while (t != JsonToken.END_ARRAY) {
      String path = "data.result[" + i + "]";
      if (t != JsonToken.START_OBJECT) {
        throw new MalformedResponseException("unexpected answer: " + path + " is not an object");
      }
      series.add(series(p, path));
      t = p.nextToken();
      i++;
    }
    return series;
  }

  private static RawSeries series(JsonParser p, String path) throws IOException {
    Map<String, String> labels = Map.of();
    RawSample value = null;
    List<RawSample> values = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "metric":
          labels = labels(p, t, path);
          break;
        case "value":
          value = pair(p, t, path + ".value");
          break;
        case "values":
          if (t != JsonToken.START_ARRAY) {
            throw new MalformedResponseException("unexpected answer: " + path + ".values is not an array");
          }
          values = new ArrayList<>();
          int j = 0;
          for (JsonToken v = p.nextToken(); v != JsonToken.END_ARRAY; v = p.nextToken()) {
            values.add(pair(p, v, path + ".values[" + j++ + "]"));
          }
          break;
        default:
          p.skipChildren();
      }
    }
    return new RawSeries(labels, value, values);
  }

  private static Map<String, String> labels(JsonParser p, JsonToken t, String path) throws IOException {
    if (t == JsonToken.VALUE_NULL) {
      return Map.of();
    }
    if (t != JsonToken.START_OBJECT) {
      throw new MalformedResponseException("unexpected answer: " + path + ".metric is not an object");
    }
    Map<String, String> labels = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      if (v.isStructStart()) {
        throw new MalformedResponseException("unexpected answer: " + path + ".metric label is not a string");
      }
      labels.put(name, p.getText());
    }
    return labels;
  }

  private static RawSample pair(JsonParser p, JsonToken t, String path) throws IOException {
    if (t != JsonToken.START_ARRAY) {
      p.skipChildren();
      throw notPair(path);
    }
    return pairRest(p, p.nextToken(), path);
  }

  /** The rest of {@code [ts, "v"]} after its opening bracket, {@code first} being the first element. */
  private static RawSample pairRest(JsonParser p, JsonToken first, String path) throws IOException {
    if (first == null || !first.isNumeric()) {
      throw notPair(path);
    }
    double time = p.getDoubleValue();
    if (p.nextToken() != JsonToken.VALUE_STRING) {
      throw notPair(path);
    }
    String text = p.getText();
    if (p.nextToken() != JsonToken.END_ARRAY) {
      throw notPair(path);
    }
    return new RawSample(time, text);
  }

  private static MalformedResponseException notPair(String path) {
    return new MalformedResponseException("unexpected answer: " + path
        + " is not a [timestamp, \"value\"] pair");
  }

  private static Sample sample(RawSample raw, String path, Redactor redactor) {
    if (!Double.isFinite(raw.time()) || Math.abs(raw.time()) > 1e13) {
      throw new MalformedResponseException("unexpected answer: " + path + " timestamp is out of range");
    }
    long millis = Math.round(raw.time() * 1000.0);
    return new Sample(Instant.ofEpochMilli(millis), value(raw.text(), path, redactor));
  }

  private static String text(JsonParser p, JsonToken t) throws IOException {
    if (t.isStructStart()) {
      p.skipChildren();
      return "";
    }
    return t == JsonToken.VALUE_NULL ? "" : p.getText();
  }

  /** "errorType: error" from an error answer, or an excerpt of a body that is not one. */
  static String describeError(String body, Redactor redactor) {
    if (body == null || body.isBlank()) {
      return "empty body";
    }
    try {
      JsonNode root = MAPPER.readTree(body);
      if (root != null && (root.has("error") || root.has("errorType"))) {
        return redactor.redact(errorText(root.path("errorType").asText(""), root.path("error").asText("")));
      }
    } catch (JsonProcessingException e) {
      // not JSON (or cut at the read limit): fall through to the excerpt
    }
    return "body: " + Redactor.excerpt(body, EXCERPT, redactor);
  }

  private static String errorText(String errorType, String error) {
    if (errorType.isEmpty()) {
      return error.isEmpty() ? "no error text" : error;
    }
    return errorType + ": " + (error.isEmpty() ? "no error text" : error);
  }

  static double value(String text, String path) {
    return value(text, path, Redactor.NONE);
  }

  private static double value(String text, String path, Redactor redactor) {
    switch (text) {
      case "NaN":
        return Double.NaN;
      case "+Inf":
      case "Inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
        return Double.NEGATIVE_INFINITY;
      default:
        if (text.length() > MAX_NUMBER_LENGTH) {
          throw new MalformedResponseException("unexpected answer: " + path + " value has "
              + text.length() + " characters, more than a number (" + MAX_NUMBER_LENGTH + ")");
        }
        try {
          return Double.parseDouble(text);
        } catch (NumberFormatException e) {
          throw new MalformedResponseException("unexpected answer: " + path + " value \""
              + Redactor.excerpt(text, 40, redactor) + "\" is not a number");
        }
    }
  }

  /**
   * Jackson's message without the token it quotes (a body may echo credentials, and Jackson cuts
   * long tokens, so a cut secret would no longer match the redactor). Constraint messages quote
   * only limits.
   */
  private static String describe(JsonProcessingException e, Redactor redactor) {
    String message = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
    if (!(e instanceof StreamConstraintsException)) {
      int quote = message.indexOf('\'');
      if (quote >= 0) {
        message = message.substring(0, quote).strip() + " ...";
      }
    }
    int newline = message.indexOf('\n');
    if (newline >= 0) {
      message = message.substring(0, newline);
    }
    return redactor.redact(message);
  }

  private static String where(JsonParser p) {
    JsonLocation location = p.currentLocation();
    if (location == null) {
      return "";
    }
    return " at line " + location.getLineNr() + ", column " + location.getColumnNr();
  }
}
