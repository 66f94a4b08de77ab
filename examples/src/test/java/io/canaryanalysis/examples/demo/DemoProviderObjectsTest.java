package io.canaryanalysis.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.examples.demo.TrafficSimulator.Split;
import io.canaryanalysis.kubernetes.KubernetesRouter;
import io.canaryanalysis.manifest.CanaryManifests;
import io.canaryanalysis.metrics.prometheus.GatewayApiBuiltinQueries;
import io.canaryanalysis.providers.gatewayapi.GatewayApiRouter;
import io.canaryanalysis.providers.gatewayapi.GatewayImplementation;
import io.canaryanalysis.routers.contract.CrdSchema;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.StringReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The objects behind {@code --provider gatewayapi} and {@code --provider kubernetes}, on fabric8's
 * mock API server in CRUD mode and read back whole: the demo's Gateway and GatewayClass and the
 * HTTPRoute the real router writes for the demo's Canary are valid against the official Gateway
 * API CRDs (v1.6.1), the simulator reads the weights back from that route, and the replica-ratio
 * split is read from the apex Service's selector and the Deployments' ready pods, with pod names
 * Flagger's query for {@code provider: kubernetes} tells apart.
 */
@EnableKubernetesMockClient(crud = true)
class DemoProviderObjectsTest {
  static final CrdSchema HTTP_ROUTE = CrdSchema.load("crds/gateway.networking.k8s.io_httproutes.yaml", "v1");
  static final CrdSchema GATEWAY = CrdSchema.load("crds/gateway.networking.k8s.io_gateways.yaml", "v1");
  static final CrdSchema GATEWAY_CLASS = CrdSchema.load("crds/gateway.networking.k8s.io_gatewayclasses.yaml", "v1");
  static final ObjectMapper JSON = new ObjectMapper();
  /** {@code pkg/metrics/observers/http.go}: the canary's pods, not the primary's. */
  static final Pattern FLAGGER_CANARY_POD = Pattern.compile("podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)");

  KubernetesClient client;

  final DemoTarget target = new DemoTarget("test", "podinfo", "podinfo", 9898, "podinfo");

  @Test
  void theGatewayAndTheHttpRouteTheRouterWritesAreValidAgainstTheOfficialCrdsAndCarryTheWeights() throws Exception {
    DemoProvider provider = DemoProvider.of("gatewayapi");
    Demo.createObjects(client, provider, target);
    Canary canary = CanaryManifests.readCanary(new StringReader(Demo.defaultCanary(provider, Duration.ofSeconds(5))),
        "test").canary();
    GatewayApiRouter router = (GatewayApiRouter) provider.router().apply(client);
    assertThat(router.validate(canary)).isEmpty();
    assertThat(provider.split().apply(client, target)).as("no route yet").isEmpty();

    router.reconcile(canary);
    router.setRoutes(canary, TrafficSplit.canary(30));

    JsonNode route = tree(client.genericKubernetesResources(DemoProvider.HTTP_ROUTES).inNamespace("test")
        .withName("podinfo").get());
    HTTP_ROUTE.assertValid(route);
    assertThat(route.path("spec").path("parentRefs").get(0).path("name").asText()).isEqualTo("gateway");
    assertThat(route.path("spec").path("parentRefs").get(0).path("namespace").asText()).isEqualTo("istio-ingress");
    assertThat(route.path("spec").path("hostnames").get(0).asText()).isEqualTo("app.example.com");
    JsonNode gateway = tree(client.genericKubernetesResources(DemoProvider.GATEWAYS).inNamespace("istio-ingress")
        .withName("gateway").get());
    GATEWAY.assertValid(gateway);
    assertThat(GATEWAY.withDefaults(gateway).path("spec")).as("a real API server keeps the spec the demo wrote"
        + " (it only adds the status a Gateway controller then fills in)").isEqualTo(gateway.path("spec"));
    JsonNode gatewayClass = tree(client.genericKubernetesResources(DemoProvider.GATEWAY_CLASSES).withName("istio").get());
    GATEWAY_CLASS.assertValid(gatewayClass);
    assertThat(GATEWAY_CLASS.withDefaults(gatewayClass).path("spec")).isEqualTo(gatewayClass.path("spec"));

    assertThat(provider.split().apply(client, target)).contains(Split.weight(30));
    router.setRoutes(canary, TrafficSplit.ALL_PRIMARY);
    assertThat(provider.split().apply(client, target)).contains(Split.weight(0));

    GatewayImplementation implementation = router.implementation(canary);
    assertThat(implementation).as("found through the GatewayClass controllerName").isEqualTo(GatewayImplementation.ISTIO);
    assertThat(new GatewayApiBuiltinQueries(implementation.id()).template(MetricCheck.REQUEST_SUCCESS_RATE, "gatewayapi"))
        .as("Gateway API on Istio has builtin queries, so the demo's Canary needs no template").isPresent();
  }

