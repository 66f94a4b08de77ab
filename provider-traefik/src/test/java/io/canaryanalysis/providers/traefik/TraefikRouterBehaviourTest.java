package io.canaryanalysis.providers.traefik;

import static io.canaryanalysis.providers.traefik.Fixtures.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.ObjectMetadata;
import io.canaryanalysis.providers.traefik.TraefikRouter.ApiGroup;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Reconcile, concurrency, repair and error behaviour of {@link TraefikRouter} on the CRUD mock.
 * The client's own retry of 5xx answers is switched off so one recorded fault is what the router
 * sees.
 */
@EnableKubernetesMockClient(crud = true, https = false,
    kubernetesClientBuilderCustomizer = TraefikRouterBehaviourTest.NoClientRetries.class)
class TraefikRouterBehaviourTest {
  private static final String COLLECTION =
      "/apis/traefik.io/v1alpha1/namespaces/test/traefikservices";

  KubernetesMockServer server;
  KubernetesClient client;

  private TraefikRouter router() {
    return TraefikRouter.create(client);
  }

  @Test
  void reconcileAfterAPortLabelAndAnnotationChangeRewritesTheObjectButKeepsTheSplit() {
    Canary canary = Fixtures.canary();
    router().reconcile(canary);
    router().setRoutes(canary, TrafficSplit.canary(30));

    Canary changed = canary.withSpec(canary.spec().toBuilder()
        .service(canary.spec().service().toBuilder()
            .port(8080)
            .apex(new ObjectMetadata(
                Map.of("team", "payments"), Map.of("example.com/owner", "sre")))
            .build())
        .build());
    router().reconcile(changed);

    JsonNode object = Fixtures.wireObject(server, ApiGroup.TRAEFIK_IO);
    assertThat(object.get("spec")).isEqualTo(json("""
        {"weighted": {"services": [
          {"name": "podinfo-primary", "namespace": "test", "port": 8080, "weight": 70},
          {"name": "podinfo-canary", "namespace": "test", "port": 8080, "weight": 30}
        ]}}
        """));
    assertThat(object.at("/metadata/labels")).isEqualTo(json("{\"team\": \"payments\"}"));
    assertThat(object.at("/metadata/annotations"))
        .isEqualTo(json("{\"example.com/owner\": \"sre\"}"));
  }

  @Test
  void aConflictIsRetriedOnAFreshReadAndTheSecondWriteLands() {
    Canary canary = Fixtures.canary();
    router().reconcile(canary);
    server.expect().put().withPath(Fixtures.path(ApiGroup.TRAEFIK_IO))
        .andReturn(409, Fixtures.conflictStatus()).once();
    int before = server.getRequestCount();

    router().setRoutes(canary, TrafficSplit.canary(25));

    assertThat(server.getRequestCount() - before)
        .as("GET, PUT answered 409, GET, PUT")
        .isEqualTo(4);
    assertThat(router().getRoutes(canary)).isEqualTo(TrafficSplit.canary(25));
  }

