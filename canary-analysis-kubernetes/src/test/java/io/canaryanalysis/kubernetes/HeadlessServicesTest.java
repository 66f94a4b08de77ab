package io.canaryanalysis.kubernetes;

import static io.canaryanalysis.kubernetes.Fixtures.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code spec.service.headless}: the three generated Services are headless, read back whole. */
@EnableKubernetesMockClient(crud = true, https = false,
    kubernetesClientBuilderCustomizer = Fixtures.NoClientRetries.class)
class HeadlessServicesTest {
  KubernetesClient client;
  private DeploymentWorkload workload;

  @BeforeEach
  void setUp() {
    Fixtures.createAll(client);
    workload = DeploymentWorkload.create(client);
  }

  private Service service(String name) {
    return client.services().inNamespace(NAMESPACE).withName(name).get();
  }

  private static Canary headless(boolean headless) {
    Canary canary = Fixtures.canary();
    return canary.withSpec(canary.spec().toBuilder()
        .service(CanaryService.builder().port(9898).headless(headless).build()).build());
  }

  @Test
  void headlessCanaryGetsThreeHeadlessServicesWithTheirSelectors() {
    workload.initialize(headless(true));

    for (String name : List.of("podinfo", "podinfo-primary", "podinfo-canary")) {
      assertThat(service(name).getSpec().getClusterIP()).as(name).isEqualTo("None");
      assertThat(service(name).getSpec().getType()).as(name).isEqualTo("ClusterIP");
    }
    assertThat(service("podinfo").getSpec().getSelector()).containsEntry("app", "podinfo-primary");
    assertThat(service("podinfo-canary").getSpec().getSelector()).containsEntry("app", "podinfo");
    assertThat(service("podinfo").getSpec().getPorts().get(0).getPort()).isEqualTo(9898);

    String version = service("podinfo").getMetadata().getResourceVersion();
    workload.initialize(headless(true));
    assertThat(service("podinfo").getMetadata().getResourceVersion())
        .as("a second reconcile writes nothing").isEqualTo(version);
  }

  @Test
  void aDefaultCanaryGetsServicesWithAClusterIpLeftToTheServer() {
    workload.initialize(headless(false));

    assertThat(service("podinfo").getSpec().getClusterIP()).isNotEqualTo("None");
  }
}
