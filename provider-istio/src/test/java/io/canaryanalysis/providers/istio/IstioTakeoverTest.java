package io.canaryanalysis.providers.istio;

import static io.canaryanalysis.providers.istio.IstioTestSupport.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Canary;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Taking over a VirtualService the user already had, and giving it back on finalize
 * ({@code revertOnDeletion}, reference/flagger.md §2.12).
 */
@EnableKubernetesMockClient(crud = true)
class IstioTakeoverTest {
  KubernetesMockServer server;
  KubernetesClient client;

  private static final Map<String, Object> USER_SPEC = Map.of(
      "hosts", List.of("podinfo", "podinfo.example.com"),
      "gateways", List.of("mesh"),
      "http", List.of(Map.of(
          "timeout", "7s",
          "route", List.of(Map.of("destination", Map.of("host", "podinfo", "port", Map.of("number", 9898)))))));

  private void createUserVirtualService(Map<String, String> annotations) {
    GenericKubernetesResource vs = new GenericKubernetesResource();
    vs.setApiVersion("networking.istio.io/v1beta1");
    vs.setKind("VirtualService");
    ObjectMeta metadata = new ObjectMeta();
    metadata.setName("podinfo");
    metadata.setNamespace(NAMESPACE);
    metadata.setLabels(Map.of("app.kubernetes.io/managed-by", "Helm"));
    metadata.setAnnotations(new HashMap<>(annotations));
    vs.setMetadata(metadata);
    vs.setAdditionalProperty("spec", USER_SPEC);
    client.genericKubernetesResources(IstioTestSupport.context("v1beta1", "VirtualService"))
        .inNamespace(NAMESPACE).resource(vs).create();
  }

  private GenericKubernetesResource vs() {
    return IstioTestSupport.virtualService(client, "v1beta1");
  }

  private IstioRouter router() {
    return IstioRouter.builder(client).build();
  }

  @Test
  @SuppressWarnings("unchecked")
  void storesTheUsersSpecOnceAtTakeoverAndRestoresItOnFinalize() {
    createUserVirtualService(Map.of("example.com/team", "payments"));
    Canary canary = IstioTestSupport.canary();
    IstioRouter router = router();

    router.reconcile(canary);

    GenericKubernetesResource taken = vs();
    String stored = taken.getMetadata().getAnnotations().get("flagger.kubernetes.io/original-configuration");
    assertThat(client.getKubernetesSerialization().unmarshal(stored, Map.class)).isEqualTo(USER_SPEC);
    assertThat(taken.getMetadata().getOwnerReferences())
        .as("a taken-over object is not owned by the Canary, or deleting the Canary would delete it")
        .isNullOrEmpty();
    assertThat(taken.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "Helm");
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.ALL_PRIMARY);

    router.setRoutes(canary, TrafficSplit.canary(30));
    router.reconcile(canary.withSpec(canary.spec().toBuilder()
        .service(canary.spec().service().toBuilder().timeout("3s").build()).build()));
    assertThat(vs().getMetadata().getAnnotations())
        .as("later updates never overwrite the stored original (Flagger does)")
        .containsEntry("flagger.kubernetes.io/original-configuration", stored);
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.canary(30));

    router.finalizeRoutes(canary);

    GenericKubernetesResource restored = vs();
    assertThat(IstioTestSupport.spec(restored)).isEqualTo(USER_SPEC);
    assertThat(restored.getMetadata().getAnnotations()).isEqualTo(Map.of("example.com/team", "payments"));
    assertThat(restored.getMetadata().getLabels()).isEqualTo(Map.of("app.kubernetes.io/managed-by", "Helm"));
    assertThatThrownBy(() -> router.getRoutes(canary))
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("does not contain routes for podinfo-primary and podinfo-canary");

    String resourceVersion = restored.getMetadata().getResourceVersion();
    router.finalizeRoutes(canary);
    assertThat(vs().getMetadata().getResourceVersion()).as("finalize is idempotent").isEqualTo(resourceVersion);
  }

  @Test
  void withKubectlsLastAppliedConfigurationNothingIsCopiedAndFinalizeRestoresFromIt() {
    Map<String, Object> applied = new LinkedHashMap<>();
    applied.put("apiVersion", "networking.istio.io/v1beta1");
    applied.put("kind", "VirtualService");
    applied.put("metadata", Map.of("name", "podinfo", "namespace", NAMESPACE));
    applied.put("spec", USER_SPEC);
    String lastApplied = client.getKubernetesSerialization().asJson(applied);
    createUserVirtualService(Map.of("kubectl.kubernetes.io/last-applied-configuration", lastApplied));
    Canary canary = IstioTestSupport.canary();
    IstioRouter router = router();

    router.reconcile(canary);
    router.setRoutes(canary, TrafficSplit.canary(50));

    assertThat(vs().getMetadata().getAnnotations())
        .doesNotContainKey("flagger.kubernetes.io/original-configuration")
        .containsEntry("kubectl.kubernetes.io/last-applied-configuration", lastApplied);

    router.finalizeRoutes(canary);

    assertThat(IstioTestSupport.spec(vs())).isEqualTo(USER_SPEC);
    assertThat(vs().getMetadata().getAnnotations())
        .isEqualTo(Map.of("kubectl.kubernetes.io/last-applied-configuration", lastApplied));
  }

  @Test
  void finalizeOfAVirtualServiceTheRouterCreatedRoutesEverythingToThePrimary() {
    Canary canary = IstioTestSupport.canary();
    IstioRouter router = router();
    router.reconcile(canary);
    router.setRoutes(canary, new TrafficSplit(0, 100, false));

    router.finalizeRoutes(canary);

    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.ALL_PRIMARY);
    assertThat(vs().getMetadata().getAnnotations()).doesNotContainKey("flagger.kubernetes.io/original-configuration");
  }

  @Test
  void finalizeWithoutAVirtualServiceDoesNothing() {
    Canary canary = IstioTestSupport.canary();

    router().finalizeRoutes(canary);

    assertThat(vs()).isNull();
  }

  @Test
  void aCorruptStoredOriginalIsAClearNonRetriableError() {
    createUserVirtualService(Map.of("flagger.kubernetes.io/original-configuration", "{not json"));
    Canary canary = IstioTestSupport.canary();
    IstioRouter router = router();
    router.reconcile(canary);

    assertThatThrownBy(() -> router.finalizeRoutes(canary))
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("flagger.kubernetes.io/original-configuration")
        .satisfies(e -> assertThat(((ProviderException) e).retriable()).isFalse());
  }

  @Test
  void aVirtualServiceCreatedByFlaggerIsRecognisedByItsOwnerReference() {
    Canary canary = IstioTestSupport.canary();
    IstioRouter router = router();
    router.reconcile(canary);
    router.setRoutes(canary, TrafficSplit.canary(15));
    GenericKubernetesResource vs = vs();
    vs.getMetadata().getAnnotations().remove("canary-analysis.io/canary");
    client.genericKubernetesResources(IstioTestSupport.context("v1beta1", "VirtualService"))
        .inNamespace(NAMESPACE).resource(vs).update();

    router.reconcile(canary);

    assertThat(vs().getMetadata().getAnnotations())
        .doesNotContainKey("flagger.kubernetes.io/original-configuration")
        .containsEntry("canary-analysis.io/canary", "podinfo");
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.canary(15));
  }
}