  @Test
  void conflictsBeyondTheRetryBudgetFailRetriablyAndLeaveTheSplitAlone() {
    Canary canary = Fixtures.canary();
    TraefikRouter router = TraefikRouter.builder(client).maxConflictRetries(2).build();
    router.reconcile(canary);
    server.expect().put().withPath(Fixtures.path(ApiGroup.TRAEFIK_IO))
        .andReturn(409, Fixtures.conflictStatus()).times(3);
    int before = server.getRequestCount();

    assertThatThrownBy(() -> router.setRoutes(canary, TrafficSplit.canary(25)))
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.retriable()).isTrue();
          assertThat(e.getMessage()).contains("test/podinfo", "3 attempts", "409");
        });
    assertThat(server.getRequestCount() - before).as("three GET and PUT pairs").isEqualTo(6);
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.ALL_PRIMARY);
  }

  @Test
  void aCreateThatLosesTheRaceIsRetried() {
    Canary canary = Fixtures.canary();
    server.expect().post().withPath(COLLECTION)
        .andReturn(409, Fixtures.status(409, "AlreadyExists")).once();

    router().setRoutes(canary, TrafficSplit.canary(10));

    assertThat(router().getRoutes(canary)).isEqualTo(TrafficSplit.canary(10));
  }

  @Test
  void anObjectDeletedBetweenReadAndWriteIsRetried() {
    Canary canary = Fixtures.canary();
    router().reconcile(canary);
    server.expect().put().withPath(Fixtures.path(ApiGroup.TRAEFIK_IO))
        .andReturn(404, Fixtures.status(404, "NotFound")).once();

    router().setRoutes(canary, TrafficSplit.canary(15));

    assertThat(router().getRoutes(canary)).isEqualTo(TrafficSplit.canary(15));
  }

  @Test
  void aForbiddenWriteIsNotRetriedAndNotRetriable() {
    Canary canary = Fixtures.canary();
    router().reconcile(canary);
    server.expect().put().withPath(Fixtures.path(ApiGroup.TRAEFIK_IO))
        .andReturn(403, Fixtures.status(403, "Forbidden")).once();
    int before = server.getRequestCount();

    assertThatThrownBy(() -> router().setRoutes(canary, TrafficSplit.canary(15)))
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.retriable()).isFalse();
          assertThat(e.getMessage()).contains("test/podinfo", "HTTP 403", "Forbidden");
        });
    assertThat(server.getRequestCount() - before).isEqualTo(2);
  }

  @Test
  void aServerErrorOnReadIsRetriable() {
    server.expect().get().withPath(Fixtures.path(ApiGroup.TRAEFIK_IO))
        .andReturn(503, Fixtures.status(503, "ServiceUnavailable")).once();

    assertThatThrownBy(() -> router().getRoutes(Fixtures.canary()))
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.retriable()).isTrue();
          assertThat(e.getMessage()).contains("HTTP 503");
        });
  }

  @Test
  void aMirroredSplitFailsBeforeAnyRequest() {
    Canary canary = Fixtures.canary();
    router().reconcile(canary);
    int before = server.getRequestCount();

    assertThatThrownBy(() -> router().setRoutes(canary, new TrafficSplit(100, 0, true)))
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.retriable()).isFalse();
          assertThat(e.getMessage()).contains("mirror");
        });
    assertThat(server.getRequestCount()).isEqualTo(before);
  }

  @Test
  void reconcileTakesOverAUserObjectKeepingItsEffectiveSplitAndOtherOwners() {
    Canary canary = Fixtures.canary();
    GenericKubernetesResource userObject = userObject(List.of(
        entry("podinfo-primary", 90), entry("podinfo-canary", 10)));
    userObject.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder()
        .withApiVersion("kustomize.toolkit.fluxcd.io/v1").withKind("Kustomization")
        .withName("apps").withUid("flux-uid").build()));
    create(userObject);

    router().reconcile(canary);

    JsonNode object = Fixtures.wireObject(server, ApiGroup.TRAEFIK_IO);
    assertThat(object.at("/metadata/ownerReferences")).isEqualTo(json("""
        [{"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
          "name": "apps", "uid": "flux-uid"},
         {"apiVersion": "flagger.app/v1beta1", "kind": "Canary", "name": "podinfo",
          "uid": "%s", "controller": true, "blockOwnerDeletion": true}]
        """.formatted(Fixtures.UID)));
    assertThat(object.at("/metadata/labels"))
        .isEqualTo(json("{\"app.kubernetes.io/name\": \"podinfo\"}"));
    assertThat(router().getRoutes(canary)).isEqualTo(TrafficSplit.canary(10));
  }

  @Test
  void weightsThatDoNotSumTo100AreAnErrorAndReconcileRestoresTheEffectiveSplit() {
    Canary canary = Fixtures.canary();
    create(userObject(List.of(entry("podinfo-primary", 3), entry("podinfo-canary", 1))));

    assertThatThrownBy(() -> router().getRoutes(canary))
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("primary=3 canary=1")
        .hasMessageContaining("sums to 100");

    router().reconcile(canary);

    assertThat(router().getRoutes(canary))
        .as("Traefik sent 1 of 4 requests to the canary")
        .isEqualTo(TrafficSplit.canary(25));
  }

  @Test
  void anObjectWithoutOurEntriesIsAnErrorNotZeroZero() {
    Canary canary = Fixtures.canary();
    create(userObject(List.of(entry("someone-else", 100))));

    assertThatThrownBy(() -> router().getRoutes(canary))
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("spec.weighted.services[0]")
        .hasMessageContaining("someone-else");

    router().reconcile(canary);

    assertThat(router().getRoutes(canary)).isEqualTo(TrafficSplit.ALL_PRIMARY);
    assertThat(Fixtures.wireObject(server, ApiGroup.TRAEFIK_IO).at("/spec/weighted/services"))
        .hasSize(1);
  }

  @Test
  void anEntryAddedBySomeoneElseIsReportedAndRemovedByReconcile() {
    Canary canary = Fixtures.canary();
    router().reconcile(canary);
    router().setRoutes(canary, TrafficSplit.canary(20));
    GenericKubernetesResource stored = Fixtures.stored(client, ApiGroup.TRAEFIK_IO);
    List<Object> services = services(stored);
    services.add(entry("maintenance", 50));
    update(stored);

    assertThatThrownBy(() -> router().getRoutes(canary))
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("spec.weighted.services[2] routes to Service test/maintenance");

    router().reconcile(canary);

    assertThat(router().getRoutes(canary)).isEqualTo(TrafficSplit.canary(20));
  }

  @Test
  void aPrimaryEntryWithoutAnIntegerWeightIsAnError() {
    Canary canary = Fixtures.canary();
    Map<String, Object> primary = entry("podinfo-primary", 100);
    primary.put("weight", "100");
    create(userObject(List.of(primary)));

    assertThatThrownBy(() -> router().getRoutes(canary))
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("podinfo-primary has no integer weight");
  }

  @Test
  void aCanaryEntryAloneIsReadAsNoPrimaryEntryNotAsASplit() {
    Canary canary = Fixtures.canary();
    create(userObject(List.of(entry("podinfo-canary", 100))));

    assertThatThrownBy(() -> router().getRoutes(canary))
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("no weighted entry for podinfo-primary");

    router().reconcile(canary);

    assertThat(router().getRoutes(canary))
        .as("Traefik sent everything to the canary; reconcile keeps that")
        .isEqualTo(TrafficSplit.ALL_CANARY);
  }

  @Test
  void finalizeOnAMissingObjectCreatesNothing() {
    router().finalizeRoutes(Fixtures.canary());

    assertThat(Fixtures.stored(client, ApiGroup.TRAEFIK_IO)).isNull();
  }

  @Test
  void finalizeFromAllCanaryMovesEverythingBackToThePrimary() {
    Canary canary = Fixtures.canary();
    router().reconcile(canary);
    router().setRoutes(canary, TrafficSplit.ALL_CANARY);

    router().finalizeRoutes(canary);

    assertThat(Fixtures.wireObject(server, ApiGroup.TRAEFIK_IO).get("spec")).isEqualTo(json("""
        {"weighted": {"services": [
          {"name": "podinfo-primary", "namespace": "test", "port": 9898, "weight": 100}
        ]}}
        """));
  }

  @Test
  void theBuilderRejectsANegativeRetryBudget() {
    assertThatThrownBy(() -> TraefikRouter.builder(client).maxConflictRetries(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxConflictRetries");
  }

  /** Turns off fabric8's built-in retry with backoff, which would hide a single 5xx. */
  public static final class NoClientRetries implements Consumer<KubernetesClientBuilder> {
    @Override
    public void accept(KubernetesClientBuilder builder) {
      builder.editOrNewConfig().withRequestRetryBackoffLimit(0).endConfig();
    }
  }

  private static GenericKubernetesResource userObject(List<Object> services) {
    GenericKubernetesResource resource = new GenericKubernetesResource();
    resource.setApiVersion("traefik.io/v1alpha1");
    resource.setKind("TraefikService");
    resource.setMetadata(new ObjectMetaBuilder()
        .withName(Fixtures.SERVICE).withNamespace(Fixtures.NAMESPACE)
        .withLabels(Map.of("made-by", "hand"))
        .build());
    resource.setAdditionalProperty("spec",
        Map.of("weighted", Map.of("services", new ArrayList<>(services))));
    return resource;
  }

  private static Map<String, Object> entry(String name, int weight) {
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("name", name);
    entry.put("namespace", Fixtures.NAMESPACE);
    entry.put("port", 9898);
    entry.put("weight", weight);
    return entry;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> services(GenericKubernetesResource resource) {
    Map<String, Object> spec = (Map<String, Object>) resource.getAdditionalProperties().get("spec");
    return (List<Object>) ((Map<String, Object>) spec.get("weighted")).get("services");
  }

  private void create(GenericKubernetesResource resource) {
    client.genericKubernetesResources(Fixtures.context(ApiGroup.TRAEFIK_IO))
        .inNamespace(Fixtures.NAMESPACE).resource(resource).create();
  }

  private void update(GenericKubernetesResource resource) {
    client.genericKubernetesResources(Fixtures.context(ApiGroup.TRAEFIK_IO))
        .inNamespace(Fixtures.NAMESPACE).resource(resource).update();
  }
}
