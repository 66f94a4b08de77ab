package io.canaryanalysis.providers.gatewayapi;

import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.HttpMatch;
import io.canaryanalysis.api.spec.SessionAffinity;
import io.canaryanalysis.api.spec.StringMatch;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Validation refuses what the parent Gateway's implementation (its GatewayClass
 * {@code controllerName}) does not support, by the Gateway API v1.5 conformance reports.
 */
@EnableKubernetesMockClient(crud = true)
class CapabilityValidationTest {
  KubernetesMockServer server;
  KubernetesClient client;

  /** A canary using every extended feature the router can write. */
  private static Canary demanding() {
    return GatewayTestSupport.canary(GatewayTestSupport.spec(GatewayTestSupport.service()
            .timeout("30s").backendTimeout("10s")
            .corsPolicy(Map.of("allowOrigin", List.of("https://example.com")))
            .match(List.of(new HttpMatch(null, null, null, null, Map.of(),
                Map.of("debug", StringMatch.exact("1")), Map.of())))
            .build())
        .analysis(Analysis.builder().iterations(5).mirror(true).mirrorWeight(20).build())
        .build());
  }

  private List<String> problemPaths(Canary canary) {
    return GatewayTestSupport.router(client, "v1").validate(canary).stream()
        .map(SpecProblem::path).toList();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "gateway.envoyproxy.io/gatewayclass-controller|",
      "istio.io/gateway-controller|",
      "gateway.nginx.org/nginx-gateway-controller|spec.service.timeout,spec.service.backendTimeout",
      "traefik.io/gateway-controller|spec.service.timeout,spec.service.backendTimeout,"
          + "spec.service.corsPolicy,spec.analysis.mirror,spec.analysis.mirrorWeight",
      "example.com/homegrown|spec.service.match[0].queryParams,spec.service.timeout,"
          + "spec.service.backendTimeout,spec.service.corsPolicy,spec.analysis.mirror,"
          + "spec.analysis.mirrorWeight"})
  void eachImplementationGetsWhatItsConformanceReportShows(String controllerName, String refused) {
    GatewayTestSupport.gateway(client, "istio-ingress", "gateway", "the-class", controllerName);

    assertThat(problemPaths(demanding()))
        .containsExactlyElementsOf(refused == null ? List.of() : List.of(refused.split(",")));
  }

  @Test
  void theMessageNamesTheGatewayTheImplementationAndTheFeature() {
    GatewayTestSupport.gateway(client, "istio-ingress", "gateway", "traefik", "traefik.io/gateway-controller");

    assertThat(GatewayTestSupport.router(client, "v1").validate(demanding()))
        .contains(new SpecProblem("spec.analysis.mirror", "Gateway istio-ingress/gateway is served by"
            + " Traefik (controllerName traefik.io/gateway-controller), which does not support request"
            + " mirroring (HTTPRouteRequestMirror is not in its Gateway API conformance report)"));
  }

  @Test
  void sessionAffinityNeedsFiltersOnBackendRefsWhichNginxGatewayFabricLacks() {
    GatewayTestSupport.gateway(client, "istio-ingress", "gateway", "nginx",
        "gateway.nginx.org/nginx-gateway-controller");
    Canary canary = GatewayTestSupport.canary(GatewayTestSupport.spec(GatewayTestSupport.service().build())
        .analysis(Analysis.builder().stepWeight(10)
            .sessionAffinity(new SessionAffinity("canary", null, 0)).build()).build());

    assertThat(problemPaths(canary)).containsExactly("spec.analysis.sessionAffinity");
  }

  @Test
  void aMissingGatewayMeansCoreFeaturesOnly() {
    assertThat(problemPaths(demanding())).contains("spec.service.timeout", "spec.analysis.mirror");
    assertThat(problemPaths(GatewayTestSupport.canary())).isEmpty();
    assertThat(GatewayTestSupport.router(client, "v1").implementation(GatewayTestSupport.canary()))
        .isEqualTo(GatewayImplementation.UNKNOWN);
  }

  @Test
  void theImplementationIsReportedForMetricSelection() {
    GatewayTestSupport.gateway(client, "istio-ingress", "gateway", "eg",
        "gateway.envoyproxy.io/gatewayclass-controller");

    assertThat(GatewayTestSupport.router(client, "v1").implementation(GatewayTestSupport.canary()))
        .isEqualTo(GatewayImplementation.ENVOY_GATEWAY);
  }

  @Test
  void whatTheGatewayApiCannotExpressIsRefusedWithItsPath() {
    Canary canary = GatewayTestSupport.canary(GatewayTestSupport.spec(GatewayTestSupport.service()
            .gatewayRefs(List.of())
            .gateways(List.of("istio-system/public"))
            .retries(Map.of("attempts", 3))
            .timeout("1.5s")
            .trafficPolicy(Map.of("tls", Map.of("mode", "ISTIO_MUTUAL")))
            .corsPolicy(Map.of("allowOrigins", List.of(Map.of("regex", ".*")), "maxAge", "a day",
                "unmatchedPreflights", "IGNORE"))
            .match(List.of(new HttpMatch(StringMatch.suffix(".png"), StringMatch.exact("FETCH"),
                StringMatch.exact("https"), null, Map.of("x", StringMatch.prefix("a")), Map.of(),
                Map.of("app", "web"))))
            .build())
        .analysis(Analysis.builder().iterations(2)
            .match(List.of(HttpMatch.headers(Map.of("x-canary", StringMatch.exact("1")))))
            .sessionAffinity(new SessionAffinity("c", null, 0)).build())
        .build());

    assertThat(GatewaySpecValidator.validate(canary)).extracting(SpecProblem::path).containsExactly(
        "spec.service.gatewayRefs", "spec.service.gateways", "spec.service.trafficPolicy",
        "spec.service.retries", "spec.service.match[0].scheme", "spec.service.match[0].sourceLabels",
        "spec.service.match[0].headers.x.prefix", "spec.service.match[0].uri.suffix",
        "spec.service.match[0].method", "spec.analysis.sessionAffinity", "spec.service.timeout",
        "spec.service.corsPolicy.unmatchedPreflights", "spec.service.corsPolicy.allowOrigins[0]",
        "spec.service.corsPolicy.maxAge");
  }
}
