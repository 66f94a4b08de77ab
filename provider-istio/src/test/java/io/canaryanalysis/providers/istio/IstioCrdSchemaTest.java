package io.canaryanalysis.providers.istio;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.HttpMatch;
import io.canaryanalysis.api.spec.ObjectMetadata;
import io.canaryanalysis.api.spec.SessionAffinity;
import io.canaryanalysis.api.spec.StringMatch;
import io.canaryanalysis.routers.contract.CrdSchema;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every VirtualService and DestinationRule the router writes (weights, A/B, mirroring, session
 * affinity, TCP, every service setting, after finalize) is valid against Istio's published CRDs
 * ({@code crds/SOURCES.md}: istio/api v1.30.3) in both {@code v1beta1} and {@code v1}. Unknown
 * fields and type errors fail; the hand-written {@link IstioSchema} stays for its readable
 * field-by-field messages.
 */
@EnableKubernetesMockClient(crud = true)
class IstioCrdSchemaTest {
  KubernetesMockServer server;
  KubernetesClient client;

  private static final ObjectMapper JSON = new ObjectMapper();
  private final Iterator<String> cookies = Stream.iterate(1, i -> i + 1).map(i -> "Cookie" + i).iterator();

  private static Canary canary(CanaryService service, Analysis analysis) {
    return IstioTestSupport.canary(IstioTestSupport.spec(service).analysis(analysis).build());
  }

  private static CanaryService fullService() {
    return CanaryService.builder()
        .port(9898)
        .portDiscovery(true)
        .hosts(List.of("app.example.com"))
        .gateways(List.of("public-gateway.istio-system.svc.cluster.local"))
        .match(List.of(new HttpMatch(StringMatch.prefix("/api"), StringMatch.exact("GET"), null, null,
            Map.of(), Map.of("debug", StringMatch.exact("1")), Map.of())))
        .rewrite(Map.of("uri", "/"))
        .timeout("30s")
        .retries(Map.of("attempts", 3, "perTryTimeout", "1s", "retryOn", "gateway-error,connect-failure"))
        .corsPolicy(Map.of("allowOrigins", List.of(Map.of("exact", "https://example.com")),
            "allowMethods", List.of("GET", "POST"), "maxAge", "24h", "allowCredentials", true))
        .headers(Map.of("request", Map.of("add", Map.of("x-envoy-upstream-rq-timeout-ms", "15000")),
            "response", Map.of("remove", List.of("x-internal"))))
        .trafficPolicy(Map.of("tls", Map.of("mode", "ISTIO_MUTUAL"),
            "loadBalancer", Map.of("simple", "LEAST_REQUEST")))
        .apex(new ObjectMetadata(Map.of("team", "payments"), Map.of("example.com/owner", "sre")))
        .build();
  }

  static Stream<Arguments> versions() {
    return Stream.of(Arguments.of("v1beta1"), Arguments.of("v1"));
  }

  private void assertValid(String version) {
    CrdSchema vs = CrdSchema.load("crds/virtualservices.networking.istio.io.yaml", version);
    CrdSchema dr = CrdSchema.load("crds/destinationrules.networking.istio.io.yaml", version);
    for (GenericKubernetesResource resource : client.genericKubernetesResources(
        IstioTestSupport.context(version, "VirtualService")).inNamespace("test").list().getItems()) {
      vs.assertValid(JSON.valueToTree(IstioTestSupport.tree(client, resource)));
    }
    for (GenericKubernetesResource resource : client.genericKubernetesResources(
        IstioTestSupport.context(version, "DestinationRule")).inNamespace("test").list().getItems()) {
      dr.assertValid(JSON.valueToTree(IstioTestSupport.tree(client, resource)));
    }
  }

  private IstioRouter router(String version) {
    return new IstioRouter(client, version, cookies::next);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("versions")
  void progressiveWeightsWithEveryServiceSetting(String version) {
    IstioRouter router = router(version);
    Canary canary = canary(fullService(), Analysis.builder().stepWeight(10).build());
    router.reconcile(canary);
    for (int weight : new int[] {0, 5, 50, 100}) {
      router.setRoutes(canary, TrafficSplit.canary(weight));
      assertValid(version);
    }
    router.finalizeRoutes(canary);
    assertValid(version);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("versions")
  void abTestingAndMirroring(String version) {
    IstioRouter router = router(version);
    Canary ab = canary(fullService(), Analysis.builder().iterations(5).match(List.of(
        HttpMatch.headers(Map.of("x-canary", StringMatch.exact("insider"))),
        HttpMatch.headers(Map.of("cookie", StringMatch.regex("^(.*?;)?(canary=always)(;.*)?$"))))).build());
    router.reconcile(ab);
    router.setRoutes(ab, TrafficSplit.ALL_CANARY);
    assertValid(version);

    Canary mirrored = canary(CanaryService.ofPort(9898),
        Analysis.builder().iterations(5).mirror(true).mirrorWeight(30).build());
    router.setRoutes(mirrored, new TrafficSplit(100, 0, true));
    assertValid(version);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("versions")
  void sessionAffinityThroughARun(String version) {
    IstioRouter router = router(version);
    Canary canary = canary(CanaryService.builder().port(9898).headers(
            Map.of("response", Map.of("set", Map.of("x-served-by", "mesh")))).build(),
        Analysis.builder().interval(Duration.ofSeconds(30)).stepWeight(10)
            .sessionAffinity(new SessionAffinity("canary-cookie", "primary-cookie", 0)).build());
    router.reconcile(canary);
    for (TrafficSplit split : List.of(TrafficSplit.canary(10), TrafficSplit.canary(20), TrafficSplit.ALL_PRIMARY)) {
      router.setRoutes(canary, split);
      assertValid(version);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("versions")
  void tcpRoutes(String version) {
    IstioRouter router = router(version);
    Canary canary = canary(CanaryService.builder().port(5432).appProtocol("tcp").build(), null);
    router.reconcile(canary);
    router.setRoutes(canary, TrafficSplit.canary(40));
    assertValid(version);
  }

  @Test
  void theCheckCatchesWhatTheMockAccepts() {
    CrdSchema vs = CrdSchema.load("crds/virtualservices.networking.istio.io.yaml", "v1beta1");
    JsonNode wrong = JSON.valueToTree(Map.of("apiVersion", "networking.istio.io/v1beta1",
        "kind", "VirtualService", "metadata", Map.of("name", "podinfo"),
        "spec", Map.of("hosts", List.of("podinfo"), "http", List.of(Map.of(
            "route", List.of(Map.of("destination", Map.of("host", "podinfo-canary"), "weight", "10")),
            "mirrorWeight", 5)))));

    assertThat(vs.violations(wrong)).hasSize(2);
  }
}
