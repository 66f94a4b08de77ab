package io.canaryanalysis.core.validation;

import static io.canaryanalysis.core.validation.CanaryValidatorTest.p;
import static io.canaryanalysis.core.validation.CanaryValidatorTest.validAnalysis;
import static io.canaryanalysis.core.validation.CanaryValidatorTest.validSpec;
import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.HttpMatch;
import io.canaryanalysis.api.spec.ObjectReference;
import io.canaryanalysis.api.spec.SessionAffinity;
import io.canaryanalysis.api.spec.StringMatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The spec is checked against what the router can express, with messages naming the router and the way out. */
class RouterCapabilityValidationTest {
  static final RouterCapabilities TRAEFIK = RouterCapabilities.WEIGHTS_ONLY;
  static final RouterCapabilities ISTIO = new RouterCapabilities(true, true, true, true, true);
  static final RouterCapabilities NGINX = new RouterCapabilities(true, true, true, false, false);
  static final RouterCapabilities KUBERNETES = new RouterCapabilities(false, false, false, false, false);

  static final List<HttpMatch> HEADER_MATCH =
      List.of(HttpMatch.headers(Map.of("x-canary", StringMatch.exact("insider"))));
  static final List<HttpMatch> COOKIE_MATCH =
      List.of(HttpMatch.headers(Map.of("cookie", StringMatch.regex("^(.*?;)?(canary=always)(;.*)?$"))));

  static Canary on(String provider, UnaryOperator<Analysis.Builder> change) {
    return Canary.of("podinfo", "test", validSpec().provider(provider)
        .ingressRef("nginx".equals(provider) ? ObjectReference.ingress("podinfo") : null)
        .analysis(change.apply(validAnalysis()).build()).build());
  }

  static UnaryOperator<Analysis.Builder> abTest(List<HttpMatch> match) {
    return a -> a.stepWeight(0).maxWeight(null).iterations(10).match(match);
  }

  @Test
  void headerMatchOnAWeightsOnlyRouterIsAnErrorNamingTheRouter() {
    assertThat(CanaryValidator.validate(on("traefik", abTest(HEADER_MATCH)), TRAEFIK))
        .containsExactly(p("spec.analysis.match", "A/B routing on headers is not supported by the traefik router; "
            + "use iterations without match (blue/green) or the istio or nginx router"));
    assertThat(CanaryValidator.validate(on("istio", abTest(HEADER_MATCH)), ISTIO)).isEmpty();
    assertThat(CanaryValidator.validate(on("nginx", abTest(HEADER_MATCH)), NGINX)).isEmpty();
  }

  @Test
  void cookieMatchNeedsCookieMatching() {
    RouterCapabilities headersOnly = new RouterCapabilities(true, true, false, false, false);
    assertThat(CanaryValidator.validate(on("istio", abTest(COOKIE_MATCH)), headersOnly))
        .containsExactly(p("spec.analysis.match", "A/B routing on cookies is not supported by the istio router; "
            + "use iterations without match (blue/green) or the istio or nginx router"));
    RouterCapabilities cookiesOnly = new RouterCapabilities(true, false, true, false, false);
    assertThat(CanaryValidator.validate(on("nginx", abTest(COOKIE_MATCH)), cookiesOnly)).isEmpty();
    assertThat(CanaryValidator.validate(on("nginx", abTest(HEADER_MATCH)), cookiesOnly)).hasSize(1);
  }

  @Test
  void requestAttributeMatchNeedsHeaderMatching() {
    List<HttpMatch> uriMatch = List.of(new HttpMatch(StringMatch.prefix("/api"), null, null, null, Map.of(),
        Map.of(), Map.of()));
    assertThat(CanaryValidator.validate(on("traefik", abTest(uriMatch)), TRAEFIK))
        .containsExactly(p("spec.analysis.match", "A/B routing on uri, method, scheme, authority, query parameters "
            + "or source labels is not supported by the traefik router; use iterations without match (blue/green) "
            + "or the istio router"));
  }

  @Test
  void mirrorNeedsMirroring() {
    assertThat(CanaryValidator.validate(on("nginx", a -> a.mirror(true)), NGINX))
        .containsExactly(p("spec.analysis.mirror",
            "traffic mirroring is not supported by the nginx router; remove mirror or use the istio router"));
    assertThat(CanaryValidator.validate(on("istio", a -> a.mirror(true)), ISTIO)).isEmpty();
  }

  @Test
  void sessionAffinityNeedsSessionAffinitySupport() {
    UnaryOperator<Analysis.Builder> sticky = a -> a.sessionAffinity(new SessionAffinity("canary", null, 0));
    assertThat(CanaryValidator.validate(on("traefik", sticky), TRAEFIK))
        .containsExactly(p("spec.analysis.sessionAffinity", "session affinity is not supported by the traefik router; "
            + "remove sessionAffinity or use the istio router"));
    assertThat(CanaryValidator.validate(on("istio", sticky), ISTIO)).isEmpty();
  }

