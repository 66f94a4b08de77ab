package io.canaryanalysis.kubernetes;

import static io.canaryanalysis.kubernetes.Fixtures.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.api.status.ConditionStatus;
import io.canaryanalysis.api.status.StatusCondition;
import io.canaryanalysis.manifest.CanaryDocument;
import io.canaryanalysis.manifest.ManifestException;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Reading Canary objects and writing their status through the status subresource. */
@EnableKubernetesMockClient(crud = true)
class CanaryResourcesTest {
  KubernetesMockServer server;
  KubernetesClient client;
  private CanaryResources resources;

  @BeforeEach
  void setUp() {
    Fixtures.expectCanaryCrd(server);
    resources = CanaryResources.create(client);
  }

  @Test
  void readsAStoredCanaryWithItsUidAndAnInitialStatus() {
    GenericKubernetesResource stored = Fixtures.storeCanary(client, Fixtures.CANARY_YAML);

    CanaryDocument document = resources.read(NAMESPACE, "podinfo").orElseThrow();

    assertThat(document.canary().uid()).isEqualTo(stored.getMetadata().getUid()).isNotNull();
    assertThat(document.canary().spec().targetRef().name()).isEqualTo("podinfo");
    assertThat(document.canary().spec().analysis().stepWeight()).isEqualTo(10);
    assertThat(document.status()).isEqualTo(CanaryStatus.initial());
    assertThat(resources.read(NAMESPACE, "absent")).isEmpty();
  }

  @Test
  void theStatusRoundTripsThroughTheSubresourceWithoutTouchingTheSpec() {
    Fixtures.storeCanary(client, Fixtures.CANARY_YAML);
    CanaryDocument document = resources.read(NAMESPACE, "podinfo").orElseThrow();
    long generation = generation();
    Instant time = Instant.parse("2024-05-01T10:00:00Z");
    CanaryStatus status = CanaryStatus.builder()
        .phase(CanaryPhase.PROGRESSING)
        .canaryWeight(10)
        .failedChecks(1)
        .lastAppliedSpec("0123456789abcdef")
        .lastPromotedSpec("fedcba9876543210")
        .trackedConfigs(Map.of("configmap/podinfo-env", "1a2b3c4d5e6f7a8b"))
        .lastTransitionTime(time)
        .lastAnalysisTime(time)
        .conditions(List.of(new StatusCondition("Promoted", ConditionStatus.UNKNOWN,
            "Progressing", "New revision detected, progressing canary analysis.", time, time)))
        .build();

    assertThat(resources.compareAndSet(document.canary(), status)).isPresent();

    CanaryDocument reread = resources.read(NAMESPACE, "podinfo").orElseThrow();
    assertThat(reread.status()).isEqualTo(status);
    assertThat(reread.canary().spec()).isEqualTo(document.canary().spec());
    assertThat(generation()).as("a status write leaves generation alone").isEqualTo(generation);
  }

  @Test
  void theWriteIsAPutOfTheStatusSubresourceAndLeavesTheSpec() throws Exception {
    Fixtures.storeCanary(client, Fixtures.CANARY_YAML);
    CanaryDocument read = resources.read(NAMESPACE, "podinfo").orElseThrow();
    CanaryStatus first = CanaryStatus.builder().phase(CanaryPhase.PROGRESSING).canaryWeight(20).build();

    Optional<String> won = resources.compareAndSet(read.canary(), first);

    var request = server.getLastRequest();
    assertThat(request.getMethod()).isEqualTo("PUT");
    assertThat(request.getPath()).isEqualTo("/apis/flagger.app/v1beta1/namespaces/test/canaries/podinfo/status");
    assertThat(won).isPresent().get().isNotEqualTo(read.canary().resourceVersion());
    CanaryDocument reread = resources.read(NAMESPACE, "podinfo").orElseThrow();
    assertThat(reread.status()).isEqualTo(first);
    assertThat(reread.canary().resourceVersion()).isEqualTo(won.get());
    assertThat(reread.canary().spec()).isEqualTo(read.canary().spec());
  }

