package io.canaryanalysis.providers.istio;

import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.HttpMatch;
import io.canaryanalysis.api.spec.SessionAffinity;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Checks what Istio itself would reject or what this router cannot express for a spec. */
final class IstioSpecValidator {
  private static final String COOKIE_NAME_SEPARATORS = "()<>@,;:\\\"/[]?={} \t";

  private IstioSpecValidator() {}

  static List<SpecProblem> validate(Canary canary) {
    List<SpecProblem> problems = new ArrayList<>();
    CanaryService service = canary.spec().service();
    Analysis analysis = canary.spec().analysis();
    boolean meshGateway = service.gateways().isEmpty()
        || service.gateways().contains(RouteRenderer.MESH_GATEWAY);
    checkMatches(problems, "spec.service.match", service.match(), meshGateway);
    if (analysis != null) {
      checkMatches(problems, "spec.analysis.match", analysis.match(), meshGateway);
      if (analysis.mirrorWeight() < 0 || analysis.mirrorWeight() > 100) {
        problems.add(new SpecProblem("spec.analysis.mirrorWeight",
            "must be within 0..100, got " + analysis.mirrorWeight()));
      }
      if (analysis.sessionAffinity() != null) {
        checkSessionAffinity(problems, analysis);
      }
    }
    if (RouteRenderer.isTcp(canary)) {
      checkTcp(problems, service, analysis);
    }
    return problems;
  }

  private static void checkMatches(
      List<SpecProblem> problems, String path, List<HttpMatch> matches, boolean meshGateway) {
    for (int i = 0; i < matches.size(); i++) {
      HttpMatch match = matches.get(i);
      String at = path + "[" + i + "]";
      for (String header : match.headers().keySet()) {
        if (!header.equals(header.toLowerCase(Locale.ROOT))) {
          problems.add(new SpecProblem(at + ".headers." + header,
              "Istio requires lowercase header names; use \"" + header.toLowerCase(Locale.ROOT) + "\""));
        }
      }
      if (!match.sourceLabels().isEmpty() && !meshGateway) {
        problems.add(new SpecProblem(at + ".sourceLabels",
            "source labels only apply to traffic from sidecars, so spec.service.gateways must"
                + " include \"mesh\""));
      }
      if (match.isEmpty()) {
        problems.add(new SpecProblem(at, "Istio does not accept an empty match condition"));
      }
    }
  }

  private static void checkSessionAffinity(List<SpecProblem> problems, Analysis analysis) {
    SessionAffinity affinity = analysis.sessionAffinity();
    String path = "spec.analysis.sessionAffinity";
    checkCookieName(problems, path + ".cookieName", affinity.cookieName(), true);
    checkCookieName(problems, path + ".primaryCookieName", affinity.primaryCookieName(), false);
    if (affinity.cookieName() != null && affinity.cookieName().equals(affinity.primaryCookieName())) {
      problems.add(new SpecProblem(path + ".primaryCookieName", "must differ from cookieName"));
    }
    if (!analysis.match().isEmpty()) {
      problems.add(new SpecProblem(path, "cannot be combined with spec.analysis.match: A/B routing"
          + " replaces the weighted route that session affinity sticks to"));
    }
  }

  private static void checkCookieName(
      List<SpecProblem> problems, String path, String name, boolean required) {
    if (name == null || name.isBlank()) {
      if (required) {
        problems.add(new SpecProblem(path, "is required"));
      }
      return;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c <= 0x20 || c >= 0x7f || COOKIE_NAME_SEPARATORS.indexOf(c) >= 0) {
        problems.add(new SpecProblem(path, "\"" + name + "\" is not a valid cookie name"
            + " (letters, digits and !#$%&'*+-.^_`|~ only)"));
        return;
      }
    }
  }

  private static void checkTcp(List<SpecProblem> problems, CanaryService service, Analysis analysis) {
    String why = "has no effect with spec.service.appProtocol tcp (the VirtualService gets a TCP route)";
    if (!service.match().isEmpty()) {
      problems.add(new SpecProblem("spec.service.match", why));
    }
    Map<String, Boolean> httpOnly = Map.of(
        "spec.service.rewrite", !service.rewrite().isEmpty(),
        "spec.service.timeout", service.timeout() != null,
        "spec.service.retries", !service.retries().isEmpty(),
        "spec.service.corsPolicy", !service.corsPolicy().isEmpty(),
        "spec.service.headers", !service.headers().isEmpty());
    httpOnly.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).sorted()
        .forEach(path -> problems.add(new SpecProblem(path, why)));
    if (analysis != null) {
      if (!analysis.match().isEmpty()) {
        problems.add(new SpecProblem("spec.analysis.match", why));
      }
      if (analysis.mirror()) {
        problems.add(new SpecProblem("spec.analysis.mirror", why));
      }
      if (analysis.sessionAffinity() != null) {
        problems.add(new SpecProblem("spec.analysis.sessionAffinity", why));
      }
    }
  }
}
