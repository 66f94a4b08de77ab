package io.canaryanalysis.kubernetes;

import static io.canaryanalysis.kubernetes.Fixtures.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.canaryanalysis.api.ProviderException;
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
 * {@code spec.autoscalerRef} with Flagger's own manifests, read by the manifest module and run on
 * the mock API server in CRUD mode: the primary autoscaler appears with the primary, follows the
 * canary's autoscaler only on promotion, and a KEDA target is paused while scaled to zero.
 */
@EnableKubernetesMockClient(crud = true, https = false,
    kubernetesClientBuilderCustomizer = Fixtures.NoClientRetries.class)
class AutoscalerLifecycleTest {
  /** Flagger's kustomize/podinfo/hpa.yaml (fluxcd/flagger main). */
  static final String FLAGGER_HPA = """
      apiVersion: autoscaling/v2
      kind: HorizontalPodAutoscaler
      metadata:
        name: podinfo
        namespace: test
        labels: {app: podinfo}
      spec:
        scaleTargetRef:
          apiVersion: apps/v1
          kind: Deployment
          name: podinfo
        minReplicas: 2
        maxReplicas: 4
        metrics:
          - type: Resource
            resource:
              name: cpu
              target:
                type: Utilization
                averageUtilization: 99
      """;

  /** The Canary of Flagger's Istio tutorial (docs/gitbook/tutorials/istio-progressive-delivery.md), cut to what matters here. */
  static final String FLAGGER_HPA_CANARY = """
      apiVersion: flagger.app/v1beta1
      kind: Canary
      metadata:
        name: podinfo
        namespace: test
      spec:
        targetRef:
          apiVersion: apps/v1
          kind: Deployment
          name: podinfo
        progressDeadlineSeconds: 60
        autoscalerRef:
          apiVersion: autoscaling/v2
          kind: HorizontalPodAutoscaler
          name: podinfo
          primaryScalerReplicas:
            minReplicas: 3
        service:
          port: 9898
          targetPort: 9898
        analysis:
          interval: 1m
          threshold: 5
          maxWeight: 50
          stepWeight: 10
          metrics:
          - name: request-success-rate
            thresholdRange:
              min: 99
            interval: 1m
      """;

  /** Flagger's KEDA end-to-end test (test/keda/test-scaledobject.sh, fluxcd/flagger main). */
  static final String FLAGGER_SCALED_OBJECT = """
      apiVersion: keda.sh/v1alpha1
      kind: ScaledObject
      metadata:
        name: podinfo-so
        namespace: test
      spec:
        scaleTargetRef:
          name: podinfo
        pollingInterval: 10
        cooldownPeriod: 20
        minReplicaCount: 1
        maxReplicaCount: 3
        triggers:
        - type: prometheus
          metricType: AverageValue
          metadata:
            serverAddress: http://flagger-prometheus.flagger-system:9090
            metricName: http_requests_total
            query: sum(rate(http_requests_total{ app="podinfo" }[30s]))
            threshold: '5'
      """;

  static final String FLAGGER_KEDA_CANARY = """
      apiVersion: flagger.app/v1beta1
      kind: Canary
      metadata:
        name: podinfo
        namespace: test
      spec:
        provider: kubernetes
        targetRef:
          apiVersion: apps/v1
          kind: Deployment
          name: podinfo
        autoscalerRef:
          apiVersion: keda.sh/v1alpha1
          kind: ScaledObject
          name: podinfo-so
        progressDeadlineSeconds: 60
        service:
          port: 80
          targetPort: 9898
          name: podinfo-svc
          portDiscovery: true
        analysis:
          interval: 15s
          threshold: 10
          iterations: 8
          metrics:
            - name: request-success-rate
              interval: 1m
              thresholdRange:
                min: 99
            - name: request-duration
              interval: 30s
              thresholdRange:
                max: 500
          webhooks:
            - name: load-test
              url: http://flagger-loadtester.test/
              timeout: 5s
              metadata:
                type: cmd
                cmd: "hey -z 2m -q 20 -c 2 http://podinfo-svc-canary.test/"
      """;

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

  private void createScaledObject(GenericKubernetesResource so) {
    client.genericKubernetesResources(Autoscalers.SCALED_OBJECTS).inNamespace(NAMESPACE).resource(so).create();
  }

