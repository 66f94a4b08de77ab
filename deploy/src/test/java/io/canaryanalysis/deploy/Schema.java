package io.canaryanalysis.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The parts of a CRD's structural {@code openAPIV3Schema} that decide what the API server keeps:
 * {@code properties}, {@code additionalProperties}, {@code items}, {@code type}, {@code enum},
 * {@code required} and {@code x-kubernetes-preserve-unknown-fields}. A field the schema does not
 * declare is pruned by the API server, so a field we write but the CRD lacks is silently lost.
 */
final class Schema {
  private Schema() {}

  /** The schema node at a dotted path ({@code spec.analysis.metrics[].kind}), or null. */
  static JsonNode at(JsonNode schema, String path) {
    JsonNode node = schema;
    for (String part : path.split("\\.")) {
      boolean array = part.endsWith("[]");
      String name = array ? part.substring(0, part.length() - 2) : part;
      if (node == null) {
        return null;
      }
      JsonNode properties = node.get("properties");
      node = properties == null ? null : properties.get(name);
      if (array && node != null) {
        node = node.get("items");
      }
    }
    return node;
  }

  /** Every problem of {@code value} against {@code schema}, each with its path. */
  static List<String> validate(JsonNode schema, JsonNode value) {
    List<String> problems = new ArrayList<>();
    // the API server validates metadata itself; CRD schemas only declare it as an object
    JsonNode withoutMetadata = value.deepCopy();
    ((com.fasterxml.jackson.databind.node.ObjectNode) withoutMetadata).remove("metadata");
    validate(schema, withoutMetadata, "", problems);
    return problems;
  }

  private static void validate(JsonNode schema, JsonNode value, String path, List<String> problems) {
    if (schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false) && !schema.has("properties")) {
      return;
    }
    if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
      if (!value.isTextual() && !value.isIntegralNumber()) {
        problems.add(path + ": expected int-or-string");
      }
      return;
    }
    String type = schema.path("type").asText("");
    if (schema.has("enum")) {
      boolean found = false;
      for (JsonNode allowed : schema.get("enum")) {
        found |= allowed.equals(value);
      }
      if (!found) {
        problems.add(path + ": " + value + " not in " + schema.get("enum"));
      }
    }
    switch (type) {
      case "object":
        if (!value.isObject()) {
          problems.add(path + ": expected object");
          return;
        }
        JsonNode required = schema.get("required");
        if (required != null) {
          for (JsonNode name : required) {
            if (!value.has(name.asText())) {
              problems.add(path + ": missing required " + name.asText());
            }
          }
        }
        for (Map.Entry<String, JsonNode> field : value.properties()) {
          String fieldPath = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
          JsonNode property = schema.path("properties").get(field.getKey());
          if (property == null) {
            JsonNode additional = schema.get("additionalProperties");
            if (additional != null && additional.isObject()) {
              validate(additional, field.getValue(), fieldPath, problems);
            } else if (!schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
              problems.add(fieldPath + ": not in the schema (the API server would prune it)");
            }
          } else {
            validate(property, field.getValue(), fieldPath, problems);
          }
        }
        return;
      case "array":
        if (!value.isArray()) {
          problems.add(path + ": expected array");
          return;
        }
        for (int i = 0; i < value.size(); i++) {
          validate(schema.get("items"), value.get(i), path + "[" + i + "]", problems);
        }
        return;
      case "string":
        if (!value.isTextual()) {
          problems.add(path + ": expected string, got " + value);
        }
        return;
      case "number":
        if (!value.isNumber()) {
          problems.add(path + ": expected number, got " + value);
        }
        return;
      case "integer":
        if (!value.isIntegralNumber()) {
          problems.add(path + ": expected integer, got " + value);
        }
        return;
      case "boolean":
        if (!value.isBoolean()) {
          problems.add(path + ": expected boolean, got " + value);
        }
        return;
      default:
        problems.add(path + ": schema without a type");
    }
  }
}
