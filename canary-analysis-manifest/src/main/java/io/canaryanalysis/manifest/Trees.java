package io.canaryanalysis.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Conversions between Jackson trees and immutable JSON-like Java values (maps, lists, scalars). */
final class Trees {
  private Trees() {}

  /**
   * An immutable Java value for a JSON node: maps keep the manifest order, integers become
   * {@code Integer} or {@code Long}, decimals {@code Double}. Null map values are left out, as
   * Kubernetes treats them as absent.
   */
  static Object toJava(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return null;
    }
    if (node.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      Iterator<Map.Entry<String, JsonNode>> it = node.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> entry = it.next();
        Object value = toJava(entry.getValue());
        if (value != null) {
          map.put(entry.getKey(), value);
        }
      }
      return Collections.unmodifiableMap(map);
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>();
      for (JsonNode element : node) {
        list.add(toJava(element));
      }
      return Collections.unmodifiableList(list);
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    if (node.isIntegralNumber()) {
      return node.canConvertToInt() ? (Object) node.intValue()
          : node.canConvertToLong() ? (Object) node.longValue() : node.bigIntegerValue();
    }
    if (node.isNumber()) {
      return node.doubleValue();
    }
    return node.asText();
  }

  /** A copy of a JSON-like tree with map keys sorted, so written manifests are deterministic. */
  static Object sorted(Object value) {
    if (value instanceof Map) {
      Map<String, Object> result = new TreeMap<>();
      for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
        result.put(String.valueOf(entry.getKey()), sorted(entry.getValue()));
      }
      return result;
    }
    if (value instanceof List) {
      List<Object> result = new ArrayList<>();
      for (Object element : (List<?>) value) {
        result.add(sorted(element));
      }
      return result;
    }
    return value;
  }
}
