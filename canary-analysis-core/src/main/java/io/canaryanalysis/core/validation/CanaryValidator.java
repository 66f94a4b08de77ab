package io.canaryanalysis.core.validation;

import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.ValidationResult;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.MetricTemplate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Objects;

/**
 * Checks a Canary before it runs and reports every problem at once, each with its field path from
 * the manifest root ({@code spec.analysis.stepWeights[2]: must be greater than 10}). It enforces
 * what Flagger's CRD enforces, rejects what Flagger silently ignores or mis-handles (a match
 * without iterations, a custom metric without a threshold), and checks the spec against what the
 * router can express, so A/B routing on a weights-only router is an error rather than 100% canary
 * traffic.
 */
public final class CanaryValidator {
  private CanaryValidator() {}

  /** The spec checks without router checks. */
  public static List<SpecProblem> validate(Canary canary) {
    return validate(canary, (RouterCapabilities) null);
  }

  /**
   * The spec checks, the router's capabilities and the router's own {@link TrafficRouter#validate}
   * problems; a null router skips the router checks.
   */
  public static List<SpecProblem> validate(Canary canary, TrafficRouter router) {
    Objects.requireNonNull(canary, "canary");
    List<SpecProblem> problems = new ArrayList<>(
        validate(canary, router == null ? null : router.capabilities()));
    if (router != null) {
      // A router may restate a capability problem already reported for the same field; keep one.
      Set<String> reportedPaths = new HashSet<>();
      problems.forEach(problem -> reportedPaths.add(problem.path()));
      for (SpecProblem problem : router.validate(canary)) {
        if (!reportedPaths.contains(problem.path())) {
          problems.add(problem);
        }
      }
    }
    return List.copyOf(problems);
  }

  /** The spec checks and the checks against {@code capabilities}; null skips the capability checks. */
  public static List<SpecProblem> validate(Canary canary, RouterCapabilities capabilities) {
    Objects.requireNonNull(canary, "canary");
    SpecChecks checks = new SpecChecks();
    checks.canary(canary);
    if (capabilities != null) {
      checks.routerCapabilities(canary, capabilities);
    }
    return checks.problems();
  }

  /** The spec checks without router checks, with the warnings. */
  public static ValidationResult check(Canary canary) {
    return check(canary, (TrafficRouter) null);
  }

  /**
   * Like {@link #validate(Canary, TrafficRouter)}, and also returns the warnings: fields accepted as
   * Flagger accepts them that are probably a mistake ({@code maxWeight} beside {@code stepWeights}).
   */
  public static ValidationResult check(Canary canary, TrafficRouter router) {
    Objects.requireNonNull(canary, "canary");
    SpecChecks checks = new SpecChecks();
    checks.canary(canary);
    return new ValidationResult(validate(canary, router), checks.warnings());
  }

  /** {@link #validate(MetricTemplate)} as a result (a template has no warnings). */
  public static ValidationResult check(MetricTemplate template) {
    return new ValidationResult(validate(template), List.of());
  }

  /** Checks a MetricTemplate: a supported provider type, an http(s) address and a query. */
  public static List<SpecProblem> validate(MetricTemplate template) {
    Objects.requireNonNull(template, "template");
    SpecChecks checks = new SpecChecks();
    checks.metricTemplate(template);
    return checks.problems();
  }
}
