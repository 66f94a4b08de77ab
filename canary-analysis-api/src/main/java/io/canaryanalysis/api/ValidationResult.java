package io.canaryanalysis.api;

import java.util.List;

/**
 * What validating a spec found: errors, which stop the canary from running, and warnings about
 * fields that are accepted (as Flagger accepts them) but probably a mistake. Both carry field paths
 * from the manifest root.
 */
public record ValidationResult(List<SpecProblem> errors, List<SpecProblem> warnings) {
  public static final ValidationResult OK = new ValidationResult(List.of(), List.of());

  public ValidationResult {
    errors = errors == null ? List.of() : List.copyOf(errors);
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
  }

  /** True when there is no error; warnings do not count. */
  public boolean valid() {
    return errors.isEmpty();
  }
}
