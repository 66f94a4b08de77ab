package io.canaryanalysis.kubernetes;

import static io.canaryanalysis.kubernetes.Fixtures.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.PrimaryCapacity;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.manifest.CanaryManifests;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The primary's HorizontalPodAutoscaler or KEDA ScaledObject (read by every observe of a canary
 * with {@code autoscalerRef}) and the kubernetes router's Services and Deployments (read by every
 * {@code describeSplit}) come from {@link KubernetesInformers} without a GET, follow changes
 * written by others, and an object this process wrote is seen at once; without the caches the
 * same reads are GETs.
 */
@EnableKubernetesMockClient(crud = true, https = false,
    kubernetesClientBuilderCustomizer = Fixtures.NoClientRetries.class)
class AutoscalerAndRouterCachesTest {
  KubernetesMockServer server;
  KubernetesClient client;

  private final List<String> requests = new CopyOnWriteArrayList<>();
  private KubernetesClient counted;
  private KubernetesInformers informers;

  @BeforeEach
  void setUp() {
    counted = server.createClient(b -> b.withHttpClientBuilderConsumer(h -> h.addOrReplaceInterceptor(
        "count", new Interceptor() {
          @Override
          public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
            String query = request.uri().getQuery();
            if (query == null || !query.contains("watch=true")) {
              requests.add(request.method() + " " + request.uri().getPath());
            }
          }
        })));
  }

  @AfterEach
  void tearDown() {
    if (informers != null) {
      informers.close();
    }
    counted.close();
  }

  private static Canary read(String manifest) {
    Canary canary = CanaryManifests.readCanary(manifest).canary();
    return new Canary(canary.name(), canary.namespace(), Fixtures.UID, canary.labels(),
        canary.annotations(), canary.spec());
  }

  private KubernetesInformers start(KubernetesInformers.Builder builder) {
    informers = builder.namespace(NAMESPACE).start();
    requests.clear();
    return informers;
  }

  private List<String> gets() {
    return requests.stream().filter(r -> r.startsWith("GET ")).toList();
  }

  @Test
  void thePrimaryHpaIsReadFromTheCacheFollowsOthersAndOurOwnWrites() {
    Fixtures.createAll(client);
    client.resource(Fixtures.read(HorizontalPodAutoscaler.class, AutoscalerLifecycleTest.FLAGGER_HPA)).create();
    Canary canary = read(AutoscalerLifecycleTest.FLAGGER_HPA_CANARY); // primary HPA: min 3, max 4
    DeploymentWorkload.create(client).initialize(canary);
    Fixtures.edit(client, "podinfo-primary", d -> d.getSpec().setReplicas(3));
    Fixtures.rolledOut(client, "podinfo-primary");
    Fixtures.rolledOut(client, "podinfo");
    start(KubernetesInformers.builder(counted));
    DeploymentWorkload workload = DeploymentWorkload.builder(counted).informers(informers).build();

    assertThat(workload.observe(canary).primaryCapacity()).isEqualTo(new PrimaryCapacity(3, 4, false));
    assertThat(requests).as("observe reads the HPA and Deployments from memory").isEmpty();

    HorizontalPodAutoscaler primary = client.resources(HorizontalPodAutoscaler.class).inNamespace(NAMESPACE)
        .withName("podinfo-primary").get();
    primary.getSpec().setMaxReplicas(6);
    client.resource(primary).update();
    await(() -> informers.get(HorizontalPodAutoscaler.class, NAMESPACE, "podinfo-primary").getSpec()
        .getMaxReplicas() == 6, "the cache sees the other writer's HPA");
    assertThat(workload.observe(canary).primaryCapacity()).isEqualTo(new PrimaryCapacity(3, 5, false));

    workload.prepareCapacity(canary); // raises the floor: a PUT of the primary HPA
    assertThat(requests).anyMatch(r -> r.startsWith("PUT ") && r.endsWith("/horizontalpodautoscalers/podinfo-primary"));
    requests.clear();
    assertThat(workload.observe(canary).primaryCapacity().raised()).as("our own write, seen at once").isTrue();
    assertThat(gets()).isEmpty();
  }

  @Test
  void withoutTheHpaCacheEveryObserveGetsTheHpa() {
    Fixtures.createAll(client);
    client.resource(Fixtures.read(HorizontalPodAutoscaler.class, AutoscalerLifecycleTest.FLAGGER_HPA)).create();
    Canary canary = read(AutoscalerLifecycleTest.FLAGGER_HPA_CANARY);
    DeploymentWorkload.create(client).initialize(canary);
    Fixtures.rolledOut(client, "podinfo-primary");
    start(KubernetesInformers.builder(counted).autoscalers(false));
    DeploymentWorkload workload = DeploymentWorkload.builder(counted).informers(informers).build();

    assertThat(workload.observe(canary).primaryCapacity()).isNotNull();
    assertThat(gets()).containsExactly("GET /apis/autoscaling/v2/namespaces/test/horizontalpodautoscalers/podinfo-primary");
  }

  @Test
  void thePrimaryScaledObjectIsReadFromTheCacheWhenAskedFor() {
    Fixtures.createAll(client);
    client.genericKubernetesResources(Autoscalers.SCALED_OBJECTS).inNamespace(NAMESPACE)
        .resource(Fixtures.read(GenericKubernetesResource.class, AutoscalerLifecycleTest.FLAGGER_SCALED_OBJECT))
        .create();
    Canary canary = read(AutoscalerLifecycleTest.FLAGGER_KEDA_CANARY); // min 1, max 3
    DeploymentWorkload.create(client).initialize(canary);
    Fixtures.rolledOut(client, "podinfo-primary");
    Fixtures.rolledOut(client, "podinfo");
    start(KubernetesInformers.builder(counted).scaledObjects(true));
    DeploymentWorkload workload = DeploymentWorkload.builder(counted).informers(informers).build();

    assertThat(workload.observe(canary).primaryCapacity()).isEqualTo(new PrimaryCapacity(2, 3, false));
    assertThat(requests).isEmpty();
    workload.prepareCapacity(canary);
    requests.clear();
    assertThat(workload.observe(canary).primaryCapacity()).isEqualTo(new PrimaryCapacity(2, 3, true));
    assertThat(gets()).as("the raised floor is our own write, served without a GET").isEmpty();
  }

  @Test
  void withoutKedaServedScaledObjectsAreNotCachedAndAreRead() {
    // The mock API server serves no keda.sh group in its discovery: nothing to list or watch.
    Fixtures.createAll(client);
    client.genericKubernetesResources(Autoscalers.SCALED_OBJECTS).inNamespace(NAMESPACE)
        .resource(Fixtures.read(GenericKubernetesResource.class, AutoscalerLifecycleTest.FLAGGER_SCALED_OBJECT))
        .create();
    Canary canary = read(AutoscalerLifecycleTest.FLAGGER_KEDA_CANARY);
    DeploymentWorkload.create(client).initialize(canary);
    Fixtures.rolledOut(client, "podinfo-primary");
    start(KubernetesInformers.builder(counted));
    assertThat(informers.cachesScaledObjects(NAMESPACE)).isFalse();
    DeploymentWorkload workload = DeploymentWorkload.builder(counted).informers(informers).build();

    assertThat(workload.observe(canary).primaryCapacity()).isNotNull();
    assertThat(gets()).containsExactly("GET /apis/keda.sh/v1alpha1/namespaces/test/scaledobjects/podinfo-so-primary");
  }

  @Test
  void theKubernetesRoutersSplitIsDescribedFromTheCaches() {
    Canary canary = Fixtures.canary();
    ReplicaRatioFixtures.createTargetAndPrimary(client, canary);
    KubernetesRouter.create(client).reconcile(canary);
    ReplicaRatioFixtures.replicas(client, "podinfo-primary", 9);
    start(KubernetesInformers.builder(counted));
    await(() -> informers.get(io.fabric8.kubernetes.api.model.apps.Deployment.class, NAMESPACE, "podinfo-primary")
        .getSpec().getReplicas() == 9, "the cache holds the primary's 9 replicas");
    KubernetesRouter router = KubernetesRouter.builder(counted).informers(informers).build();

    router.setRoutes(canary, TrafficSplit.canary(10));
    assertThat(ReplicaRatioFixtures.replicas(client, "podinfo")).isEqualTo(1);
    assertThat(gets()).as("the writes decide from the caches").isEmpty();
    requests.clear();

    assertThat(router.describeSplit(canary, TrafficSplit.canary(10))).isEqualTo("9 primary / 1 canary pods");
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.canary(10));
    assertThat(requests).as("describeSplit and getRoutes send nothing").isEmpty();

    ReplicaRatioFixtures.replicas(client, "podinfo-primary", 4); // the primary's autoscaler shrank it
    await(() -> informers.get(io.fabric8.kubernetes.api.model.apps.Deployment.class, NAMESPACE, "podinfo-primary")
        .getSpec().getReplicas() == 4, "the cache follows the primary");
    assertThat(router.describeSplit(canary, TrafficSplit.canary(10))).isEqualTo("4 primary / 1 canary pods");
    assertThat(requests).isEmpty();
  }

  private static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting: " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
