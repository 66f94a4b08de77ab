package io.canaryanalysis.josdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.canaryanalysis.api.Workload;
import io.canaryanalysis.core.AnalysisEngine;
import io.canaryanalysis.kubernetes.CanaryResources;
import io.canaryanalysis.kubernetes.DeploymentWorkload;
import io.canaryanalysis.providers.traefik.TraefikRouter;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The reconciler's configuration: reschedule bounds, refused options, JOSDK settings. */
@EnableKubernetesMockClient(crud = true)
class CanaryReconcilerOptionsTest {
  KubernetesClient client;

  private AnalysisEngine engine() {
    Workload workload = DeploymentWorkload.create(client);
    return AnalysisEngine.builder().router(TraefikRouter.create(client)).workload(workload)
        .statusStore(CanaryResources.create(client)).build();
  }

  @Test
  void reschedulesAtTheEngineDelayButNotSoonerThanASecond() {
    CanaryReconciler reconciler = CanaryReconciler.create(client, engine());

    assertThat(reconciler.delay(Duration.ofSeconds(42))).isEqualTo(Duration.ofSeconds(42));
    assertThat(reconciler.delay(Duration.ZERO)).isEqualTo(Duration.ofSeconds(1));
    assertThat(reconciler.delay(Duration.ofMillis(300))).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void maxDelayCapsTheReschedule() {
    CanaryReconciler reconciler = CanaryReconciler.builder(client, engine())
        .maxDelay(Duration.ofSeconds(5)).build();

    assertThat(reconciler.delay(Duration.ofMinutes(1))).isEqualTo(Duration.ofSeconds(5));
    assertThat(reconciler.delay(Duration.ofSeconds(2))).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void refusesNonPositiveDurationsNamingTheOption() {
    CanaryReconciler.Builder builder = CanaryReconciler.builder(client, engine());

    assertThatThrownBy(() -> builder.maxDelay(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxDelay must be positive, got PT0S");
    assertThatThrownBy(() -> builder.retryDelay(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("retryDelay must be positive, got PT-1S");
    assertThatThrownBy(() -> CanaryReconciler.builder(null, engine()))
        .isInstanceOf(NullPointerException.class).hasMessage("client");
  }

  @Test
  void runsOnAllEventsSoItCanKeepFlaggersFinalizerToRevertingCanaries() {
    ControllerConfiguration configuration =
        CanaryReconciler.class.getAnnotation(ControllerConfiguration.class);

    assertThat(configuration.name()).isEqualTo(CanaryReconciler.NAME);
    assertThat(configuration.triggerReconcilerOnAllEvents()).isTrue();
    assertThat(CanaryReconciler.FINALIZER).isEqualTo("finalizer.flagger.app");
  }

  @Test
  void theResourceIsFlaggersCanaryAndHidesItsValuesInToString() {
    CanaryResource resource = client.getKubernetesSerialization().unmarshal("""
        apiVersion: flagger.app/v1beta1
        kind: Canary
        metadata: {name: podinfo, namespace: test}
        spec:
          targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
          analysis:
            webhooks:
              - name: notify
                url: https://user:hunter2@hooks.example.com/x
        status: {phase: Failed, conditions: [{type: Promoted, message: "token=abc"}]}
        """, CanaryResource.class);

    assertThat(resource.getCRDName()).isEqualTo("canaries.flagger.app");
    assertThat(resource.getSpec().fields()).containsKeys("targetRef", "analysis");
    assertThat(resource.getStatus().fields()).containsEntry("phase", "Failed");
    assertThat(resource.toString()).doesNotContain("hunter2", "token=abc");
    assertThat(client.getKubernetesSerialization().asJson(resource))
        .contains("hunter2").as("written back whole");
  }
}
