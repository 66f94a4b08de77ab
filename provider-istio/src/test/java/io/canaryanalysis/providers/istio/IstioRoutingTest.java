package io.canaryanalysis.providers.istio;

import static io.canaryanalysis.providers.istio.IstioTestSupport.NAMESPACE;
import static io.canaryanalysis.providers.istio.IstioTestSupport.UID;
import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.HttpMatch;
import io.canaryanalysis.api.spec.ObjectMetadata;
import io.canaryanalysis.api.spec.StringMatch;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The exact VirtualService and DestinationRule objects the router writes, read back whole from
 * the mock API server and checked against Istio's schema ({@link IstioSchema}).
 */
@EnableKubernetesMockClient(crud = true)
class IstioRoutingTest {
  KubernetesMockServer server;
  KubernetesClient client;

  private static final Map<String, Object> TRAFFIC_POLICY =
      Map.of("tls", Map.of("mode", "ISTIO_MUTUAL"),
          "connectionPool", Map.of("http", Map.of("http1MaxPendingRequests", 1024)));

  private static CanaryService fullService() {
    return CanaryService.builder()
        .port(9898)
        .hosts(List.of("app.example.com"))
        .gateways(List.of("public-gateway.istio-system.svc.cluster.local"))
        .match(List.of(new HttpMatch(StringMatch.prefix("/api"), null, null, null,
            Map.of(), Map.of(), Map.of())))
        .rewrite(Map.of("uri", "/"))
        .timeout("30s")
        .retries(Map.of("attempts", 3, "perTryTimeout", "1s", "retryOn", "gateway-error,connect-failure"))
        .corsPolicy(Map.of("allowOrigins", List.of(Map.of("exact", "https://example.com")),
            "allowMethods", List.of("GET", "POST"), "maxAge", "24h"))
        .headers(Map.of("request", Map.of("add", Map.of("x-envoy-upstream-rq-timeout-ms", "15000"))))
        .trafficPolicy(TRAFFIC_POLICY)
        .apex(new ObjectMetadata(Map.of("team", "payments", "kustomize.toolkit.fluxcd.io/name", "apps"),
            Map.of("example.com/owner", "sre")))
        .build();
  }

  private IstioRouter router(String apiVersion) {
    return IstioRouter.builder(client).apiVersion(apiVersion).build();
  }

  private Map<String, Object> readTree(String version, String kind, String name) {
    GenericKubernetesResource resource = IstioTestSupport.get(client, version, kind, name);
    assertThat(resource).as("%s %s", kind, name).isNotNull();
    Map<String, Object> tree = IstioTestSupport.tree(client, resource);
    IstioSchema.assertIstioObject(tree, "networking.istio.io/" + version, kind);
    return tree;
  }

