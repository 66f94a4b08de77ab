package io.canaryanalysis.kubernetes;

import static io.canaryanalysis.kubernetes.Fixtures.NAMESPACE;
import static io.canaryanalysis.kubernetes.Fixtures.json;
import static io.canaryanalysis.kubernetes.Fixtures.tree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.canaryanalysis.api.ProviderException;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link DeploymentWorkload#revert}: Flagger's {@code kubeRouter.Finalize}, the apex Service handed
 * back to the target's pods when a canary with {@code revertOnDeletion} is deleted.
 */
@EnableKubernetesMockClient(crud = true)
class DeploymentWorkloadRevertTest {
  private static final String APEX_PATH = "/api/v1/namespaces/test/services/podinfo";

  KubernetesMockServer server;
  KubernetesClient client;

  @Test
  void pointsTheGeneratedApexServiceAtTheTargetAndReleasesItFromTheCanary() {
    Fixtures.createAll(client);
    DeploymentWorkload workload = DeploymentWorkload.create(client);
    workload.initialize(Fixtures.canary());
    JsonNode primaryBefore = service("podinfo-primary");
    JsonNode canaryBefore = service("podinfo-canary");
    String clusterIp = client.services().inNamespace(NAMESPACE).withName("podinfo").get()
        .getSpec().getClusterIP();

    workload.revert(Fixtures.canary());

    assertThat(service("podinfo")).isEqualTo(json("""
        {"metadata": {"name": "podinfo", "labels": {"app": "podinfo"}},
         "spec": {"type": "ClusterIP", "selector": {"app": "podinfo"},
                  "ports": [{"name": "http", "protocol": "TCP", "port": 9898, "targetPort": 9898}]}}
        """));
    assertThat(client.services().inNamespace(NAMESPACE).withName("podinfo").get().getSpec()
        .getClusterIP()).isEqualTo(clusterIp);
    assertThat(service("podinfo-primary")).as("only the apex changes").isEqualTo(primaryBefore);
    assertThat(service("podinfo-canary")).isEqualTo(canaryBefore);
  }

  @Test
  void aSecondRevertWritesNothing() {
    Fixtures.createAll(client);
    DeploymentWorkload workload = DeploymentWorkload.create(client);
    workload.initialize(Fixtures.canary());
    workload.revert(Fixtures.canary());
    String version = client.services().inNamespace(NAMESPACE).withName("podinfo").get()
        .getMetadata().getResourceVersion();

    workload.revert(Fixtures.canary());

    assertThat(client.services().inNamespace(NAMESPACE).withName("podinfo").get()
        .getMetadata().getResourceVersion()).isEqualTo(version);
  }

  @Test
  void aUserServiceKeepsItsMetadataAndOtherOwners() {
    Fixtures.createAll(client);
    client.resource(new ServiceBuilder()
        .withNewMetadata().withName("podinfo").withNamespace(NAMESPACE)
        .withLabels(Map.of("made-by", "hand"))
        .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("v1").withKind("ConfigMap")
            .withName("bundle").withUid("0000-1111").build())
        .endMetadata()
        .withNewSpec().withType("ClusterIP").withClusterIP("10.0.0.12")
        .withSelector(Map.of("app", "podinfo"))
        .addNewPort().withName("http").withPort(9898).withProtocol("TCP").withNewTargetPort(9898).endPort()
        .endSpec().build()).create();
    DeploymentWorkload workload = DeploymentWorkload.create(client);
    workload.initialize(Fixtures.canary());
    assertThat(client.services().inNamespace(NAMESPACE).withName("podinfo").get().getSpec()
        .getSelector()).isEqualTo(Map.of("app", "podinfo-primary"));

    workload.revert(Fixtures.canary());

    Service apex = client.services().inNamespace(NAMESPACE).withName("podinfo").get();
    assertThat(apex.getSpec().getSelector()).isEqualTo(Map.of("app", "podinfo"));
    assertThat(apex.getSpec().getClusterIP()).isEqualTo("10.0.0.12");
    assertThat(apex.getMetadata().getLabels()).isEqualTo(Map.of("made-by", "hand"));
    assertThat(apex.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(owner -> assertThat(owner.getName()).isEqualTo("bundle"));
  }

  @Test
  void theConfiguredSelectorLabelIsUsed() {
    var target = Fixtures.deployment();
    target.getSpec().getSelector().setMatchLabels(Map.of("app.kubernetes.io/name", "podinfo-web"));
    target.getSpec().getTemplate().getMetadata().setLabels(Map.of("app.kubernetes.io/name", "podinfo-web"));
    client.resource(target).create();
    DeploymentWorkload workload = DeploymentWorkload.builder(client).configTracking(false).build();
    workload.initialize(Fixtures.canary());

    workload.revert(Fixtures.canary());

    assertThat(client.services().inNamespace(NAMESPACE).withName("podinfo").get().getSpec()
        .getSelector()).isEqualTo(Map.of("app.kubernetes.io/name", "podinfo-web"));
  }

  @Test
  void aConflictIsRetriedOnAFreshRead() {
    Fixtures.createAll(client);
    DeploymentWorkload workload = DeploymentWorkload.create(client);
    workload.initialize(Fixtures.canary());
    server.expect().put().withPath(APEX_PATH).andReturn(409, Fixtures.status(409, "Conflict")).once();

    workload.revert(Fixtures.canary());

    assertThat(client.services().inNamespace(NAMESPACE).withName("podinfo").get().getSpec()
        .getSelector()).isEqualTo(Map.of("app", "podinfo"));
  }

  @Test
  void aMissingApexServiceIsLeftMissing() {
    Fixtures.createAll(client);

    DeploymentWorkload.create(client).revert(Fixtures.canary());

    assertThat(client.services().inNamespace(NAMESPACE).list().getItems()).isEmpty();
  }

  @Test
  void aMissingTargetIsARetriableError() {
    assertThatThrownBy(() -> DeploymentWorkload.create(client).revert(Fixtures.canary()))
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.getMessage()).isEqualTo("deployment podinfo.test not found");
          assertThat(e.retriable()).isTrue();
        });
  }

  private JsonNode service(String name) {
    JsonNode object = tree(client, client.services().inNamespace(NAMESPACE).withName(name).get());
    ObjectNode result = json("{}").deepCopy();
    ObjectNode meta = result.putObject("metadata");
    meta.set("name", object.at("/metadata/name"));
    for (String field : List.of("labels", "annotations", "ownerReferences")) {
      if (!object.at("/metadata/" + field).isMissingNode()) {
        meta.set(field, object.at("/metadata/" + field));
      }
    }
    result.set("spec", object.get("spec"));
    ((ObjectNode) result.get("spec")).remove(List.of("clusterIP", "clusterIPs"));
    return result;
  }
}
