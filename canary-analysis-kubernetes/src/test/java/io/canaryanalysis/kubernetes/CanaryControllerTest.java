package io.canaryanalysis.kubernetes;

import static io.canaryanalysis.kubernetes.Fixtures.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.EventSink;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.core.AnalysisEngine;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The controller loop on a bounded pool: discovery, ticks, status persistence, invalid objects. */
@EnableKubernetesMockClient(crud = true)
class CanaryControllerTest {
  KubernetesMockServer server;
  KubernetesClient client;

  @Test
  void picksUpCanariesRunsTheirTicksOnThePoolAndPersistsTheStatus() throws Exception {
    Fixtures.expectCanaryCrd(server);
    Fixtures.createAll(client);
    Fixtures.storeCanary(client, Fixtures.CANARY_YAML);
    DeploymentWorkload workload = DeploymentWorkload.create(client);
    workload.initialize(CanaryResources.create(client).read(NAMESPACE, "podinfo").orElseThrow().canary());
    Fixtures.rolledOut(client, "podinfo");
    Fixtures.rolledOut(client, "podinfo-primary");
    CountDownLatch initialized = new CountDownLatch(1);
    List<String> threads = new CopyOnWriteArrayList<>();
    EventSink sink = event -> {
      threads.add(Thread.currentThread().getName());
      if (event.message().startsWith("Initialization done!")) {
        initialized.countDown();
      }
    };
    AnalysisEngine engine = AnalysisEngine.builder()
        .router(new InMemoryRouter())
        .statusStore(CanaryResources.create(client))
        .workload(workload)
        .eventSink(sink)
        .build();
    ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(1,
        r -> new Thread(r, "host-pool"));
    pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    CanaryController controller = CanaryController.builder(client, engine)
        .executor(pool).resyncInterval(Duration.ofMinutes(5)).build();

    controller.start();
    assertThat(initialized.await(30, TimeUnit.SECONDS)).as("initialization tick ran").isTrue();
    pool.shutdown();
    assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    controller.close();

    assertThat(threads).containsOnly("host-pool");
    assertThat(CanaryResources.create(client).read(NAMESPACE, "podinfo").orElseThrow().status()
        .phase()).isEqualTo(CanaryPhase.INITIALIZED);
    assertThat(Fixtures.get(client, "podinfo").getSpec().getReplicas()).isZero();
  }

  @Test
  void anInvalidCanaryIsReportedAsAWarningEvent() throws Exception {
    Fixtures.expectCanaryCrd(server);
    Fixtures.storeCanary(client, Fixtures.CANARY_YAML.replace("stepWeight: 10", "stepWeigth: 10"));
    CountDownLatch reported = new CountDownLatch(1);
    List<CanaryEvent> events = new CopyOnWriteArrayList<>();
    EventSink sink = event -> {
      events.add(event);
      reported.countDown();
    };
    AnalysisEngine engine = AnalysisEngine.builder()
        .router(new InMemoryRouter())
        .statusStore(CanaryResources.create(client))
        .workload(DeploymentWorkload.create(client))
        .build();

    try (CanaryController controller = CanaryController.builder(client, engine)
        .namespace(NAMESPACE).eventSink(sink).workers(1).build()) {
      controller.start();
      assertThat(reported.await(30, TimeUnit.SECONDS)).isTrue();
    }

    assertThat(events.get(0).canaryName()).isEqualTo("podinfo");
    assertThat(events.get(0).type().value()).isEqualTo("Warning");
    assertThat(events.get(0).message()).startsWith("Invalid canary podinfo.test: ")
        .contains("spec.analysis.stepWeigth");
  }

  @Test
  void resyncSchedulesEachCanaryOnceAndOnlyInItsNamespace() {
    Fixtures.expectCanaryCrd(server);
    Fixtures.storeCanary(client, Fixtures.CANARY_YAML);
    Fixtures.storeCanary(client, Fixtures.CANARY_YAML.replace("name: podinfo\n  namespace", "name: other\n  namespace"));
    var elsewhere = new io.fabric8.kubernetes.client.utils.KubernetesSerialization().unmarshal(
        Fixtures.CANARY_YAML.replace("namespace: test", "namespace: prod"),
        io.fabric8.kubernetes.api.model.GenericKubernetesResource.class);
    client.genericKubernetesResources(FlaggerKinds.CANARY).inNamespace("prod").resource(elsewhere).create();
    AnalysisEngine engine = AnalysisEngine.builder()
        .router(new InMemoryRouter())
        .statusStore(CanaryResources.create(client))
        .workload(DeploymentWorkload.create(client))
        .build();
    ScheduledThreadPoolExecutor idle = new ScheduledThreadPoolExecutor(1);
    try (CanaryController controller = CanaryController.builder(client, engine)
        .namespace(NAMESPACE).executor(idle).build()) {
      controller.start();
      controller.resync();

      assertThat(controller.resync()).as("already scheduled canaries are not added again").isZero();
      assertThat(controller.scheduledCount()).as("test/podinfo and test/other, not prod/podinfo")
          .isEqualTo(2);
    } finally {
      idle.shutdownNow();
    }
  }
}
