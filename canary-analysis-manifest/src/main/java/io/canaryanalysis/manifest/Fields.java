package io.canaryanalysis.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.Arrays;

/**
 * Typed, path-aware reads of one JSON object of a manifest. Every field read is marked as known;
 * {@link #finish()} reports the rest as unknown, so no field is ever dropped silently. Type errors
 * name the field and the type found, never the value (values may hold credentials).
 */
final class Fields {
  static final String NOT_SUPPORTED = "not supported by canary-analysis";

  private final ObjectNode node;
  private final String path;
  private final Problems problems;
  private final Set<String> known = new HashSet<>();

  private Fields(ObjectNode node, String path, Problems problems) {
    this.node = node;
    this.path = path;
    this.problems = problems;
  }

  /** Wraps {@code value} when it is an object; otherwise reports a type problem and returns null. */
  static Fields of(JsonNode value, String path, Problems problems) {
    if (value instanceof ObjectNode) {
      return new Fields((ObjectNode) value, path, problems);
    }
    problems.error(path.isEmpty() ? "manifest" : path, expected("an object", value));
    return null;
  }

  String path() {
    return path;
  }

  String pathOf(String field) {
    return Problems.join(path, field);
  }

  Problems problems() {
    return problems;
  }

  /** True when the field is present with a non-null value; does not mark it as read. */
  boolean has(String field) {
    JsonNode value = node.get(field);
    return value != null && !value.isNull();
  }

  /** Marks the field as read and returns its value, or null when absent or null. */
  JsonNode take(String field) {
    known.add(field);
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value;
  }

  /** Marks fields as deliberately read past (documented as not part of the model). */
  void skip(String... fields) {
    Collections.addAll(known, fields);
  }

  void error(String field, String message) {
    problems.error(pathOf(field), message);
  }

  /** A required field that is absent: reports {@code required}. */
  void required(String field) {
    problems.error(pathOf(field), "required");
  }

  /** Reports a present field that Flagger defines but canary-analysis does not implement. */
  void unsupported(String field, String hint) {
    if (take(field) != null) {
      problems.error(pathOf(field), hint == null ? NOT_SUPPORTED : NOT_SUPPORTED + "; " + hint);
    }
  }

  String string(String field) {
    JsonNode value = take(field);
    if (value == null) {
      return null;
    }
    if (!value.isTextual()) {
      error(field, expected("a string", value));
      return null;
    }
    return value.textValue();
  }

  String requiredString(String field) {
    if (!has(field)) {
      take(field);
      required(field);
      return null;
    }
    return string(field);
  }

  Integer integer(String field) {
    JsonNode value = take(field);
    return value == null ? null : toInt(value, pathOf(field));
  }

  int integer(String field, int defaultValue) {
    Integer value = integer(field);
    return value == null ? defaultValue : value;
  }

  Double number(String field) {
    JsonNode value = take(field);
    if (value == null) {
      return null;
    }
    if (!value.isNumber()) {
      error(field, expected("a number", value));
      return null;
    }
    if (!Double.isFinite(value.doubleValue())) {
      error(field, "out of range: expected a finite number");
      return null;
    }
    return value.doubleValue();
  }

  boolean bool(String field) {
    JsonNode value = take(field);
    if (value == null) {
      return false;
    }
    if (!value.isBoolean()) {
      error(field, expected("a boolean", value));
      return false;
    }
    return value.booleanValue();
  }

  /** A duration string; null when absent or invalid (invalid values are reported). */
  Duration duration(String field) {
    String text = string(field);
    if (text == null) {
      return null;
    }
    Duration duration = Durations.parse(text);
    if (duration == null) {
      error(field, Durations.problem(text));
    }
    return duration;
  }

  Instant timestamp(String field) {
    String text = string(field);
    if (text == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      error(field, "expected an RFC 3339 timestamp such as 2024-05-01T10:00:00Z");
      return null;
    }
  }

  Fields object(String field) {
    JsonNode value = take(field);
    return value == null ? null : of(value, pathOf(field), problems);
  }

  /** The elements of a list field with their paths; an empty list when absent. */
  List<Element> list(String field) {
    JsonNode value = take(field);
    if (value == null) {
      return List.of();
    }
    if (!value.isArray()) {
      error(field, expected("a list", value));
      return List.of();
    }
    List<Element> result = new ArrayList<>();
    for (int i = 0; i < value.size(); i++) {
      result.add(new Element(value.get(i), Problems.index(pathOf(field), i), problems));
    }
    return result;
  }

  /** The object elements of a list field; elements of another type are reported and left out. */
  List<Fields> objects(String field) {
    List<Fields> result = new ArrayList<>();
    for (Element element : list(field)) {
      Fields fields = element.object();
      if (fields != null) {
        result.add(fields);
      }
    }
    return result;
  }

  /** Like {@link #objects}, with null in place of an element that is not an object (reported), so later paths stay true. */
  List<Fields> objectsInPlace(String field) {
    List<Fields> result = new ArrayList<>();
    for (Element element : list(field)) {
      result.add(element.object());
    }
    return result;
  }

  /**
   * Like {@link #integers}, with one more than the previous entry in place of an entry that is not
   * an integer (reported), so the order checks of the later entries still apply to them.
   */
  List<Integer> integersInPlace(String field) {
    List<Integer> result = new ArrayList<>();
    for (Element element : list(field)) {
      Integer value = toInt(element.value(), element.path());
      if (value == null) {
        value = result.isEmpty() ? 1 : Math.min(100, result.get(result.size() - 1) + 1);
      }
      result.add(value);
    }
    return result;
  }

