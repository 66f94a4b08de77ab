package io.canaryanalysis.api;

import java.util.Objects;

/**
 * One validation problem: the field path in the manifest and what is wrong with it, for example
 * {@code spec.analysis.stepWeights[2]: must be greater than 10}. Paths start at the
 * manifest root.
 */
public record SpecProblem(String path, String message) {
  public SpecProblem {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(message, "message");
  }

  @Override
  public String toString() {
    return path + ": " + message;
  }
}
