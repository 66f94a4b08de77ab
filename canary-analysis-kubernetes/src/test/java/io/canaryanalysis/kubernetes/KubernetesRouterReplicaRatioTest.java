package io.canaryanalysis.kubernetes;

import static io.canaryanalysis.kubernetes.Fixtures.NAMESPACE;
import static io.canaryanalysis.kubernetes.ReplicaRatioFixtures.replicas;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.HttpMatch;
import io.canaryanalysis.api.spec.StringMatch;
import io.canaryanalysis.core.validation.CanaryValidator;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Splits by replica count, read back as whole objects from the mock API server in CRUD mode. */
@EnableKubernetesMockClient(crud = true, https = false,
    kubernetesClientBuilderCustomizer = Fixtures.NoClientRetries.class)
class KubernetesRouterReplicaRatioTest {
  KubernetesClient client;
  private KubernetesRouter router;
  private Canary canary;

  @BeforeEach
  void setUp() {
    canary = Fixtures.canary();
    ReplicaRatioFixtures.createTargetAndPrimary(client, canary);
    router = KubernetesRouter.create(client);
    router.reconcile(canary);
  }

  private Service apex() {
    return client.services().inNamespace(NAMESPACE).withName("podinfo").get();
  }

  @ParameterizedTest(name = "{0}% on {1} primaries: {2} canary pods")
  @CsvSource({
      "10, 9, 1", "20, 8, 2", "25, 3, 1", "30, 7, 3", "40, 6, 4", "50, 5, 5",
      "60, 4, 6", "70, 3, 7", "80, 2, 8", "90, 1, 9", "5, 10, 1", "50, 1, 1", "90, 10, 90"})
  void canaryReplicasGiveTheNearestShare(int weight, int primaries, int canaryPods) {
    replicas(client, "podinfo-primary", primaries);

    router.setRoutes(canary, TrafficSplit.canary(weight));

    assertThat(replicas(client, "podinfo")).isEqualTo(canaryPods);
    assertThat(replicas(client, "podinfo-primary")).as("the primary keeps its replicas").isEqualTo(primaries);
    assertThat(apex().getSpec().getSelector())
        .isEqualTo(Map.of(KubernetesRouter.TRAFFIC_LABEL, "podinfo"));
    assertThat(Fixtures.get(client, "podinfo-primary").getSpec().getTemplate().getMetadata().getLabels())
        .as("the apex reaches the primary's pods too").containsEntry(KubernetesRouter.TRAFFIC_LABEL, "podinfo");
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.canary(weight));
    assertThat(router.describeSplit(canary, TrafficSplit.canary(weight)))
        .isEqualTo(primaries + " primary / " + canaryPods + " canary pods");
  }

  @Test
  void whenThePrimarysAutoscalerMovesTheEngineSeesTheEffectiveSplitAndTheCanaryFollows() {
    replicas(client, "podinfo-primary", 3);
    router.setRoutes(canary, TrafficSplit.canary(25));
    assertThat(replicas(client, "podinfo")).isEqualTo(1);

    replicas(client, "podinfo-primary", 9); // its HPA scaled the primary up mid-run

    assertThat(router.getRoutes(canary)).as("1 of 10 pods").isEqualTo(TrafficSplit.canary(10));
    router.setRoutes(canary, TrafficSplit.canary(25));
    assertThat(replicas(client, "podinfo")).isEqualTo(3);
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.canary(25));
    assertThat(router.describeSplit(canary, TrafficSplit.canary(25))).isEqualTo("9 primary / 3 canary pods");
    String version = apex().getMetadata().getResourceVersion();
    router.setRoutes(canary, TrafficSplit.canary(25));
    assertThat(apex().getMetadata().getResourceVersion()).as("no write once realised").isEqualTo(version);
  }

  @Test
  void weightZeroTakesTheCanaryOutOfTheApexAndRestoresItsReplicas() {
    replicas(client, "podinfo", 2);
    replicas(client, "podinfo-primary", 4);
    router.setRoutes(canary, TrafficSplit.canary(50));
    assertThat(replicas(client, "podinfo")).isEqualTo(4);

    router.setRoutes(canary, TrafficSplit.ALL_PRIMARY);

    assertThat(apex().getSpec().getSelector()).isEqualTo(Map.of("app", "podinfo-primary"));
    assertThat(replicas(client, "podinfo")).as("the replicas it had before the router resized it").isEqualTo(2);
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.ALL_PRIMARY);
  }

  @Test
  void weightHundredSelectsOnlyTheCanaryWithAtLeastThePrimarysPods() {
    replicas(client, "podinfo-primary", 5);

    router.setRoutes(canary, TrafficSplit.ALL_CANARY);

    assertThat(apex().getSpec().getSelector()).isEqualTo(Map.of("app", "podinfo"));
    assertThat(replicas(client, "podinfo")).isEqualTo(5);
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.ALL_CANARY);
  }

  @Test
  void theWorkloadsReconcileKeepsTheRoutersSelectorAndRecord() {
    router.setRoutes(canary, TrafficSplit.canary(30));
    String version = apex().getMetadata().getResourceVersion();

    DeploymentWorkload.create(client).initialize(canary);

    assertThat(apex().getMetadata().getResourceVersion()).isEqualTo(version);
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.canary(30));
  }

  @Test
  void aTargetWithoutTheTrafficLabelIsAClearErrorAndNothingIsWritten() {
    Fixtures.edit(client, "podinfo", d -> d.getSpec().getTemplate().getMetadata()
        .setLabels(Map.of("app", "podinfo")));
    String version = apex().getMetadata().getResourceVersion();

    assertThatThrownBy(() -> router.setRoutes(canary, TrafficSplit.canary(10)))
        .isInstanceOf(ProviderException.class)
        .hasMessage("deployment podinfo.test spec.template.metadata.labels needs canary-analysis.io/service "
            + "(for example canary-analysis.io/service: podinfo) so the kubernetes router can select "
            + "primary and canary pods together");
    assertThat(apex().getMetadata().getResourceVersion()).isEqualTo(version);
  }

  @Test
  void blueGreenKeepsTheApexOnThePrimaryAndOnlyRecordsTheSplit() {
    Canary blueGreen = canary.withSpec(canary.spec().toBuilder()
        .analysis(Analysis.builder().iterations(5).build()).build());
    int before = replicas(client, "podinfo");

    router.setRoutes(blueGreen, TrafficSplit.ALL_CANARY);

    assertThat(apex().getSpec().getSelector()).isEqualTo(Map.of("app", "podinfo-primary"));
    assertThat(replicas(client, "podinfo")).isEqualTo(before);
    assertThat(router.getRoutes(blueGreen)).isEqualTo(TrafficSplit.ALL_CANARY);
    assertThat(router.describeSplit(blueGreen, TrafficSplit.ALL_CANARY)).isNull();
  }

  @Test
  void validationRefusesHeaderMatchesAndMirroring() {
    Canary ab = canary.withSpec(canary.spec().toBuilder().provider("kubernetes")
        .analysis(Analysis.builder().iterations(5)
            .match(List.of(HttpMatch.headers(Map.of("x-canary", StringMatch.exact("insider"))))).build())
        .build());
    Canary mirror = canary.withSpec(canary.spec().toBuilder().provider("kubernetes")
        .analysis(Analysis.builder().iterations(5).mirror(true).build()).build());

    assertThat(CanaryValidator.check(ab, router).errors()).extracting(SpecProblem::path)
        .contains("spec.analysis.match");
    assertThat(CanaryValidator.check(mirror, router).errors()).extracting(SpecProblem::path)
        .contains("spec.analysis.mirror");
  }
}
