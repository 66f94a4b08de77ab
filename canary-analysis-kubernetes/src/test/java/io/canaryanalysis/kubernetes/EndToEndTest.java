package io.canaryanalysis.kubernetes;

import static io.canaryanalysis.kubernetes.Fixtures.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.MetricProvider;
import io.canaryanalysis.api.MetricQuery;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.core.AnalysisEngine;
import io.canaryanalysis.core.TickReport;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A Canary object, its Deployment and the engine on the mock API server: initialization, then a
 * new image analysed step by step until the primary runs it. The test plays the Deployment
 * controller (rollouts complete when asked) and the clock.
 */
@EnableKubernetesMockClient(crud = true)
class EndToEndTest {
  private static final String NEW_IMAGE = "ghcr.io/stefanprodan/podinfo:6.0.1";

  KubernetesMockServer server;
  KubernetesClient client;

  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2024-05-01T10:00:00Z"));
  private final InMemoryRouter router = new InMemoryRouter();
  private final List<MetricQuery> queries = new ArrayList<>();
  private CanaryController controller;

  @BeforeEach
  void setUp() {
    Fixtures.expectCanaryCrd(server);
    Fixtures.createAll(client);
    Fixtures.rolledOut(client, "podinfo");
    Fixtures.storeCanary(client, Fixtures.CANARY_YAML);
    MetricProvider prometheus = new MetricProvider() {
      @Override
      public MetricResult query(MetricQuery query) {
        queries.add(query);
        return MetricResult.value(99.5);
      }

      @Override
      public boolean isOnline() {
        return true;
      }
    };
    AnalysisEngine engine = AnalysisEngine.builder()
        .router(router)
        .statusStore(CanaryResources.create(client))
        .workload(DeploymentWorkload.create(client))
        .eventSink(KubernetesEventSink.create(client))
        .metrics(new io.canaryanalysis.api.MetricBackend(prometheus, (name, kind) -> Optional.of(
            "sum(rate(requests{namespace=\"{{ namespace }}\",code!~\"5..\"}[{{ interval }}]))"), null))
        .clock((InstantSource) now::get)
        .build();
    controller = CanaryController.builder(client, engine).namespace(NAMESPACE).build();
  }

  @Test
  void initializesThenPromotesANewRevision() {
    TickReport first = tick();
    assertThat(first.status().phase()).isEqualTo(CanaryPhase.INITIALIZING);
    assertThat(Fixtures.get(client, "podinfo-primary")).isNotNull();
    assertThat(storedStatus().phase()).isEqualTo(CanaryPhase.INITIALIZING);

    Fixtures.rolledOut(client, "podinfo-primary");
    TickReport initialized = tick();
    assertThat(initialized.status().phase()).isEqualTo(CanaryPhase.INITIALIZED);
    assertThat(storedStatus()).isEqualTo(initialized.status());
    assertThat(Fixtures.get(client, "podinfo").getSpec().getReplicas()).isZero();
    assertThat(client.services().inNamespace(NAMESPACE).withName("podinfo").get().getSpec()
        .getSelector()).containsEntry("app", "podinfo-primary");
    String initialRevision = initialized.status().lastPromotedSpec();

    Fixtures.edit(client, "podinfo", d -> d.getSpec().getTemplate().getSpec().getContainers().get(0)
        .setImage(NEW_IMAGE));
    List<CanaryPhase> phases = new ArrayList<>();
    CanaryStatus status = initialized.status();
    for (int i = 0; i < 12 && status.phase() != CanaryPhase.SUCCEEDED; i++) {
      Fixtures.rolledOut(client, "podinfo");
      Fixtures.rolledOut(client, "podinfo-primary");
      status = tick().status();
      phases.add(status.phase());
    }

    assertThat(status.phase()).isEqualTo(CanaryPhase.SUCCEEDED);
    assertThat(phases).containsSubsequence(CanaryPhase.PROGRESSING, CanaryPhase.PROMOTING,
        CanaryPhase.FINALISING, CanaryPhase.SUCCEEDED);
    assertThat(storedStatus()).isEqualTo(status);
    assertThat(status.lastPromotedSpec()).isNotEqualTo(initialRevision);
    Deployment primary = Fixtures.get(client, "podinfo-primary");
    assertThat(primary.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo(NEW_IMAGE);
    assertThat(primary.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().get(0)
        .getValueFrom().getConfigMapKeyRef().getName()).isEqualTo("podinfo-env-primary");
    assertThat(Fixtures.get(client, "podinfo").getSpec().getReplicas()).isZero();
    assertThat(router.getRoutes(controllerCanary())).isEqualTo(TrafficSplit.ALL_PRIMARY);
    assertThat(router.history).contains(TrafficSplit.canary(10), TrafficSplit.canary(20));
    assertThat(queries).isNotEmpty().allSatisfy(q -> assertThat(q.query()).contains("namespace=\"test\"", "[1m]"));
    assertThat(eventMessages()).contains(
        "Initialization done! podinfo.test",
        "New revision detected! Scaling up podinfo.test",
        "Advance podinfo.test canary weight 20",
        "Promotion completed! Scaling down podinfo.test");
    // The steps to 10% and 20% are one Event (a series), written when the promotion began.
    assertThat(client.v1().events().inNamespace(NAMESPACE).list().getItems())
        .filteredOn(e -> e.getMessage().startsWith("Advance ")).singleElement()
        .satisfies(e -> assertThat(e.getCount()).isEqualTo(2));
  }

  @Test
  void aTickBeforeTheIntervalWritesNothing() {
    controller.reconcile(NAMESPACE, "podinfo").orElseThrow();
    now.set(now.get().plusSeconds(20));
    String version = client.genericKubernetesResources(FlaggerKinds.CANARY).inNamespace(NAMESPACE)
        .withName("podinfo").get().getMetadata().getResourceVersion();

    TickReport early = controller.reconcile(NAMESPACE, "podinfo").orElseThrow();

    assertThat(early.analysed()).isFalse();
    assertThat(early.nextTickIn()).isEqualTo(Duration.ofSeconds(40));
    assertThat(client.genericKubernetesResources(FlaggerKinds.CANARY).inNamespace(NAMESPACE)
        .withName("podinfo").get().getMetadata().getResourceVersion()).isEqualTo(version);
  }

  @Test
  void aMissingCanaryGivesNoReport() {
    assertThat(controller.reconcile(NAMESPACE, "absent")).isEmpty();
  }

  private TickReport tick() {
    TickReport report = controller.reconcile(NAMESPACE, "podinfo").orElseThrow();
    now.set(now.get().plus(Duration.ofMinutes(1)));
    return report;
  }

  private CanaryStatus storedStatus() {
    return CanaryResources.create(client).read(NAMESPACE, "podinfo").orElseThrow().status();
  }

  private io.canaryanalysis.api.spec.Canary controllerCanary() {
    return CanaryResources.create(client).read(NAMESPACE, "podinfo").orElseThrow().canary();
  }

  private List<String> eventMessages() {
    return client.v1().events().inNamespace(NAMESPACE).list().getItems().stream()
        .map(Event::getMessage).collect(Collectors.toList());
  }
}
