package io.canaryanalysis.api.spec;

import java.util.List;
import java.util.Map;

/** Null-tolerant defensive copies shared by the spec records. */
final class Specs {
  private Specs() {}

  static <T> List<T> list(List<T> values) {
    return values == null ? List.of() : List.copyOf(values);
  }

  static <K, V> Map<K, V> map(Map<K, V> values) {
    return values == null ? Map.of() : Map.copyOf(values);
  }

  static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
