package io.canaryanalysis.examples;

import io.canaryanalysis.api.SpecProblem;
import java.util.List;
import java.util.Objects;

/**
 * A scenario file could not be read: every problem found, each with its path from the scenario
 * root ({@code simulation.metrics.request-success-rate[1].value: expected a number}). Problems of the
 * embedded manifest carry the {@code canary.} prefix.
 */
public final class ScenarioException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient List<SpecProblem> problems;

  public ScenarioException(String source, List<SpecProblem> problems) {
    super(describe(source, problems));
    this.problems = List.copyOf(problems);
  }

  /** All problems, in the order they were found; never empty. */
  public List<SpecProblem> problems() {
    return problems;
  }

  private static String describe(String source, List<SpecProblem> problems) {
    Objects.requireNonNull(problems, "problems");
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("a ScenarioException needs at least one problem");
    }
    StringBuilder text = new StringBuilder("invalid scenario ").append(source).append(" (")
        .append(problems.size()).append(problems.size() == 1 ? " problem)" : " problems)");
    for (SpecProblem problem : problems) {
      text.append("\n  ").append(problem);
    }
    return text.toString();
  }
}
