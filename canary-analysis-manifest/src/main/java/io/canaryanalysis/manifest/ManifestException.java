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
  private final transient CanaryDocument partial;

  public ManifestException(List<SpecProblem> problems) {
    this(problems, null);
  }

  /**
   * With the Canary as far as it could be read ({@code partial}): unreadable spec fields have their
   * defaults or blank placeholders, and its status is complete; null when there is none.
   */
  public ManifestException(List<SpecProblem> problems, CanaryDocument partial) {
    super(describe(problems));
    this.problems = List.copyOf(problems);
    this.partial = partial;
  }

  /**
   * The Canary as far as it could be read, when the problems are in its spec: identity, the fields
   * that could be read (for example {@code analysis.alerts}) and the stored status, read whole. So
   * a controller can still tell the canary's subscribers and record that in the status. Empty for
   * other kinds, or when the status itself has problems.
   */
  public java.util.Optional<CanaryDocument> partial() {
    return java.util.Optional.ofNullable(partial);
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