  @Test
  void flaggersHpaCanaryGetsAPrimaryHpaAimedAtThePrimaryWithPrimaryScalerReplicas() {
    client.resource(Fixtures.read(HorizontalPodAutoscaler.class, FLAGGER_HPA)).create();
    Canary canary = read(FLAGGER_HPA_CANARY);

    workload.initialize(canary);

    JsonNode primary = Fixtures.tree(client, hpa("podinfo-primary"));
    assertThat(primary.at("/spec")).isEqualTo(Fixtures.json("""
        {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo-primary"},
         "minReplicas": 3, "maxReplicas": 4,
         "metrics": [{"type": "Resource", "resource": {"name": "cpu",
            "target": {"type": "Utilization", "averageUtilization": 99}}}]}"""));
    assertThat(primary.at("/metadata/labels")).isEqualTo(Fixtures.json("{\"app\": \"podinfo\"}"));
    assertThat(primary.at("/metadata/ownerReferences/0/kind").asText()).isEqualTo("Canary");
    assertThat(primary.at("/metadata/ownerReferences/0/controller").asBoolean()).isTrue();
    assertThat(Fixtures.tree(client, hpa("podinfo")).at("/spec/scaleTargetRef/name").asText())
        .as("the canary's HPA stays on the target").isEqualTo("podinfo");
  }

  @Test
  void aChangedCanaryHpaReachesThePrimaryOnlyOnPromotion() {
    client.resource(Fixtures.read(HorizontalPodAutoscaler.class, FLAGGER_HPA)).create();
    Canary canary = read(FLAGGER_HPA_CANARY);
    workload.initialize(canary);
    String version = hpa("podinfo-primary").getMetadata().getResourceVersion();

    HorizontalPodAutoscaler edited = hpa("podinfo");
    edited.getSpec().setMaxReplicas(8);
    edited.getSpec().getMetrics().get(0).getResource().getTarget().setAverageUtilization(70);
    client.resource(edited).update();
    workload.initialize(canary);
    assertThat(hpa("podinfo-primary").getMetadata().getResourceVersion())
        .as("an unanalysed autoscaler change must not reach the primary").isEqualTo(version);

    workload.promote(canary);
    HorizontalPodAutoscaler promoted = hpa("podinfo-primary");
    assertThat(promoted.getSpec().getMaxReplicas()).isEqualTo(8);
    assertThat(promoted.getSpec().getMinReplicas()).as("primaryScalerReplicas wins").isEqualTo(3);
    assertThat(promoted.getSpec().getMetrics().get(0).getResource().getTarget().getAverageUtilization())
        .isEqualTo(70);
    assertThat(promoted.getSpec().getScaleTargetRef().getName()).isEqualTo("podinfo-primary");

    String promotedVersion = promoted.getMetadata().getResourceVersion();
    workload.promote(canary);
    assertThat(hpa("podinfo-primary").getMetadata().getResourceVersion())
        .as("a repeated promotion writes nothing").isEqualTo(promotedVersion);
  }

  @Test
  void promotionLeavesThePrimaryReplicasToItsAutoscaler() {
    client.resource(Fixtures.read(HorizontalPodAutoscaler.class, FLAGGER_HPA)).create();
    Canary canary = read(FLAGGER_HPA_CANARY);
    workload.initialize(canary);
    Fixtures.edit(client, "podinfo-primary", d -> d.getSpec().setReplicas(4));
    Fixtures.edit(client, "podinfo", d -> d.getSpec().setReplicas(2));

    workload.promote(canary);

    assertThat(Fixtures.get(client, "podinfo-primary").getSpec().getReplicas())
        .as("the primary's HPA scaled it to 4; promotion must not cut it to the canary's 2").isEqualTo(4);
  }

  @Test
  void scaleUpFromZeroStartsAtTheHpaMinimum() {
    client.resource(Fixtures.read(HorizontalPodAutoscaler.class, FLAGGER_HPA)).create();
    Canary canary = read(FLAGGER_HPA_CANARY);
    workload.initialize(canary);
    Fixtures.edit(client, "podinfo", d -> {
      d.getSpec().setReplicas(0);
      d.getMetadata().setAnnotations(Map.of());
    });

    workload.scaleUp(canary);

    assertThat(Fixtures.get(client, "podinfo").getSpec().getReplicas()).isEqualTo(2);
  }

  @Test
  void aMissingCanaryHpaIsAClearRetriableError() {
    Canary canary = read(FLAGGER_HPA_CANARY);

    assertThatThrownBy(() -> workload.initialize(canary))
        .isInstanceOf(ProviderException.class)
        .hasMessage("HorizontalPodAutoscaler podinfo.test (spec.autoscalerRef) not found")
        .satisfies(e -> assertThat(((ProviderException) e).retriable()).isTrue());
  }

