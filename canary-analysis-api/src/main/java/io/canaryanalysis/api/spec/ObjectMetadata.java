package io.canaryanalysis.api.spec;

import java.util.Map;

/** Labels and annotations put on a generated object ({@code service.apex}, {@code service.primary}, {@code service.canary}). */
public record ObjectMetadata(Map<String, String> labels, Map<String, String> annotations) {
  public static final ObjectMetadata EMPTY = new ObjectMetadata(Map.of(), Map.of());

  public ObjectMetadata {
    labels = Specs.map(labels);
    annotations = Specs.map(annotations);
  }
}
