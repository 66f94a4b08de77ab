package io.canaryanalysis.manifest;

import io.canaryanalysis.api.SpecProblem;
import java.util.List;
import java.util.Objects;

/**
 * A manifest could not be read into the model: every problem found, each with its field path from
 * the manifest root ({@code spec.analysis.stepWeigth: unknown field}). Messages never echo field
 * values that may hold credentials (URLs, headers).
 */
public final class ManifestException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient List<SpecProblem> problems;

  public ManifestException(List<SpecProblem> problems) {
    super(describe(problems));
    this.problems = List.copyOf(problems);
  }

  /** All problems, in the order they were found; never empty. */
  public List<SpecProblem> problems() {
    return problems;
  }

  private static String describe(List<SpecProblem> problems) {
    Objects.requireNonNull(problems, "problems");
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("a ManifestException needs at least one problem");
    }
    StringBuilder text = new StringBuilder("invalid manifest (")
        .append(problems.size()).append(problems.size() == 1 ? " problem)" : " problems)");
    for (SpecProblem problem : problems) {
      text.append("\n  ").append(problem);
    }
    return text.toString();
  }
}