  @Test
  void progressiveWeightsNeedWeightedRouting() {
    assertThat(CanaryValidator.validate(on("kubernetes", a -> a), KUBERNETES))
        .containsExactly(p("spec.analysis.stepWeight", "progressive traffic shifting is not supported by the "
            + "kubernetes router; use iterations (blue/green) instead"));
    assertThat(CanaryValidator.validate(on("kubernetes", a -> a.stepWeight(0).maxWeight(null)
        .stepWeights(List.of(10, 50))), KUBERNETES))
        .containsExactly(p("spec.analysis.stepWeights", "progressive traffic shifting is not supported by the "
            + "kubernetes router; use iterations (blue/green) instead"));
    assertThat(CanaryValidator.validate(on("kubernetes", a -> a.stepWeight(0).maxWeight(null).iterations(10)),
        KUBERNETES)).isEmpty();
  }

  @Test
  void withoutAProviderTheMessageNamesTheConfiguredRouter() {
    assertThat(CanaryValidator.validate(on(null, a -> a.mirror(true)), TRAEFIK))
        .containsExactly(p("spec.analysis.mirror",
            "traffic mirroring is not supported by the configured router; remove mirror or use the istio router"));
  }

  @Test
  void everyUnsupportedFeatureIsReportedTogether() {
    Canary canary = on("traefik", a -> a.stepWeight(0).maxWeight(null).iterations(10)
        .match(List.of(HttpMatch.headers(Map.of("x-canary", StringMatch.exact("1"),
            "Cookie", StringMatch.regex("canary"))))).mirror(true)
        .sessionAffinity(new SessionAffinity("c", null, 0)));
    assertThat(CanaryValidator.validate(canary, TRAEFIK)).extracting(SpecProblem::path).containsExactly(
        "spec.analysis.match", "spec.analysis.match", "spec.analysis.mirror", "spec.analysis.sessionAffinity");
  }

  @Test
  void routerOwnProblemsAreAppendedAfterTheCapabilityChecks() {
    List<Canary> seen = new ArrayList<>();
    TrafficRouter router = new FixedRouter(TRAEFIK, canary -> {
      seen.add(canary);
      return List.of(new SpecProblem("spec.service.name", "too long for a TraefikService"));
    });
    Canary canary = on("traefik", a -> a.mirror(true));
    assertThat(CanaryValidator.validate(canary, router)).containsExactly(
        p("spec.analysis.mirror", "traffic mirroring is not supported by the traefik router; "
            + "remove mirror or use the istio router"),
        p("spec.service.name", "too long for a TraefikService"));
    assertThat(seen).containsExactly(canary);
  }

  @Test
  void aRouterProblemForAFieldAlreadyReportedIsNotRepeated() {
    TrafficRouter router = new FixedRouter(TRAEFIK, canary -> List.of(
        new SpecProblem("spec.analysis.mirror", "mirroring is not supported by the traefik router"),
        new SpecProblem("spec.service.name", "too long for a TraefikService")));
    Canary canary = on("traefik", a -> a.mirror(true));

    assertThat(CanaryValidator.validate(canary, router)).containsExactly(
        p("spec.analysis.mirror", "traffic mirroring is not supported by the traefik router; "
            + "remove mirror or use the istio router"),
        p("spec.service.name", "too long for a TraefikService"));
  }

  @Test
  void nullRouterSkipsRouterChecks() {
    assertThat(CanaryValidator.validate(on("traefik", a -> a.mirror(true)), (TrafficRouter) null)).isEmpty();
    assertThat(CanaryValidator.validate(on("traefik", a -> a.mirror(true)), (RouterCapabilities) null)).isEmpty();
  }

  /** A router with fixed capabilities and validation, for the parts of the SPI the validator uses. */
  private static final class FixedRouter implements TrafficRouter {
    @Override
    public String kind() {
      return "fixed";
    }

    private final RouterCapabilities capabilities;
    private final java.util.function.Function<Canary, List<SpecProblem>> validation;

    FixedRouter(RouterCapabilities capabilities, java.util.function.Function<Canary, List<SpecProblem>> validation) {
      this.capabilities = capabilities;
      this.validation = validation;
    }

    @Override
    public RouterCapabilities capabilities() {
      return capabilities;
    }

    @Override
    public List<SpecProblem> validate(Canary canary) {
      return validation.apply(canary);
    }

    @Override
    public void reconcile(Canary canary) {
      throw new UnsupportedOperationException("validation only");
    }

    @Override
    public void setRoutes(Canary canary, TrafficSplit split) {
      throw new UnsupportedOperationException("validation only");
    }

    @Override
    public TrafficSplit getRoutes(Canary canary) {
      throw new UnsupportedOperationException("validation only");
    }

    @Override
    public void finalizeRoutes(Canary canary) {
      throw new UnsupportedOperationException("validation only");
    }
  }
}
