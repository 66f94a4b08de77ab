package io.canaryanalysis.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.canaryanalysis.api.EventSink;
import io.canaryanalysis.core.AnalysisEngine;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The controller's own pool is sized by Little's law from the time its ticks take. */
@EnableKubernetesMockClient(crud = true)
class WorkerPoolSizingTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  KubernetesClient client;

  private CanaryController controller(int workers, int maxWorkers) {
    AnalysisEngine engine = AnalysisEngine.builder()
        .router(new InMemoryRouter())
        .statusStore(CanaryResources.create(client))
        .workload(DeploymentWorkload.create(client))
        .eventSink(EventSink.discarding())
        .build();
    return CanaryController.builder(client, engine).workers(workers).maxWorkers(maxWorkers).build();
  }

  @Test
  void theThreadsNeededAreTheBusyShareAtSeventyPercentWithinTheBounds() {
    // 10 s of ticks in 10 s keep one thread busy: 1 / 0.7 rounds up to 2
    assertThat(CanaryController.poolSize(10 * SECOND, 10 * SECOND, 1, 8)).isEqualTo(2);
    // ticks waiting on a slow API server: 50 thread-seconds in 10 s need 5 / 0.7 -> 8
    assertThat(CanaryController.poolSize(50 * SECOND, 10 * SECOND, 1, 16)).isEqualTo(8);
    assertThat(CanaryController.poolSize(50 * SECOND, 10 * SECOND, 1, 4)).isEqualTo(4);
    // idle: back to the floor
    assertThat(CanaryController.poolSize(0, 10 * SECOND, 2, 8)).isEqualTo(2);
    assertThat(CanaryController.poolSize(SECOND, 0, 3, 8)).isEqualTo(3);
  }

  @Test
  void thePoolGrowsWhenTicksWaitAndShrinksWhenTheyDoNot() {
    CanaryController controller = controller(1, 6);
    try {
      assertThat(controller.workerCount()).isEqualTo(1);
      long t0 = System.nanoTime();
      controller.resize(t0);
      controller.recordBusy(30 * SECOND);
      controller.resize(t0 + 10 * SECOND);
      assertThat(controller.workerCount()).isEqualTo(5);
      controller.recordBusy(100 * SECOND);
      controller.resize(t0 + 20 * SECOND);
      assertThat(controller.workerCount()).as("capped at maxWorkers").isEqualTo(6);
      controller.recordBusy(10 * SECOND);
      controller.resize(t0 + 30 * SECOND);
      assertThat(controller.workerCount()).isEqualTo(2);
      controller.resize(t0 + 40 * SECOND);
      assertThat(controller.workerCount()).isEqualTo(1);
    } finally {
      controller.close();
    }
  }

  @Test
  void withoutMaxWorkersThePoolStaysAndAHostsExecutorIsNotItsToSize() {
    CanaryController fixed = controller(3, 1);
    try {
      fixed.recordBusy(100 * SECOND);
      fixed.resize(System.nanoTime() + 10 * SECOND);
      // maxWorkers below workers means a fixed pool of workers threads
      assertThat(fixed.workerCount()).isEqualTo(3);
    } finally {
      fixed.close();
    }
    var hosts = java.util.concurrent.Executors.newScheduledThreadPool(1);
    AnalysisEngine engine = AnalysisEngine.builder().router(new InMemoryRouter())
        .statusStore(CanaryResources.create(client)).workload(DeploymentWorkload.create(client)).build();
    CanaryController onHosts = CanaryController.builder(client, engine).executor(hosts).maxWorkers(8).build();
    try {
      onHosts.recordBusy(100 * SECOND);
      onHosts.resize(System.nanoTime() + 10 * SECOND);
      assertThat(onHosts.workerCount()).isEqualTo(-1);
      assertThat(((java.util.concurrent.ThreadPoolExecutor) hosts).getCorePoolSize()).isEqualTo(1);
    } finally {
      onHosts.close();
      hosts.shutdownNow();
    }
    assertThatThrownBy(() -> CanaryController.builder(client, engine).maxWorkers(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxWorkers");
  }
}
