package io.canaryanalysis.providers.istio;

import static io.canaryanalysis.providers.istio.IstioTestSupport.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Canary;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * API errors and broken objects: classified, reported with the object, never a guessed split. The
 * client's own retry of 429 and 5xx answers is switched off so the router sees them.
 */
@EnableKubernetesMockClient(crud = true,
    kubernetesClientBuilderCustomizer = IstioRouterFailureTest.NoClientRetries.class)
class IstioRouterFailureTest {
  KubernetesMockServer server;
  KubernetesClient client;

  /** Turns off fabric8's retry with backoff of 429 and 5xx answers. */
  public static final class NoClientRetries implements Consumer<KubernetesClientBuilder> {
    @Override
    public void accept(KubernetesClientBuilder builder) {
      builder.editOrNewConfig().withRequestRetryBackoffLimit(0).endConfig();
    }
  }

  private static final String VS_PATH =
      "/apis/networking.istio.io/v1beta1/namespaces/test/virtualservices/podinfo";

  private static Status status(int code, String reason, String message) {
    return new StatusBuilder().withStatus("Failure").withCode(code).withReason(reason)
        .withMessage(message).build();
  }

  @SuppressWarnings("unchecked")
  private void setWeightsBehindRoutersBack(int primary, int canary) {
    GenericKubernetesResource vs = IstioTestSupport.virtualService(client, "v1beta1");
    Map<String, Object> route = (Map<String, Object>)
        ((List<Object>) IstioTestSupport.spec(vs).get("http")).get(0);
    route.put("route", List.of(
        Map.of("destination", Map.of("host", "podinfo-primary"), "weight", primary),
        Map.of("destination", Map.of("host", "podinfo-canary"), "weight", canary)));
    client.genericKubernetesResources(IstioTestSupport.context("v1beta1", "VirtualService"))
        .inNamespace(NAMESPACE).resource(vs).update();
  }

  @Test
  void aPersistentConflictGivesUpAfterBoundedRetriesAsARetriableError() {
    Canary canary = IstioTestSupport.canary();
    IstioRouter router = IstioRouter.builder(client).build();
    router.reconcile(canary);
    server.expect().put().withPath(VS_PATH)
        .andReturn(409, status(409, "Conflict", "the object has been modified")).always();

    assertThatThrownBy(() -> router.setRoutes(canary, TrafficSplit.canary(10)))
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("VirtualService podinfo.test")
        .hasMessageContaining("409")
        .satisfies(e -> assertThat(((ProviderException) e).retriable()).isTrue());
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.ALL_PRIMARY);
  }

  @Test
  void aServerErrorIsRetriableAndAForbiddenWriteIsNot() {
    Canary canary = IstioTestSupport.canary();
    IstioRouter router = IstioRouter.builder(client).build();
    router.reconcile(canary);

    server.expect().put().withPath(VS_PATH)
        .andReturn(503, status(503, "ServiceUnavailable", "etcdserver: leader changed")).once();
    assertThatThrownBy(() -> router.setRoutes(canary, TrafficSplit.canary(10)))
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("etcdserver: leader changed")
        .satisfies(e -> assertThat(((ProviderException) e).retriable()).isTrue());

    server.expect().put().withPath(VS_PATH)
        .andReturn(403, status(403, "Forbidden", "virtualservices is forbidden: User cannot update")).once();
    assertThatThrownBy(() -> router.setRoutes(canary, TrafficSplit.canary(10)))
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("HTTP 403")
        .satisfies(e -> assertThat(((ProviderException) e).retriable()).isFalse());

    router.setRoutes(canary, TrafficSplit.canary(10));
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.canary(10));
  }

  @Test
  void weightsThatDoNotAddUpTo100AreReportedAndRepairedByReconcile() {
    Canary canary = IstioTestSupport.canary();
    IstioRouter router = IstioRouter.builder(client).build();
    router.reconcile(canary);
    setWeightsBehindRoutersBack(30, 30);

    assertThatThrownBy(() -> router.getRoutes(canary))
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("30% to podinfo-primary and 30% to podinfo-canary");

    router.reconcile(canary);
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.ALL_PRIMARY);
  }

  @Test
  @SuppressWarnings("unchecked")
  void aVirtualServiceWithoutTheCanaryRouteIsAnErrorNotZeroZero() {
    Canary canary = IstioTestSupport.canary();
    IstioRouter router = IstioRouter.builder(client).build();
    router.reconcile(canary);
    GenericKubernetesResource vs = IstioTestSupport.virtualService(client, "v1beta1");
    IstioTestSupport.spec(vs).put("http", List.of(Map.of("route",
        List.of(Map.of("destination", Map.of("host", "podinfo-primary"), "weight", 100)))));
    client.genericKubernetesResources(IstioTestSupport.context("v1beta1", "VirtualService"))
        .inNamespace(NAMESPACE).resource(vs).update();

    assertThatThrownBy(() -> router.getRoutes(canary))
        .isInstanceOf(ProviderException.class)
        .hasMessage("VirtualService podinfo.test does not contain routes for podinfo-primary and"
            + " podinfo-canary");
  }

  @Test
  void aMissingVirtualServiceIsReportedByName() {
    assertThatThrownBy(() -> IstioRouter.builder(client).build().getRoutes(IstioTestSupport.canary()))
        .isInstanceOf(ProviderException.class)
        .hasMessage("VirtualService podinfo.test not found");
  }

  @Test
  void aMissingIstioApiIsReportedAsSuch() {
    server.expect().post().withPath("/apis/networking.istio.io/v1beta1/namespaces/test/virtualservices")
        .andReturn(404, status(404, "NotFound", "the server could not find the requested resource"))
        .once();

    assertThatThrownBy(() -> IstioRouter.builder(client).build()
            .setRoutes(IstioTestSupport.canary(), TrafficSplit.ALL_PRIMARY))
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("VirtualService podinfo.test write failed (HTTP 404)")
        .hasMessageContaining("is Istio's networking.istio.io/v1beta1 VirtualService API installed?")
        .satisfies(e -> assertThat(((ProviderException) e).retriable()).isFalse());
  }

  @Test
  void anUnsupportedApiVersionIsRejectedByTheBuilder() {
    assertThatThrownBy(() -> IstioRouter.builder(client).apiVersion("networking.istio.io/v1alpha3"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("networking.istio.io/v1beta1");
    assertThat(IstioRouter.builder(client).build().apiVersion()).isEqualTo("networking.istio.io/v1beta1");
    assertThat(IstioRouter.builder(client).apiVersion(IstioRouter.API_VERSION_V1).build().apiVersion())
        .isEqualTo("networking.istio.io/v1");
  }
}
