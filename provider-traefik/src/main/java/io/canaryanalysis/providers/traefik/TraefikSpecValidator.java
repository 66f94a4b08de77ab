package io.canaryanalysis.providers.traefik;

import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import java.util.ArrayList;
import java.util.List;

/**
 * Rejects the parts of a Canary a TraefikService cannot express, which Flagger silently ignores
 * (an A/B spec on Traefik sends all traffic to the canary there).
 */
final class TraefikSpecValidator {
  private TraefikSpecValidator() {}

  static List<SpecProblem> validate(Canary canary) {
    List<SpecProblem> problems = new ArrayList<>();
    if (!canary.spec().service().match().isEmpty()) {
      problems.add(new SpecProblem("spec.service.match",
          "request matching is not supported by the traefik router; match requests in the "
              + "IngressRoute that references the TraefikService instead"));
    }
    Analysis analysis = canary.spec().analysis();
    if (analysis == null) {
      return problems;
    }
    if (!analysis.match().isEmpty()) {
      problems.add(new SpecProblem("spec.analysis.match",
          "A/B routing on headers is not supported by the traefik router; use weights "
              + "(stepWeight or stepWeights) or blue/green (iterations without match)"));
    }
    if (analysis.mirror()) {
      problems.add(new SpecProblem("spec.analysis.mirror",
          "traffic mirroring is not supported by the traefik router"));
    }
    if (analysis.mirrorWeight() != 0) {
      problems.add(new SpecProblem("spec.analysis.mirrorWeight",
          "traffic mirroring is not supported by the traefik router"));
    }
    if (analysis.sessionAffinity() != null) {
      problems.add(new SpecProblem("spec.analysis.sessionAffinity",
          "session affinity is not supported by the traefik router"));
    }
    return problems;
  }
}
