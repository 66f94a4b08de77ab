package io.canaryanalysis.kubernetes;

import static io.canaryanalysis.kubernetes.Fixtures.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.MetricBackend;
import io.canaryanalysis.api.MetricProvider;
import io.canaryanalysis.api.MetricQuery;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.core.AnalysisEngine;
import io.canaryanalysis.core.TickReport;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The engine with the real replica-ratio router and Deployment workload on the mock API server: a
 * new revision advances by pods, the primary is rescaled mid-run (as its HPA would), the events
 * name the pods, and the run ends with the canary out of the apex.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesRouterEndToEndTest {
  KubernetesMockServer server;
  KubernetesClient client;

  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2024-05-01T10:00:00Z"));
  private CanaryController controller;

  @BeforeEach
  void setUp() {
    Fixtures.expectCanaryCrd(server);
    Fixtures.createAll(client);
    Fixtures.edit(client, "podinfo", d -> {
      Map<String, String> labels = new LinkedHashMap<>(d.getSpec().getTemplate().getMetadata().getLabels());
      labels.put(KubernetesRouter.TRAFFIC_LABEL, "podinfo");
      d.getSpec().getTemplate().getMetadata().setLabels(labels);
      d.getSpec().setReplicas(3);
    });
    Fixtures.rolledOut(client, "podinfo");
    Fixtures.storeCanary(client, Fixtures.CANARY_YAML
        .replace("spec:\n", "spec:\n  provider: kubernetes\n")
        .replace("maxWeight: 20", "maxWeight: 50")
        .replace("stepWeight: 10", "stepWeight: 25"));
    MetricProvider prometheus = new MetricProvider() {
      @Override
      public MetricResult query(MetricQuery query) {
        return MetricResult.value(99.5);
      }

      @Override
      public boolean isOnline() {
        return true;
      }
    };
    AnalysisEngine engine = AnalysisEngine.builder()
        .router(KubernetesRouter.create(client))
        .statusStore(CanaryResources.create(client))
        .workload(DeploymentWorkload.create(client))
        .eventSink(KubernetesEventSink.create(client))
        .metrics(new MetricBackend(prometheus, (name, kind) -> Optional.of("sum(up)"), null))
        .clock((InstantSource) now::get)
        .build();
    controller = CanaryController.builder(client, engine).namespace(NAMESPACE).build();
  }

  @Test
  void aRevisionAdvancesByPodsFollowsThePrimaryAndEndsOnThePrimary() {
    tick();
    Fixtures.rolledOut(client, "podinfo-primary");
    assertThat(tick().status().phase()).isEqualTo(CanaryPhase.INITIALIZED);
    assertThat(Fixtures.get(client, "podinfo-primary").getSpec().getReplicas()).isEqualTo(3);

    Fixtures.edit(client, "podinfo", d -> d.getSpec().getTemplate().getSpec().getContainers().get(0)
        .setImage("ghcr.io/stefanprodan/podinfo:6.0.1"));
    CanaryStatus status = null;
    List<Integer> canaryPods = new ArrayList<>();
    for (int i = 0; i < 14 && (status == null || status.phase() != CanaryPhase.SUCCEEDED); i++) {
      if (status != null && status.canaryWeight() == 25 && replicas("podinfo-primary") == 3) {
        ReplicaRatioFixtures.replicas(client, "podinfo-primary", 6); // the primary's HPA scales up
      }
      Fixtures.rolledOut(client, "podinfo");
      Fixtures.rolledOut(client, "podinfo-primary");
      status = tick().status();
      canaryPods.add(replicas("podinfo"));
    }

    assertThat(status.phase()).isEqualTo(CanaryPhase.SUCCEEDED);
    assertThat(events()).contains(
        "Advance podinfo.test canary weight 25 (3 primary / 1 canary pods)",
        "Advance podinfo.test canary weight 50 (6 primary / 6 canary pods)");
    assertThat(canaryPods).contains(1, 6);
    assertThat(client.services().inNamespace(NAMESPACE).withName("podinfo").get().getSpec().getSelector())
        .isEqualTo(Map.of("app", "podinfo-primary"));
    assertThat(replicas("podinfo")).isZero();
  }

  private int replicas(String name) {
    return Fixtures.get(client, name).getSpec().getReplicas();
  }

  private TickReport tick() {
    TickReport report = controller.reconcile(NAMESPACE, "podinfo").orElseThrow();
    now.set(now.get().plus(Duration.ofMinutes(1)));
    return report;
  }

  private List<String> events() {
    return client.v1().events().inNamespace(NAMESPACE).list().getItems().stream()
        .map(Event::getMessage).collect(Collectors.toList());
  }
}
