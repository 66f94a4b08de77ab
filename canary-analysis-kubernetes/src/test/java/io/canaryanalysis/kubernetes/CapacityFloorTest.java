package io.canaryanalysis.kubernetes;

import static io.canaryanalysis.kubernetes.Fixtures.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.PrimaryCapacity;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.manifest.CanaryManifests;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The primary autoscaler's floor raised before traffic moves to the primary and restored after,
 * with Flagger's HPA and KEDA manifests on the mock API server in CRUD mode, objects read back:
 * what the snapshot reports, idempotent raises and restores, and a promotion that copies the
 * canary's autoscaler while a floor is raised.
 */
@EnableKubernetesMockClient(crud = true, https = false,
    kubernetesClientBuilderCustomizer = Fixtures.NoClientRetries.class)
class CapacityFloorTest {
  KubernetesClient client;
  private DeploymentWorkload workload;

  @BeforeEach
  void setUp() {
    Fixtures.createAll(client);
    workload = DeploymentWorkload.create(client);
  }

  private static Canary read(String manifest) {
    Canary canary = CanaryManifests.readCanary(manifest).canary();
    return new Canary(canary.name(), canary.namespace(), Fixtures.UID, canary.labels(),
        canary.annotations(), canary.spec());
  }

  private HorizontalPodAutoscaler hpa(String name) {
    return client.resources(HorizontalPodAutoscaler.class).inNamespace(NAMESPACE).withName(name).get();
  }

  private GenericKubernetesResource scaledObject(String name) {
    return client.genericKubernetesResources(Autoscalers.SCALED_OBJECTS).inNamespace(NAMESPACE)
        .withName(name).get();
  }

  @SuppressWarnings("unchecked")
  private static Object spec(GenericKubernetesResource so, String field) {
    return ((Map<String, Object>) so.getAdditionalProperties().get("spec")).get(field);
  }

  @Test
  void withoutAnAutoscalerTheSnapshotReportsNoCapacityAndNothingWaits() {
    Canary canary = Fixtures.canary();
    workload.initialize(canary);
    Fixtures.rolledOut(client, "podinfo-primary");

    assertThat(workload.observe(canary).primaryCapacity()).isNull();
    workload.prepareCapacity(canary);
    assertThat(Fixtures.get(client, "podinfo-primary").getSpec().getReplicas()).isEqualTo(2);
  }

