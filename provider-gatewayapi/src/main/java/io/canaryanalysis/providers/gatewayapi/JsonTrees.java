package io.canaryanalysis.providers.gatewayapi;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Helpers for JSON-like trees (maps, lists, strings, numbers, booleans) as read from and written
 * to the API server.
 */
final class JsonTrees {
  private JsonTrees() {}

  /**
   * Structural equality where numbers compare by value, so {@code 50}, {@code 50L} and
   * {@code 50.0} are equal: the API server may hand a number back in another Java type than the
   * one written, and that must not look like a difference (or every reconcile would write).
   */
  static boolean equivalent(Object a, Object b) {
    if (a instanceof Number && b instanceof Number) {
      return new BigDecimal(a.toString()).compareTo(new BigDecimal(b.toString())) == 0;
    }
    if (a instanceof Map<?, ?> left && b instanceof Map<?, ?> right) {
      if (left.size() != right.size()) {
        return false;
      }
      for (Map.Entry<?, ?> e : left.entrySet()) {
        if (!right.containsKey(e.getKey()) || !equivalent(e.getValue(), right.get(e.getKey()))) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof List<?> left && b instanceof List<?> right) {
      if (left.size() != right.size()) {
        return false;
      }
      Iterator<?> l = left.iterator();
      Iterator<?> r = right.iterator();
      while (l.hasNext()) {
        if (!equivalent(l.next(), r.next())) {
          return false;
        }
      }
      return true;
    }
    return Objects.equals(a, b);
  }

  /** A mutable deep copy: maps become {@link LinkedHashMap}s, lists {@link ArrayList}s. */
  static Object deepCopy(Object value) {
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> copy = new LinkedHashMap<>();
      map.forEach((k, v) -> copy.put(String.valueOf(k), deepCopy(v)));
      return copy;
    }
    if (value instanceof List<?> list) {
      List<Object> copy = new ArrayList<>(list.size());
      list.forEach(v -> copy.add(deepCopy(v)));
      return copy;
    }
    return value;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> copyOfMap(Map<String, ?> map) {
    return (Map<String, Object>) deepCopy(map);
  }

  /** The map under {@code key}, or null when absent or not an object. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object parent, String key) {
    if (parent instanceof Map<?, ?> m && m.get(key) instanceof Map<?, ?> child) {
      return (Map<String, Object>) child;
    }
    return null;
  }

  /** The list under {@code key}, or an empty list when absent or not an array. */
  static List<?> list(Object parent, String key) {
    if (parent instanceof Map<?, ?> m && m.get(key) instanceof List<?> child) {
      return child;
    }
    return List.of();
  }

  /** The string under {@code key}, or null when absent or not a string. */
  static String string(Object parent, String key) {
    if (parent instanceof Map<?, ?> m && m.get(key) instanceof String s) {
      return s;
    }
    return null;
  }
}
