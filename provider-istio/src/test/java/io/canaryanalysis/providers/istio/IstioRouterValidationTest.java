package io.canaryanalysis.providers.istio;

import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.HttpMatch;
import io.canaryanalysis.api.spec.SessionAffinity;
import io.canaryanalysis.api.spec.StringMatch;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the router declares and what it rejects before anything is written. */
@EnableKubernetesMockClient(crud = true)
class IstioRouterValidationTest {
  KubernetesMockServer server;
  KubernetesClient client;

  private List<SpecProblem> validate(CanaryService service, Analysis analysis) {
    Canary canary = IstioTestSupport.canary(IstioTestSupport.spec(service).analysis(analysis).build());
    return IstioRouter.builder(client).build().validate(canary);
  }

  private static HttpMatch headers(Map<String, StringMatch> headers) {
    return HttpMatch.headers(headers);
  }

  @Test
  void declaresEveryCapability() {
    assertThat(IstioRouter.builder(client).build().capabilities())
        .isEqualTo(new RouterCapabilities(true, true, true, true, true));
  }

  @Test
  void aValidAbSpecHasNoProblems() {
    assertThat(validate(CanaryService.ofPort(80), Analysis.builder().iterations(10)
        .match(List.of(headers(Map.of("x-canary", StringMatch.exact("insider"))),
            new HttpMatch(null, null, null, null, Map.of(), Map.of(), Map.of("app", "web"))))
        .build())).isEmpty();
  }

  @Test
  void headerNamesMustBeLowercase() {
    assertThat(validate(
        CanaryService.builder().port(80)
            .match(List.of(headers(Map.of("X-Region", StringMatch.exact("eu"))))).build(),
        Analysis.builder().iterations(10)
            .match(List.of(headers(Map.of("x-ok", StringMatch.exact("1"))),
                headers(Map.of("X-Canary", StringMatch.exact("insider"))))).build()))
        .containsExactly(
            new SpecProblem("spec.service.match[0].headers.X-Region",
                "Istio requires lowercase header names; use \"x-region\""),
            new SpecProblem("spec.analysis.match[1].headers.X-Canary",
                "Istio requires lowercase header names; use \"x-canary\""));
  }

  @Test
  void sourceLabelsNeedTheMeshGateway() {
    HttpMatch fromWeb = new HttpMatch(null, null, null, null, Map.of(), Map.of(), Map.of("app", "web"));
    Analysis ab = Analysis.builder().iterations(10).match(List.of(fromWeb)).build();

    assertThat(validate(CanaryService.builder().port(80).gateways(List.of("public-gw")).build(), ab))
        .containsExactly(new SpecProblem("spec.analysis.match[0].sourceLabels",
            "source labels only apply to traffic from sidecars, so spec.service.gateways must"
                + " include \"mesh\""));
    assertThat(validate(CanaryService.builder().port(80).gateways(List.of("public-gw", "mesh")).build(), ab))
        .isEmpty();
  }

  @Test
  void sessionAffinityNeedsValidDistinctCookieNamesAndNoAbMatch() {
    assertThat(validate(CanaryService.ofPort(80), Analysis.builder()
        .sessionAffinity(new SessionAffinity(" ", null, 0)).build()))
        .containsExactly(new SpecProblem("spec.analysis.sessionAffinity.cookieName", "is required"));
    assertThat(validate(CanaryService.ofPort(80), Analysis.builder()
        .sessionAffinity(new SessionAffinity("canary", "canary", 0)).build()))
        .containsExactly(new SpecProblem("spec.analysis.sessionAffinity.primaryCookieName",
            "must differ from cookieName"));
    assertThat(validate(CanaryService.ofPort(80), Analysis.builder()
        .sessionAffinity(new SessionAffinity("bad;name", null, 0)).build()))
        .extracting(SpecProblem::path).containsExactly("spec.analysis.sessionAffinity.cookieName");
    assertThat(validate(CanaryService.ofPort(80), Analysis.builder().iterations(5)
        .match(List.of(headers(Map.of("x-canary", StringMatch.exact("1")))))
        .sessionAffinity(new SessionAffinity("canary", null, 0)).build()))
        .extracting(SpecProblem::path).containsExactly("spec.analysis.sessionAffinity");
  }

  @Test
  void httpFeaturesOnATcpServiceAreReportedNotIgnored() {
    assertThat(validate(
        CanaryService.builder().port(5432).appProtocol("tcp").timeout("5s").build(),
        Analysis.builder().iterations(5).mirror(true).build()))
        .extracting(SpecProblem::path)
        .containsExactly("spec.service.timeout", "spec.analysis.mirror");
  }

  @Test
  void mirrorWeightMustBeAPercentage() {
    assertThat(validate(CanaryService.ofPort(80), Analysis.builder().mirror(true).mirrorWeight(150).build()))
        .containsExactly(new SpecProblem("spec.analysis.mirrorWeight", "must be within 0..100, got 150"));
  }
}