  @Test
  void anHpaFloorIsRaisedOnceKeptThroughAPromotionAndRestoredOnce() {
    client.resource(Fixtures.read(HorizontalPodAutoscaler.class, AutoscalerLifecycleTest.FLAGGER_HPA)).create();
    Canary canary = read(AutoscalerLifecycleTest.FLAGGER_HPA_CANARY); // primary HPA: min 3, max 4
    workload.initialize(canary);
    Fixtures.edit(client, "podinfo-primary", d -> d.getSpec().setReplicas(3));
    Fixtures.rolledOut(client, "podinfo-primary");
    Fixtures.rolledOut(client, "podinfo"); // 2 canary pods available

    assertThat(workload.observe(canary).primaryCapacity())
        .as("3 primary + 2 canary pods serve the traffic, capped by maxReplicas 4")
        .isEqualTo(new PrimaryCapacity(3, 4, false));

    workload.prepareCapacity(canary);

    HorizontalPodAutoscaler raised = hpa("podinfo-primary");
    assertThat(raised.getSpec().getMinReplicas()).isEqualTo(4);
    assertThat(raised.getMetadata().getAnnotations()).containsEntry(Autoscalers.ORIGINAL_MIN_ANNOTATION, "3")
        .containsEntry(Autoscalers.CAPACITY_FLOOR_ANNOTATION, "4");
    assertThat(Fixtures.get(client, "podinfo-primary").getSpec().getReplicas()).isEqualTo(4);
    assertThat(workload.observe(canary).primaryCapacity()).isEqualTo(new PrimaryCapacity(3, 4, true));
    String version = raised.getMetadata().getResourceVersion();
    workload.prepareCapacity(canary); // repeated after a crash
    assertThat(hpa("podinfo-primary").getMetadata().getResourceVersion()).as("written once").isEqualTo(version);

    HorizontalPodAutoscaler edited = hpa("podinfo");
    edited.getSpec().setMaxReplicas(8);
    client.resource(edited).update();
    workload.promote(canary); // copies the canary's HPA; primaryScalerReplicas keeps its floor at 3
    HorizontalPodAutoscaler promoted = hpa("podinfo-primary");
    assertThat(promoted.getSpec().getMaxReplicas()).isEqualTo(8);
    assertThat(promoted.getSpec().getMinReplicas()).as("the raised floor outlives the copy").isEqualTo(4);
    assertThat(promoted.getMetadata().getAnnotations()).containsEntry(Autoscalers.ORIGINAL_MIN_ANNOTATION, "3");

    Fixtures.rolledOut(client, "podinfo-primary");
    assertThat(workload.observe(canary).primaryCapacity()).isEqualTo(new PrimaryCapacity(4, 4, true));
    workload.releaseCapacity(canary);

    HorizontalPodAutoscaler restored = hpa("podinfo-primary");
    assertThat(restored.getSpec().getMinReplicas()).isEqualTo(3);
    assertThat(restored.getSpec().getMaxReplicas()).isEqualTo(8);
    assertThat(restored.getMetadata().getAnnotations()).doesNotContainKeys(
        Autoscalers.ORIGINAL_MIN_ANNOTATION, Autoscalers.CAPACITY_FLOOR_ANNOTATION);
    assertThat(Fixtures.get(client, "podinfo-primary").getSpec().getReplicas())
        .as("the HPA, not the engine, sizes the primary from here").isEqualTo(4);
    String restoredVersion = restored.getMetadata().getResourceVersion();
    workload.releaseCapacity(canary);
    assertThat(hpa("podinfo-primary").getMetadata().getResourceVersion()).isEqualTo(restoredVersion);
    assertThat(workload.observe(canary).primaryCapacity().raised()).isFalse();
  }

  @Test
  void aKedaFloorIsTheMinReplicaCountOfThePrimaryScaledObject() {
    client.genericKubernetesResources(Autoscalers.SCALED_OBJECTS).inNamespace(NAMESPACE)
        .resource(Fixtures.read(GenericKubernetesResource.class, AutoscalerLifecycleTest.FLAGGER_SCALED_OBJECT))
        .create();
    Canary canary = read(AutoscalerLifecycleTest.FLAGGER_KEDA_CANARY); // min 1, max 3
    workload.initialize(canary);
    Fixtures.rolledOut(client, "podinfo-primary"); // 2 primary pods
    Fixtures.rolledOut(client, "podinfo");

    assertThat(workload.observe(canary).primaryCapacity()).isEqualTo(new PrimaryCapacity(2, 3, false));
    workload.prepareCapacity(canary);

    GenericKubernetesResource raised = scaledObject("podinfo-so-primary");
    assertThat(spec(raised, "minReplicaCount")).isEqualTo(3);
    assertThat(raised.getMetadata().getAnnotations()).containsEntry(Autoscalers.ORIGINAL_MIN_ANNOTATION, "1")
        .containsEntry(Autoscalers.CAPACITY_FLOOR_ANNOTATION, "3");
    assertThat(Fixtures.get(client, "podinfo-primary").getSpec().getReplicas()).isEqualTo(3);
    assertThat(workload.observe(canary).primaryCapacity()).isEqualTo(new PrimaryCapacity(2, 3, true));

    workload.releaseCapacity(canary);
    GenericKubernetesResource restored = scaledObject("podinfo-so-primary");
    assertThat(spec(restored, "minReplicaCount")).isEqualTo(1);
    assertThat(restored.getMetadata().getAnnotations() == null ? Map.of() : restored.getMetadata().getAnnotations())
        .doesNotContainKeys(Autoscalers.ORIGINAL_MIN_ANNOTATION, Autoscalers.CAPACITY_FLOOR_ANNOTATION);
  }
}