  List<Integer> integers(String field) {
    List<Integer> result = new ArrayList<>();
    for (Element element : list(field)) {
      Integer value = toInt(element.value(), element.path());
      if (value != null) {
        result.add(value);
      }
    }
    return result;
  }

  /** The finite numbers of a list field; other elements are reported and left out. */
  List<Double> numbers(String field) {
    List<Double> result = new ArrayList<>();
    for (Element element : list(field)) {
      if (!element.value().isNumber() || !Double.isFinite(element.value().doubleValue())) {
        problems.error(element.path(), expected("a finite number", element.value()));
      } else {
        result.add(element.value().doubleValue());
      }
    }
    return result;
  }

  List<String> strings(String field) {
    List<String> result = new ArrayList<>();
    for (Element element : list(field)) {
      String value = element.string();
      if (value != null) {
        result.add(value);
      }
    }
    return result;
  }

  /** A map of string values ({@code labels}, {@code templateVariables}); an empty map when absent. */
  Map<String, String> stringMap(String field) {
    Map<String, String> result = new LinkedHashMap<>();
    for (Map.Entry<String, Element> entry : entries(field).entrySet()) {
      String value = entry.getValue().string();
      if (value != null) {
        result.put(entry.getKey(), value);
      }
    }
    return result;
  }

  /** The entries of a map field with their paths; an empty map when absent. */
  Map<String, Element> entries(String field) {
    JsonNode value = take(field);
    if (value == null) {
      return Map.of();
    }
    if (!value.isObject()) {
      error(field, expected("an object", value));
      return Map.of();
    }
    Map<String, Element> result = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = value.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> entry = it.next();
      if (!entry.getValue().isNull()) {
        result.put(entry.getKey(),
            new Element(entry.getValue(), Problems.key(pathOf(field), entry.getKey()), problems));
      }
    }
    return result;
  }

  /** A free-form object kept as a JSON-like tree; an empty map when absent. */
  Map<String, Object> tree(String field) {
    JsonNode value = take(field);
    if (value == null) {
      return Map.of();
    }
    if (!value.isObject()) {
      error(field, expected("an object", value));
      return Map.of();
    }
    if (!finiteNumbers(value, pathOf(field))) {
      return Map.of();
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> result = (Map<String, Object>) Trees.toJava(value);
    return result;
  }

  /** Parses an enum-valued field; reports an unknown value with the accepted ones. */
  <E> E choice(String field, E[] values, Function<E, String> manifestValue, E absent) {
    String text = string(field);
    if (text == null) {
      return absent;
    }
    for (E value : values) {
      if (manifestValue.apply(value).equals(text)) {
        return value;
      }
    }
    error(field, "unknown value; expected one of "
        + Arrays.stream(values).map(manifestValue).collect(Collectors.joining(", ")));
    return absent;
  }

  /** False (with the first offending path reported) when a tree holds a number a double cannot hold. */
  private boolean finiteNumbers(JsonNode value, String at) {
    if (value.isNumber()) {
      if (!Double.isFinite(value.doubleValue())) {
        problems.error(at, "out of range: expected a finite number");
        return false;
      }
      return true;
    }
    if (value.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> it = value.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> entry = it.next();
        if (!finiteNumbers(entry.getValue(), Problems.key(at, entry.getKey()))) {
          return false;
        }
      }
    } else if (value.isArray()) {
      for (int i = 0; i < value.size(); i++) {
        if (!finiteNumbers(value.get(i), Problems.index(at, i))) {
          return false;
        }
      }
    }
    return true;
  }

  /** Reports every field that was not read as unknown. */
  void finish() {
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!known.contains(name)) {
        problems.error(Problems.key(path, name), "unknown field");
      }
    }
  }

  private Integer toInt(JsonNode value, String at) {
    if (value.isIntegralNumber() || (value.isFloatingPointNumber() && value.doubleValue() == Math.rint(value.doubleValue()))) {
      if (value.canConvertToInt() || (value.isFloatingPointNumber() && Math.abs(value.doubleValue()) <= Integer.MAX_VALUE)) {
        return value.intValue();
      }
      problems.error(at, "must fit a 32-bit integer");
      return null;
    }
    problems.error(at, expected("an integer", value));
    return null;
  }

  static String expected(String what, JsonNode found) {
    return "expected " + what + " but found " + describe(found);
  }

  static String describe(JsonNode value) {
    if (value == null || value.isNull() || value.isMissingNode()) {
      return "nothing";
    }
    if (value.isTextual()) {
      return "a string";
    }
    if (value.isBoolean()) {
      return "a boolean";
    }
    if (value.isIntegralNumber()) {
      return "an integer";
    }
    if (value.isNumber()) {
      return "a decimal number";
    }
    if (value.isArray()) {
      return "a list";
    }
    if (value.isObject()) {
      return "an object";
    }
    return "a " + value.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }

  /** One element of a list or one value of a map, with its path. */
  record Element(JsonNode value, String path, Problems problems) {
    Fields object() {
      return Fields.of(value, path, problems);
    }

    String string() {
      if (!value.isTextual()) {
        problems.error(path, expected("a string", value));
        return null;
      }
      return value.textValue();
    }
  }
}