  @Test
  void theReplicaRatioSplitIsTheReadyPodsTheApexServiceSelects() {
    DemoProvider provider = DemoProvider.of(KubernetesRouter.KIND);
    Demo.createObjects(client, provider, target);
    Deployment canary = client.apps().deployments().inNamespace("test").withName("podinfo").get();
    assertThat(canary.getSpec().getReplicas()).isEqualTo(4);
    assertThat(canary.getSpec().getTemplate().getMetadata().getLabels())
        .containsEntry(KubernetesRouter.TRAFFIC_LABEL, "podinfo");
    Deployment primary = client.getKubernetesSerialization().clone(canary);
    primary.getMetadata().setName("podinfo-primary");
    primary.getMetadata().setResourceVersion(null);
    primary.getSpec().getTemplate().getMetadata().setLabels(Map.of("app", "podinfo-primary",
        KubernetesRouter.TRAFFIC_LABEL, "podinfo"));
    client.resource(primary).create();
    ready("podinfo-primary", 4);
    client.apps().deployments().inNamespace("test").withName("podinfo").edit(d -> {
      d.getSpec().setReplicas(2);
      return d;
    });
    ready("podinfo", 1);
    assertThat(provider.split().apply(client, target)).as("no apex Service yet").isEmpty();

    service(Map.of("app", "podinfo-primary"));
    Split primaryOnly = provider.split().apply(client, target).orElseThrow();
    assertThat(primaryOnly.primaryPods()).hasSize(4);
    assertThat(primaryOnly.canaryPods()).isEmpty();
    assertThat(primaryOnly.idlePods()).as("ready canary pods the Service does not select").hasSize(1);
    assertThat(primaryOnly.weight()).isZero();

    service(Map.of(KubernetesRouter.TRAFFIC_LABEL, "podinfo"));
    Split both = provider.split().apply(client, target).orElseThrow();
    assertThat(both.describe()).as("the ready pods").isEqualTo("4 primary / 1 canary pods");
    assertThat(both.weight()).isEqualTo(20);
    assertThat(provider.pods().apply(client, target)).as("the pods the Service gets once they are ready")
        .isEqualTo("4 primary / 2 canary pods");
    assertThat(both.canaryPods()).allSatisfy(p -> assertThat(p).matches(FLAGGER_CANARY_POD));
    assertThat(both.primaryPods()).doesNotHaveDuplicates()
        .noneSatisfy(p -> assertThat(p).matches(FLAGGER_CANARY_POD)).allSatisfy(p -> assertThat(p).startsWith("podinfo-primary-"));

    List<String> before = new ArrayList<>(both.canaryPods());
    Demo.newRevision(client, target);
    ready("podinfo", 1);
    assertThat(provider.split().apply(client, target).orElseThrow().canaryPods())
        .as("a new pod template is a new ReplicaSet: new pod names").hasSize(1).doesNotContainAnyElementsOf(before);

    service(Map.of("app", "podinfo"));
    assertThat(provider.split().apply(client, target).orElseThrow().describe()).isEqualTo("0 primary / 1 canary pods");
  }

  @Test
  void eachPodExportsItsOwnSeriesAndRequestsGoOnlyToTheSelectedPods() {
    List<String> primary = List.of("podinfo-primary-aaaaa-bbbbb", "podinfo-primary-aaaaa-ccccc");
    List<String> canary = List.of("podinfo-ddddd-eeeee");
    Split[] split = {Split.pods(primary, List.of(), canary)};
    TrafficSimulator traffic = new TrafficSimulator(1000, 7, () -> split[0], 60_000);
    traffic.step(1000, 1000);
    split[0] = Split.pods(primary, canary, List.of());
    traffic.step(4000, 3000);

    String exposition = MetricsEndpoint.exposition(DemoProvider.of(KubernetesRouter.KIND), target, traffic);
    long canaryServed = count(exposition, "podinfo-ddddd-eeeee");
    long primaryServed = count(exposition, "podinfo-primary-aaaaa-bbbbb") + count(exposition, "podinfo-primary-aaaaa-ccccc");
    TrafficSimulator.Counters[] sides = traffic.counters();
    assertThat(canaryServed).as("the canary pod served only after the Service selected it").isEqualTo(sides[1].total());
    assertThat(primaryServed + canaryServed).isEqualTo(4000);
    assertThat((double) canaryServed).as("a third of the 3000 requests once 2 primary and 1 canary pods take them")
        .isBetween(900.0, 1100.0);
    assertThat(exposition).contains("http_request_duration_seconds_bucket{kubernetes_namespace=\"test\","
        + "kubernetes_pod_name=\"podinfo-ddddd-eeeee\",method=\"GET\",path=\"/\",status=\"200\",le=\"0.001\"}");
  }

  /** The {@code _count} of a pod's series summed over status codes. */
  private static long count(String exposition, String pod) {
    return exposition.lines()
        .filter(l -> l.startsWith("http_request_duration_seconds_count{") && l.contains("\"" + pod + "\""))
        .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  private void ready(String name, int replicas) {
    Deployment d = client.apps().deployments().inNamespace("test").withName(name).get();
    d.setStatus(new DeploymentStatusBuilder().withReplicas(replicas).withReadyReplicas(replicas).build());
    client.apps().deployments().inNamespace("test").resource(d).updateStatus();
  }

  private void service(Map<String, String> selector) {
    if (client.services().inNamespace("test").withName("podinfo").get() == null) {
      client.services().inNamespace("test").resource(new ServiceBuilder().withNewMetadata().withName("podinfo")
          .withNamespace("test").endMetadata().withNewSpec().withSelector(selector).addNewPort().withPort(9898)
          .endPort().endSpec().build()).create();
    } else {
      client.services().inNamespace("test").withName("podinfo").edit(s -> {
        s.getSpec().setSelector(selector);
        return s;
      });
    }
  }

  private static JsonNode tree(GenericKubernetesResource resource) throws Exception {
    assertThat(resource).isNotNull();
    return JSON.readTree(Serialization.asJson(resource));
  }
}
