package io.canaryanalysis.kubernetes;

import static io.canaryanalysis.kubernetes.Fixtures.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.core.AnalysisEngine;
import io.canaryanalysis.core.TickReport;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code spec.revertOnDeletion} through {@link CanaryController#reconcile} on the mock API server:
 * the finalizer is kept in line with the spec, and deleting the canary hands the service back to
 * the target before the object goes. The mock server honours finalizers as a real one does: a
 * delete only sets {@code metadata.deletionTimestamp} while finalizers remain, and removing the
 * last one deletes the object.
 */
@EnableKubernetesMockClient(crud = true)
class RevertOnDeletionTest {
  private static final String REVERTING_CANARY = Fixtures.CANARY_YAML.replace(
      "  service:\n", "  revertOnDeletion: true\n  service:\n");

  private static final String CANARY_PATH = "/apis/flagger.app/v1beta1/namespaces/test/canaries/podinfo";

  KubernetesMockServer server;
  KubernetesClient client;

  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2024-05-01T10:00:00Z"));
  private final InMemoryRouter router = new InMemoryRouter();
  private CanaryController controller;

  @BeforeEach
  void setUp() {
    Fixtures.expectCanaryCrd(server);
    Fixtures.createAll(client);
    Fixtures.rolledOut(client, "podinfo");
    AnalysisEngine engine = AnalysisEngine.builder()
        .router(router)
        .statusStore(CanaryResources.create(client))
        .workload(DeploymentWorkload.create(client))
        .eventSink(KubernetesEventSink.create(client))
        .clock((InstantSource) now::get)
        .build();
    controller = CanaryController.builder(client, engine).namespace(NAMESPACE).build();
  }

  @Test
  void addsTheFinalizerOnceAndKeepsOtherFinalizers() {
    Fixtures.storeCanary(client, REVERTING_CANARY.replace("  namespace: test\n",
        "  namespace: test\n  finalizers: [example.com/keep]\n"));

    tick();
    tick();

    assertThat(stored().getMetadata().getFinalizers())
        .containsExactly("example.com/keep", CanaryController.FINALIZER);
  }

  @Test
  void addsTheFinalizerToACanaryWithoutFinalizers() {
    Fixtures.storeCanary(client, REVERTING_CANARY);

    tick();

    assertThat(stored().getMetadata().getFinalizers()).containsExactly(CanaryController.FINALIZER);
  }

  @Test
  void aCanaryWithoutRevertOnDeletionGetsNoFinalizer() {
    Fixtures.storeCanary(client, Fixtures.CANARY_YAML);

    tick();

    assertThat(stored().getMetadata().getFinalizers()).isNullOrEmpty();
  }

  @Test
  void deletionRevertsToTheTargetOnceItIsReadyThenRemovesTheFinalizer() {
    Fixtures.storeCanary(client, REVERTING_CANARY);
    initialize();
    assertThat(Fixtures.get(client, "podinfo").getSpec().getReplicas()).isZero();

    canaries().withName("podinfo").delete();
    assertThat(stored()).as("held by the finalizer").isNotNull();
    assertThat(stored().getMetadata().getDeletionTimestamp()).isNotNull();

    TickReport waiting = tick();
    assertThat(waiting.status().phase()).isEqualTo(CanaryPhase.TERMINATING);
    assertThat(storedPhase()).isEqualTo(CanaryPhase.TERMINATING);
    assertThat(stored().getMetadata().getFinalizers()).containsExactly(CanaryController.FINALIZER);
    assertThat(Fixtures.get(client, "podinfo").getSpec().getReplicas()).as("target scaled up")
        .isEqualTo(2);
    assertThat(apexSelector()).as("not handed over before the target is ready")
        .isEqualTo(Map.of("app", "podinfo-primary"));
    assertThat(router.finalized).isEmpty();

    Fixtures.rolledOut(client, "podinfo");
    TickReport done = tick();

    assertThat(done.status().phase()).isEqualTo(CanaryPhase.TERMINATED);
    assertThat(stored()).as("deleted once the finalizer is gone").isNull();
    assertThat(apexSelector()).isEqualTo(Map.of("app", "podinfo"));
    assertThat(router.finalized).containsExactly("podinfo.test");
    assertThat(router.getRoutes(Fixtures.canary())).isEqualTo(TrafficSplit.ALL_PRIMARY);
    assertThat(eventMessages()).contains("Terminating canary podinfo.test",
        "Terminated canary podinfo.test");
    assertThat(controller.reconcile(NAMESPACE, "podinfo")).isEmpty();
  }

  @Test
  void theTerminatedStatusIsPersistedWhileAnotherFinalizerHoldsTheObject() {
    Fixtures.storeCanary(client, REVERTING_CANARY.replace("  namespace: test\n",
        "  namespace: test\n  finalizers: [example.com/keep]\n"));
    initialize();
    canaries().withName("podinfo").delete();
    tick();
    Fixtures.rolledOut(client, "podinfo");

    tick();

    assertThat(stored().getMetadata().getFinalizers()).containsExactly("example.com/keep");
    assertThat(storedPhase()).isEqualTo(CanaryPhase.TERMINATED);
    assertThat(apexSelector()).isEqualTo(Map.of("app", "podinfo"));
  }

  @Test
  void turningRevertOnDeletionOffRemovesTheFinalizer() {
    Fixtures.storeCanary(client, REVERTING_CANARY);
    tick();
    assertThat(stored().getMetadata().getFinalizers()).containsExactly(CanaryController.FINALIZER);

    canaries().withName("podinfo").patch(PatchContext.of(PatchType.JSON),
        "[{\"op\": \"replace\", \"path\": \"/spec/revertOnDeletion\", \"value\": false}]");
    tick();

    assertThat(stored().getMetadata().getFinalizers()).isNullOrEmpty();
  }

  @Test
  void aCanaryBeingDeletedWithoutTheFinalizerIsLeftAlone() {
    Fixtures.storeCanary(client, Fixtures.CANARY_YAML.replace("  namespace: test\n",
        "  namespace: test\n  finalizers: [example.com/keep]\n"));
    initialize();
    canaries().withName("podinfo").delete();
    GenericKubernetesResource before = stored();

    assertThat(controller.reconcile(NAMESPACE, "podinfo")).isEmpty();

    assertThat(stored().getMetadata().getResourceVersion())
        .isEqualTo(before.getMetadata().getResourceVersion());
    assertThat(Fixtures.get(client, "podinfo").getSpec().getReplicas()).isZero();
    assertThat(apexSelector()).isEqualTo(Map.of("app", "podinfo-primary"));
    assertThat(router.finalized).isEmpty();
  }

  @Test
  void theFinalizerIsRemovedAndOtherFinalizersKept() {
    Fixtures.storeCanary(client, REVERTING_CANARY.replace("  namespace: test\n",
        "  namespace: test\n  finalizers: [example.com/keep, finalizer.flagger.app]\n"));

    assertThat(CanaryResources.create(client).removeFinalizer(stored(), CanaryController.FINALIZER))
        .isTrue();

    assertThat(stored().getMetadata().getFinalizers()).containsExactly("example.com/keep");
  }

  // A real API server answers a JSON Patch whose "test" fails with 422. The mock server cannot
  // evaluate a failing test (it drops the connection) and its CRUD mode does not keep request
  // bodies, so these tests record the 422 and read the patch the code sent from the recording.

  @Test
  void aRemovalFromAStaleReadTestsTheEntryAtItsIndexAndIsRefused() {
    Fixtures.storeCanary(client, REVERTING_CANARY.replace("  namespace: test\n",
        "  namespace: test\n  finalizers: [example.com/keep, finalizer.flagger.app]\n"));
    GenericKubernetesResource read = stored();
    List<String> sent = refuseNextPatch();

    assertThat(CanaryResources.create(client).removeFinalizer(read, CanaryController.FINALIZER))
        .as("left for the next pass").isFalse();

    assertThat(Fixtures.json(sent.get(0))).isEqualTo(Fixtures.json("""
        [{"op": "test", "path": "/metadata/uid", "value": "%s"},
         {"op": "test", "path": "/metadata/finalizers/1", "value": "finalizer.flagger.app"},
         {"op": "remove", "path": "/metadata/finalizers/1"}]
        """.formatted(read.getMetadata().getUid())));
    assertThat(stored().getMetadata().getFinalizers())
        .containsExactly("example.com/keep", CanaryController.FINALIZER);
  }

  @Test
  void aNewFinalizerListIsGuardedByTheResourceVersionThatWasRead() {
    Fixtures.storeCanary(client, REVERTING_CANARY);
    GenericKubernetesResource read = stored();
    List<String> sent = refuseNextPatch();

    assertThat(CanaryResources.create(client).addFinalizer(read, CanaryController.FINALIZER)).isFalse();

    assertThat(Fixtures.json(sent.get(0))).isEqualTo(Fixtures.json("""
        [{"op": "test", "path": "/metadata/uid", "value": "%s"},
         {"op": "test", "path": "/metadata/resourceVersion", "value": "%s"},
         {"op": "add", "path": "/metadata/finalizers", "value": ["finalizer.flagger.app"]}]
        """.formatted(read.getMetadata().getUid(), read.getMetadata().getResourceVersion())));
    assertThat(stored().getMetadata().getFinalizers()).isNullOrEmpty();

    assertThat(CanaryResources.create(client).addFinalizer(stored(), CanaryController.FINALIZER))
        .as("the next pass adds it").isTrue();
    assertThat(stored().getMetadata().getFinalizers()).containsExactly(CanaryController.FINALIZER);
  }

  private List<String> refuseNextPatch() {
    List<String> bodies = new CopyOnWriteArrayList<>();
    server.expect().patch().withPath(CANARY_PATH).andReply(422, request -> {
      bodies.add(request.getUtf8Body());
      return Fixtures.status(422, "the server rejected our request due to an error in our request");
    }).once();
    return bodies;
  }

  /** Two passes: the primary is created, rolled out, then the canary is Initialized. */
  private void initialize() {
    tick();
    Fixtures.rolledOut(client, "podinfo-primary");
    assertThat(tick().status().phase()).isEqualTo(CanaryPhase.INITIALIZED);
  }

  private TickReport tick() {
    TickReport report = controller.reconcile(NAMESPACE, "podinfo").orElseThrow();
    now.set(now.get().plus(Duration.ofMinutes(1)));
    return report;
  }

  private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<GenericKubernetesResource,
      io.fabric8.kubernetes.api.model.GenericKubernetesResourceList,
      io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource>> canaries() {
    return client.genericKubernetesResources(FlaggerKinds.CANARY).inNamespace(NAMESPACE);
  }

  private GenericKubernetesResource stored() {
    return canaries().withName("podinfo").get();
  }

  private CanaryPhase storedPhase() {
    return CanaryResources.create(client).read(NAMESPACE, "podinfo").orElseThrow().status().phase();
  }

  private Map<String, String> apexSelector() {
    return client.services().inNamespace(NAMESPACE).withName("podinfo").get().getSpec().getSelector();
  }

  private List<String> eventMessages() {
    return client.v1().events().inNamespace(NAMESPACE).list().getItems().stream()
        .map(Event::getMessage).collect(Collectors.toList());
  }
}