  @Test
  void aConflictFromAStaleReadIsALostRace() throws Exception {
    // The mock does not check resourceVersion on the status subresource; the API server answers
    // 409 to a PUT from a stale read, recorded here.
    Fixtures.storeCanary(client, Fixtures.CANARY_YAML);
    CanaryDocument read = resources.read(NAMESPACE, "podinfo").orElseThrow();
    server.expect().put().withPath("/apis/flagger.app/v1beta1/namespaces/test/canaries/podinfo/status")
        .andReturn(409, Fixtures.status(409, "Operation cannot be fulfilled on canaries.flagger.app "
            + "\"podinfo\": the object has been modified; please apply your changes to the latest version "
            + "and try again")).once();

    assertThat(resources.compareAndSet(read.canary(),
        CanaryStatus.builder().phase(CanaryPhase.FAILED).build())).isEmpty();
    var body = Fixtures.json(server.getLastRequest().getBody().readUtf8());
    assertThat(body.at("/metadata/resourceVersion").asText()).isEqualTo(read.canary().resourceVersion())
        .isNotEmpty();
    assertThat(body.at("/metadata/uid").asText()).isEqualTo(read.canary().uid());
    assertThat(body.at("/status/phase").asText()).isEqualTo("Failed");
    assertThat(resources.read(NAMESPACE, "podinfo").orElseThrow().status().phase())
        .isEqualTo(CanaryPhase.INITIALIZING);
  }

  @Test
  void aDeletedCanaryIsALostRaceNotAnError() {
    Fixtures.storeCanary(client, Fixtures.CANARY_YAML);
    CanaryDocument document = resources.read(NAMESPACE, "podinfo").orElseThrow();
    client.genericKubernetesResources(FlaggerKinds.CANARY).inNamespace(NAMESPACE)
        .withName("podinfo").delete();

    assertThat(resources.compareAndSet(document.canary(),
        CanaryStatus.builder().phase(CanaryPhase.FAILED).build())).isEmpty();
  }

  @Test
  void aRefusedWriteIsAProviderException() {
    Fixtures.storeCanary(client, Fixtures.CANARY_YAML);
    CanaryDocument document = resources.read(NAMESPACE, "podinfo").orElseThrow();
    server.expect().put().withPath("/apis/flagger.app/v1beta1/namespaces/test/canaries/podinfo/status")
        .andReturn(403, Fixtures.status(403, "canaries.flagger.app \"podinfo\" is forbidden")).once();

    assertThatThrownBy(() -> resources.compareAndSet(document.canary(),
        CanaryStatus.builder().phase(CanaryPhase.FAILED).build()))
        .isInstanceOf(io.canaryanalysis.api.ProviderException.class);
    assertThat(resources.read(NAMESPACE, "podinfo").orElseThrow().status().phase())
        .isEqualTo(CanaryPhase.INITIALIZING);
  }

  @Test
  void anInvalidCanaryIsReportedWithItsFieldPath() {
    Fixtures.storeCanary(client, Fixtures.CANARY_YAML.replace("stepWeight: 10", "stepWeigth: 10"));

    assertThatThrownBy(() -> resources.read(NAMESPACE, "podinfo"))
        .isInstanceOfSatisfying(ManifestException.class, e -> assertThat(e.problems())
            .anySatisfy(p -> assertThat(p.path()).isEqualTo("spec.analysis.stepWeigth")));
  }

  @Test
  void listsCanariesOfOneNamespaceOrAll() {
    Fixtures.storeCanary(client, Fixtures.CANARY_YAML);
    var other = new io.fabric8.kubernetes.client.utils.KubernetesSerialization().unmarshal(
        Fixtures.CANARY_YAML.replace("namespace: test", "namespace: other"),
        GenericKubernetesResource.class);
    client.genericKubernetesResources(FlaggerKinds.CANARY).inNamespace("other").resource(other).create();

    assertThat(resources.list(NAMESPACE)).hasSize(1);
    assertThat(resources.list(null)).hasSize(2);
  }

  private long generation() {
    return client.genericKubernetesResources(FlaggerKinds.CANARY).inNamespace(NAMESPACE)
        .withName("podinfo").get().getMetadata().getGeneration();
  }

  private String resourceVersion() {
    return client.genericKubernetesResources(FlaggerKinds.CANARY).inNamespace(NAMESPACE)
        .withName("podinfo").get().getMetadata().getResourceVersion();
  }
}