  @Test
  void flaggersKedaCanaryGetsAPrimaryScaledObjectWithTheQueryRewrittenForThePrimary() {
    createScaledObject(Fixtures.read(GenericKubernetesResource.class, FLAGGER_SCALED_OBJECT));
    Canary canary = read(FLAGGER_KEDA_CANARY);

    workload.initialize(canary);

    JsonNode primary = Fixtures.tree(client, scaledObject("podinfo-so-primary"));
    assertThat(primary.at("/spec")).isEqualTo(Fixtures.json("""
        {"scaleTargetRef": {"name": "podinfo-primary"},
         "pollingInterval": 10, "cooldownPeriod": 20, "minReplicaCount": 1, "maxReplicaCount": 3,
         "triggers": [{"type": "prometheus", "metricType": "AverageValue", "metadata": {
            "serverAddress": "http://flagger-prometheus.flagger-system:9090",
            "metricName": "http_requests_total",
            "query": "sum(rate(http_requests_total{ app=\\"podinfo-primary\\" }[30s]))",
            "threshold": "5"}}]}"""));
    assertThat(primary.at("/metadata/ownerReferences/0/kind").asText()).isEqualTo("Canary");
    assertThat(Fixtures.tree(client, scaledObject("podinfo-so"))
        .at("/spec/triggers/0/metadata/query").asText())
        .isEqualTo("sum(rate(http_requests_total{ app=\"podinfo\" }[30s]))");
  }

  @Test
  void primaryScalerQueriesReplaceTheNamedTriggersQueryAndTheHpaNameIsSuffixed() {
    GenericKubernetesResource so = Fixtures.read(GenericKubernetesResource.class, FLAGGER_SCALED_OBJECT
        .replace("- type: prometheus", "- type: prometheus\n    name: rps")
        + "  advanced:\n    horizontalPodAutoscalerConfig:\n      name: podinfo-hpa\n");
    createScaledObject(so);
    Canary canary = read(FLAGGER_KEDA_CANARY.replace("    name: podinfo-so\n",
        "    name: podinfo-so\n    primaryScalerQueries:\n      rps: sum(rate(x{app=\"podinfo-primary\",env=\"prod\"}[1m]))\n"
            + "    primaryScalerReplicas:\n      minReplicas: 2\n      maxReplicas: 9\n"));

    workload.initialize(canary);

    JsonNode primary = Fixtures.tree(client, scaledObject("podinfo-so-primary"));
    assertThat(primary.at("/spec/triggers/0/metadata/query").asText())
        .isEqualTo("sum(rate(x{app=\"podinfo-primary\",env=\"prod\"}[1m]))");
    assertThat(primary.at("/spec/advanced/horizontalPodAutoscalerConfig/name").asText())
        .isEqualTo("podinfo-hpa-primary");
    assertThat(primary.at("/spec/minReplicaCount").asInt()).isEqualTo(2);
    assertThat(primary.at("/spec/maxReplicaCount").asInt()).isEqualTo(9);
  }

  @Test
  void aKedaTargetIsPausedAtZeroAndResumedForANewRunAndItsChangesReachThePrimaryOnPromotion() {
    createScaledObject(Fixtures.read(GenericKubernetesResource.class, FLAGGER_SCALED_OBJECT));
    Canary canary = read(FLAGGER_KEDA_CANARY);
    workload.initialize(canary);

    workload.scaleToZero(canary);
    assertThat(scaledObject("podinfo-so").getMetadata().getAnnotations())
        .containsEntry(Autoscalers.KEDA_PAUSED_REPLICAS, "0");
    assertThat(Fixtures.get(client, "podinfo").getSpec().getReplicas()).isZero();

    workload.scaleUp(canary);
    assertThat(scaledObject("podinfo-so").getMetadata().getAnnotations())
        .doesNotContainKey(Autoscalers.KEDA_PAUSED_REPLICAS);

    GenericKubernetesResource edited = scaledObject("podinfo-so");
    @SuppressWarnings("unchecked")
    Map<String, Object> spec = (Map<String, Object>) edited.getAdditionalProperties().get("spec");
    spec.put("maxReplicaCount", 6);
    client.genericKubernetesResources(Autoscalers.SCALED_OBJECTS).inNamespace(NAMESPACE).resource(edited).update();
    workload.initialize(canary);
    assertThat(Fixtures.tree(client, scaledObject("podinfo-so-primary")).at("/spec/maxReplicaCount").asInt())
        .isEqualTo(3);

    workload.promote(canary);
    JsonNode promoted = Fixtures.tree(client, scaledObject("podinfo-so-primary"));
    assertThat(promoted.at("/spec/maxReplicaCount").asInt()).isEqualTo(6);
    assertThat(promoted.at("/metadata/annotations").has(Autoscalers.KEDA_PAUSED_REPLICAS)).isFalse();
  }
}