  private static Map<String, Object> destination(String host, int weight) {
    return Map.of("destination", Map.of("host", host), "weight", weight);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"v1beta1", "v1"})
  void writesFlaggersObjectsWithTheConfiguredApiVersion(String version) {
    Canary canary = IstioTestSupport.canary(IstioTestSupport.spec(fullService()).build());
    IstioRouter router = router("networking.istio.io/" + version);
    router.reconcile(canary);
    router.setRoutes(canary, TrafficSplit.canary(10));

    for (String name : List.of("podinfo-primary", "podinfo-canary")) {
      Map<String, Object> dr = readTree(version, "DestinationRule", name);
      assertThat(dr.get("spec")).isEqualTo(Map.of("host", name, "trafficPolicy", TRAFFIC_POLICY));
      assertOwnedByCanary(dr);
    }
    Map<String, Object> vs = readTree(version, "VirtualService", "podinfo");
    assertOwnedByCanary(vs);
    @SuppressWarnings("unchecked")
    Map<String, Object> metadata = (Map<String, Object>) vs.get("metadata");
    assertThat(metadata.get("labels")).as("apex labels without Flux keys")
        .isEqualTo(Map.of("team", "payments"));
    assertThat(metadata.get("annotations")).isEqualTo(Map.of(
        "example.com/owner", "sre", "canary-analysis.io/canary", "podinfo"));
    assertThat(vs.get("spec")).isEqualTo(Map.of(
        "hosts", List.of("app.example.com", "podinfo"),
        "gateways", List.of("public-gateway.istio-system.svc.cluster.local"),
        "http", List.of(Map.of(
            "match", List.of(Map.of("uri", Map.of("prefix", "/api"))),
            "rewrite", Map.of("uri", "/"),
            "timeout", "30s",
            "retries", Map.of("attempts", 3, "perTryTimeout", "1s",
                "retryOn", "gateway-error,connect-failure"),
            "corsPolicy", Map.of("allowOrigins", List.of(Map.of("exact", "https://example.com")),
                "allowMethods", List.of("GET", "POST"), "maxAge", "24h"),
            "headers", Map.of("request",
                Map.of("add", Map.of("x-envoy-upstream-rq-timeout-ms", "15000"))),
            "route", List.of(destination("podinfo-primary", 90), destination("podinfo-canary", 10))))));
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.canary(10));
    String other = version.equals("v1") ? "v1beta1" : "v1";
    assertThat(IstioTestSupport.virtualService(client, other))
        .as("nothing is written under %s", other).isNull();
  }

  @SuppressWarnings("unchecked")
  private static void assertOwnedByCanary(Map<String, Object> object) {
    Map<String, Object> metadata = (Map<String, Object>) object.get("metadata");
    assertThat(metadata.get("namespace")).isEqualTo(NAMESPACE);
    assertThat(metadata.get("ownerReferences")).isEqualTo(List.of(Map.of(
        "apiVersion", "flagger.app/v1beta1", "kind", "Canary", "name", "podinfo", "uid", UID,
        "controller", true, "blockOwnerDeletion", true)));
  }

  @Test
  void aCanaryWithoutUidGetsNoOwnerReferencesAndTheDefaultMeshGateway() {
    Canary canary = Canary.of("podinfo", NAMESPACE,
        IstioTestSupport.spec(CanaryService.builder().port(80).hosts(List.of("*")).build()).build());
    IstioRouter router = router(IstioRouter.API_VERSION_V1BETA1);
    router.reconcile(canary);

    Map<String, Object> vs = readTree("v1beta1", "VirtualService", "podinfo");
    assertThat(((Map<?, ?>) vs.get("metadata")).get("ownerReferences")).isNull();
    assertThat(vs.get("spec")).isEqualTo(Map.of(
        "hosts", List.of("*"),
        "gateways", List.of("mesh"),
        "http", List.of(Map.of("route",
            List.of(destination("podinfo-primary", 100), destination("podinfo-canary", 0))))));
    assertThat(readTree("v1beta1", "DestinationRule", "podinfo-canary").get("spec"))
        .isEqualTo(Map.of("host", "podinfo-canary"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void weightsAreAlwaysWrittenAsIntegersEvenWhenZero() {
    Canary canary = IstioTestSupport.canary();
    IstioRouter router = router(IstioRouter.API_VERSION_V1BETA1);
    router.reconcile(canary);
    router.setRoutes(canary, TrafficSplit.ALL_CANARY);

    Map<String, Object> spec = (Map<String, Object>) readTree("v1beta1", "VirtualService", "podinfo").get("spec");
    List<Map<String, Object>> route = (List<Map<String, Object>>)
        ((Map<String, Object>) ((List<Object>) spec.get("http")).get(0)).get("route");
    assertThat(route).extracting(d -> d.get("weight")).containsExactly(0, 100);
    assertThat(route).allSatisfy(d -> assertThat(d.get("weight")).isInstanceOf(Integer.class));
  }

  @Test
  void portDiscoveryWithAnIngressGatewayNamesTheDestinationPort() {
    Canary canary = IstioTestSupport.canary(IstioTestSupport.spec(CanaryService.builder()
        .port(9898).portDiscovery(true).gateways(List.of("istio-system/public-gateway")).build()).build());
    IstioRouter router = router(IstioRouter.API_VERSION_V1BETA1);
    router.reconcile(canary);

    Map<String, Object> vs = readTree("v1beta1", "VirtualService", "podinfo");
    assertThat(((Map<?, ?>) vs.get("spec")).get("http")).isEqualTo(List.of(Map.of("route", List.of(
        Map.of("destination", Map.of("host", "podinfo-primary", "port", Map.of("number", 9898)), "weight", 100),
        Map.of("destination", Map.of("host", "podinfo-canary", "port", Map.of("number", 9898)), "weight", 0)))));
  }

  @Test
  void abTestingRoutesMatchedRequestsByWeightAndTheRestToThePrimary() {
    HttpMatch insider = new HttpMatch(null, null, null, null,
        Map.of("x-canary", StringMatch.exact("insider"), "user-agent", StringMatch.suffix("(iPhone)")),
        Map.of(), Map.of());
    HttpMatch cookie = new HttpMatch(null, null, null, null,
        Map.of("cookie", StringMatch.regex("^(.*?;)?(canary=always)(;.*)?$")),
        Map.of("beta", StringMatch.prefix("yes")), Map.of("app", "frontend"));
    CanaryService service = CanaryService.builder().port(9898)
        .match(List.of(
            new HttpMatch(StringMatch.prefix("/api"), null, null, null, Map.of(), Map.of(), Map.of()),
            new HttpMatch(StringMatch.exact("/healthz"), StringMatch.exact("GET"), null, null,
                Map.of("x-drop", StringMatch.exact("1")), Map.of(), Map.of())))
        .timeout("5s")
        .build();
    Canary canary = IstioTestSupport.canary(IstioTestSupport.spec(service)
        .analysis(Analysis.builder().iterations(10).match(List.of(insider, cookie)).build()).build());
    IstioRouter router = router(IstioRouter.API_VERSION_V1BETA1);
    router.reconcile(canary);
    router.setRoutes(canary, TrafficSplit.ALL_CANARY);

    Map<String, Object> insiderHeaders = Map.of(
        "x-canary", Map.of("exact", "insider"),
        "user-agent", Map.of("regex", ".*\\(iPhone\\)"));
    Map<String, Object> cookieHeaders = Map.of(
        "cookie", Map.of("regex", "^(.*?;)?(canary=always)(;.*)?$"));
    Map<String, Object> cookieExtras = Map.of(
        "queryParams", Map.of("beta", Map.of("prefix", "yes")),
        "sourceLabels", Map.of("app", "frontend"));
    Map<String, Object> vs = readTree("v1beta1", "VirtualService", "podinfo");
    assertThat(((Map<?, ?>) vs.get("spec")).get("http")).isEqualTo(List.of(
        Map.of(
            "match", List.of(
                Map.of("uri", Map.of("prefix", "/api"), "headers", insiderHeaders),
                Map.of("uri", Map.of("exact", "/healthz"), "method", Map.of("exact", "GET"),
                    "headers", insiderHeaders),
                with(cookieExtras, "uri", Map.of("prefix", "/api"), "headers", cookieHeaders),
                with(cookieExtras, "uri", Map.of("exact", "/healthz"), "method", Map.of("exact", "GET"),
                    "headers", cookieHeaders)),
            "timeout", "5s",
            "route", List.of(destination("podinfo-primary", 0), destination("podinfo-canary", 100))),
        Map.of(
            "match", List.of(
                Map.of("uri", Map.of("prefix", "/api")),
                Map.of("uri", Map.of("exact", "/healthz"), "method", Map.of("exact", "GET"),
                    "headers", Map.of("x-drop", Map.of("exact", "1")))),
            "timeout", "5s",
            "route", List.of(destination("podinfo-primary", 100)))));
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.ALL_CANARY);

    router.reconcile(canary.withSpec(canary.spec().toBuilder()
        .service(service.toBuilder().timeout("6s").build()).build()));
    assertThat(router.getRoutes(canary)).as("reconcile keeps the A/B split (Flagger resets it)")
        .isEqualTo(TrafficSplit.ALL_CANARY);

    router.setRoutes(canary, TrafficSplit.ALL_PRIMARY);
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.ALL_PRIMARY);
  }

  private static Map<String, Object> with(Map<String, Object> base, Object... more) {
    Map<String, Object> result = new java.util.LinkedHashMap<>(base);
    for (int i = 0; i < more.length; i += 2) {
      result.put((String) more[i], more[i + 1]);
    }
    return result;
  }

  @Test
  @SuppressWarnings("unchecked")
  void mirroringAddsMirrorAndPercentageToTheWeightedRoute() {
    Canary canary = IstioTestSupport.canary(IstioTestSupport.spec(CanaryService.ofPort(9898))
        .analysis(Analysis.builder().iterations(10).mirror(true).mirrorWeight(50).build()).build());
    IstioRouter router = router(IstioRouter.API_VERSION_V1);
    router.reconcile(canary);
    router.setRoutes(canary, new TrafficSplit(100, 0, true));

    Map<String, Object> vs = readTree("v1", "VirtualService", "podinfo");
    Map<String, Object> route = (Map<String, Object>) ((List<Object>) ((Map<?, ?>) vs.get("spec")).get("http")).get(0);
    assertThat(route).isEqualTo(Map.of(
        "route", List.of(destination("podinfo-primary", 100), destination("podinfo-canary", 0)),
        "mirror", Map.of("host", "podinfo-canary"),
        "mirrorPercentage", Map.of("value", 50)));
    assertThat(router.getRoutes(canary)).isEqualTo(new TrafficSplit(100, 0, true));

    router.reconcile(canary);
    assertThat(router.getRoutes(canary)).as("reconcile keeps the mirror").isEqualTo(new TrafficSplit(100, 0, true));

    router.setRoutes(canary, TrafficSplit.ALL_PRIMARY);
    Map<String, Object> after = readTree("v1", "VirtualService", "podinfo");
    assertThat(((Map<?, ?>) after.get("spec")).get("http")).isEqualTo(List.of(Map.of(
        "route", List.of(destination("podinfo-primary", 100), destination("podinfo-canary", 0)))));
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.ALL_PRIMARY);
  }

  @Test
  @SuppressWarnings("unchecked")
  void mirroringWithoutMirrorWeightMirrorsEverything() {
    Canary canary = IstioTestSupport.canary(IstioTestSupport.spec(CanaryService.ofPort(9898))
        .analysis(Analysis.builder().iterations(10).mirror(true).build()).build());
    IstioRouter router = router(IstioRouter.API_VERSION_V1BETA1);
    router.reconcile(canary);
    router.setRoutes(canary, new TrafficSplit(100, 0, true));

    Map<String, Object> route = (Map<String, Object>) ((List<Object>) ((Map<?, ?>)
        readTree("v1beta1", "VirtualService", "podinfo").get("spec")).get("http")).get(0);
    assertThat(route).containsEntry("mirror", Map.of("host", "podinfo-canary"))
        .doesNotContainKey("mirrorPercentage");
  }

  @Test
  void tcpServicesGetATcpRoute() {
    Canary canary = IstioTestSupport.canary(IstioTestSupport.spec(
        CanaryService.builder().port(5432).appProtocol("TCP").build()).build());
    IstioRouter router = router(IstioRouter.API_VERSION_V1BETA1);
    router.reconcile(canary);
    router.setRoutes(canary, TrafficSplit.canary(25));

    Map<String, Object> vs = readTree("v1beta1", "VirtualService", "podinfo");
    assertThat(vs.get("spec")).isEqualTo(Map.of(
        "hosts", List.of("podinfo"),
        "gateways", List.of("mesh"),
        "tcp", List.of(Map.of("route",
            List.of(destination("podinfo-primary", 75), destination("podinfo-canary", 25))))));
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.canary(25));
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> router.setRoutes(canary, new TrafficSplit(100, 0, true)))
        .isInstanceOf(io.canaryanalysis.api.ProviderException.class)
        .hasMessageContaining("mirroring");
  }
}
