package io.canaryanalysis.kubernetes;

import static io.canaryanalysis.kubernetes.Fixtures.NAMESPACE;
import static io.canaryanalysis.kubernetes.Fixtures.json;
import static io.canaryanalysis.kubernetes.Fixtures.tree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.ObjectMetadata;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link DeploymentWorkload#initialize}: the primary Deployment, config copies and Services. */
@EnableKubernetesMockClient(crud = true)
class DeploymentWorkloadInitializeTest {
  KubernetesMockServer server;
  KubernetesClient client;

  private static final String OWNER = """
      [{"apiVersion": "flagger.app/v1beta1", "kind": "Canary", "name": "podinfo",
        "uid": "%s", "controller": true, "blockOwnerDeletion": true}]
      """.formatted(Fixtures.UID);

  @Test
  void createsThePrimaryWithPrimarySelectorLabelsAndConfigReferencesRewritten() {
    Fixtures.createAll(client);

    DeploymentWorkload.create(client).initialize(Fixtures.canary());

    Deployment primary = Fixtures.get(client, "podinfo-primary");
    JsonNode object = tree(client, primary);
    assertThat(object.at("/metadata/labels")).isEqualTo(json(
        "{\"app\": \"podinfo-primary\", \"team\": \"payments\"}"));
    assertThat(object.at("/metadata/annotations")).isEqualTo(json(
        "{\"example.com/owner\": \"sre\"}"));
    assertThat(object.at("/metadata/ownerReferences")).isEqualTo(json(OWNER));
    String rolloutId = primary.getSpec().getTemplate().getMetadata().getAnnotations().get("flagger-id");
    assertThat(rolloutId).matches("[0-9a-f]{16}");
    assertThat(object.get("spec")).isEqualTo(json("""
        {"minReadySeconds": 3,
         "progressDeadlineSeconds": 60,
         "replicas": 2,
         "revisionHistoryLimit": 5,
         "selector": {"matchLabels": {"app": "podinfo-primary"}},
         "strategy": {"rollingUpdate": {"maxUnavailable": 0}, "type": "RollingUpdate"},
         "template": {
           "metadata": {"labels": {"app": "podinfo-primary", "version": "v1"},
                        "annotations": {"prometheus.io/scrape": "true", "flagger-id": "%s"}},
           "spec": {
             "containers": [{"name": "podinfod", "image": "ghcr.io/stefanprodan/podinfo:6.0.0",
               "ports": [{"name": "http", "containerPort": 9898}],
               "env": [{"name": "COLOR", "valueFrom": {"configMapKeyRef": {"name": "podinfo-env-primary", "key": "color"}}}],
               "envFrom": [{"secretRef": {"name": "podinfo-secret-primary"}}]}],
             "initContainers": [{"name": "init", "image": "busybox",
               "env": [{"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "podinfo-init-primary", "key": "mode"}}}]}],
             "volumes": [
               {"name": "config", "configMap": {"name": "podinfo-files-primary"}},
               {"name": "tls", "projected": {"sources": [{"secret": {"name": "podinfo-tls-primary"}}]}}
             ]}}}
        """.formatted(rolloutId)));

    ConfigMap envCopy = client.configMaps().inNamespace(NAMESPACE).withName("podinfo-env-primary").get();
    assertThat(envCopy.getData()).isEqualTo(Map.of("color", "blue"));
    assertThat(envCopy.getMetadata().getLabels()).isEqualTo(Map.of("app", "podinfo"));
    assertThat(tree(client, envCopy).at("/metadata/ownerReferences")).isEqualTo(json(OWNER));
    Secret tlsCopy = client.secrets().inNamespace(NAMESPACE).withName("podinfo-tls-primary").get();
    assertThat(tlsCopy.getType()).isEqualTo("kubernetes.io/tls");
    assertThat(tlsCopy.getData()).isEqualTo(Map.of(
        "tls.crt", Fixtures.base64("CERT"), "tls.key", Fixtures.base64("KEY")));
    assertThat(client.configMaps().inNamespace(NAMESPACE).withName("podinfo-init-primary").get())
        .isNotNull();
    assertThat(client.configMaps().inNamespace(NAMESPACE).withName("podinfo-files-primary").get())
        .isNotNull();
    assertThat(client.secrets().inNamespace(NAMESPACE).withName("podinfo-secret-primary").get())
        .isNotNull();
  }

  @Test
  void optedOutAndUntrackableConfigsAreNotCopiedAndStillReferencedByTheirOwnNames() {
    client.resource(Fixtures.configMap("podinfo-init", Map.of("mode", "fast"))).create();
    ConfigMap optedOut = Fixtures.configMap("podinfo-env", Map.of("color", "blue"));
    optedOut.getMetadata().setAnnotations(Map.of("flagger.app/config-tracking", "disabled"));
    client.resource(optedOut).create();
    client.resource(Fixtures.configMap("podinfo-files", Map.of("a", "b"))).create();
    client.resource(Fixtures.secret("podinfo-secret", "kubernetes.io/dockerconfigjson",
        Map.of(".dockerconfigjson", "{}"))).create();
    // podinfo-tls does not exist
    client.resource(Fixtures.deployment()).create();

    DeploymentWorkload.create(client).initialize(Fixtures.canary());

    JsonNode spec = tree(client, Fixtures.get(client, "podinfo-primary")).at("/spec/template/spec");
    assertThat(spec.at("/containers/0/env/0/valueFrom/configMapKeyRef/name").asText())
        .isEqualTo("podinfo-env");
    assertThat(spec.at("/containers/0/envFrom/0/secretRef/name").asText())
        .isEqualTo("podinfo-secret");
    assertThat(spec.at("/volumes/1/projected/sources/0/secret/name").asText())
        .isEqualTo("podinfo-tls");
    assertThat(spec.at("/volumes/0/configMap/name").asText()).isEqualTo("podinfo-files-primary");
    assertThat(client.configMaps().inNamespace(NAMESPACE).withName("podinfo-env-primary").get()).isNull();
    assertThat(client.secrets().inNamespace(NAMESPACE).withName("podinfo-secret-primary").get()).isNull();
  }

  @Test
  void createsTheThreeClusterIpServices() {
    Fixtures.createAll(client);
    Canary canary = Fixtures.canary();
    canary = canary.withSpec(canary.spec().toBuilder().service(CanaryService.builder()
        .port(80).targetPort("http").portName("web")
        .apex(new ObjectMetadata(Map.of("tier", "apex"), Map.of("note", "apex")))
        .primary(new ObjectMetadata(Map.of("tier", "primary"), Map.of()))
        .canary(new ObjectMetadata(Map.of(), Map.of("note", "canary")))
        .build()).build());

    DeploymentWorkload.create(client).initialize(canary);

    String ports = "[{\"name\": \"web\", \"protocol\": \"TCP\", \"port\": 80, \"targetPort\": \"http\"}]";
    assertThat(service("podinfo")).isEqualTo(json("""
        {"metadata": {"name": "podinfo", "labels": {"tier": "apex", "app": "podinfo"},
                      "annotations": {"note": "apex"}, "ownerReferences": %s},
         "spec": {"type": "ClusterIP", "selector": {"app": "podinfo-primary"}, "ports": %s}}
        """.formatted(OWNER, ports)));
    assertThat(service("podinfo-primary")).isEqualTo(json("""
        {"metadata": {"name": "podinfo-primary", "labels": {"tier": "primary", "app": "podinfo-primary"},
                      "ownerReferences": %s},
         "spec": {"type": "ClusterIP", "selector": {"app": "podinfo-primary"}, "ports": %s}}
        """.formatted(OWNER, ports)));
    assertThat(service("podinfo-canary")).isEqualTo(json("""
        {"metadata": {"name": "podinfo-canary", "labels": {"app": "podinfo-canary"},
                      "annotations": {"note": "canary"}, "ownerReferences": %s},
         "spec": {"type": "ClusterIP", "selector": {"app": "podinfo"}, "ports": %s}}
        """.formatted(OWNER, ports)));
  }

  @Test
  void portDiscoveryAddsTheOtherContainerPortsSortedByName() {
    Deployment target = Fixtures.deployment();
    var container = target.getSpec().getTemplate().getSpec().getContainers().get(0);
    container.getPorts().add(new io.fabric8.kubernetes.api.model.ContainerPort(9797, null, null, "metrics", "TCP"));
    container.getPorts().add(new io.fabric8.kubernetes.api.model.ContainerPort(9999, null, null, null, "TCP"));
    client.resource(target).create();
    Canary canary = Fixtures.canary();
    canary = canary.withSpec(canary.spec().toBuilder()
        .service(CanaryService.builder().port(9898).portDiscovery(true).build()).build());

    DeploymentWorkload.create(client).initialize(canary);

    assertThat(service("podinfo-canary").at("/spec/ports")).isEqualTo(json("""
        [{"name": "http", "protocol": "TCP", "port": 9898, "targetPort": 9898},
         {"name": "metrics", "protocol": "TCP", "port": 9797, "targetPort": 9797},
         {"name": "tcp-podinfod-2", "protocol": "TCP", "port": 9999, "targetPort": 9999}]
        """));
  }

  @Test
  void aSecondInitializeWritesNothing() {
    Fixtures.createAll(client);
    DeploymentWorkload workload = DeploymentWorkload.create(client);
    workload.initialize(Fixtures.canary());
    Map<String, String> before = resourceVersions();

    workload.initialize(Fixtures.canary());

    assertThat(resourceVersions()).isEqualTo(before);
  }

  @Test
  void anExistingUserServiceKeepsItsClusterIpAndMetadataButGetsThePrimarySelector() {
    Fixtures.createAll(client);
    client.resource(new ServiceBuilder()
        .withNewMetadata().withName("podinfo").withNamespace(NAMESPACE)
        .withLabels(Map.of("made-by", "hand")).endMetadata()
        .withNewSpec().withType("ClusterIP").withClusterIP("10.0.0.12")
        .withSelector(Map.of("app", "podinfo"))
        .addNewPort().withName("http").withPort(9898).withProtocol("TCP")
        .withNewTargetPort(9898).withNodePort(null).endPort()
        .endSpec().build()).create();

    DeploymentWorkload.create(client).initialize(Fixtures.canary());

    Service apex = client.services().inNamespace(NAMESPACE).withName("podinfo").get();
    assertThat(apex.getSpec().getClusterIP()).isEqualTo("10.0.0.12");
    assertThat(apex.getSpec().getSelector()).isEqualTo(Map.of("app", "podinfo-primary"));
    assertThat(apex.getMetadata().getLabels()).isEqualTo(Map.of("made-by", "hand"));
    assertThat(apex.getMetadata().getOwnerReferences()).isEmpty();
  }

  @Test
  void aTargetWithoutASelectorLabelIsRejectedWithFlaggersMessage() {
    Deployment target = Fixtures.deployment();
    target.getSpec().getSelector().setMatchLabels(Map.of("component", "podinfo"));
    target.getSpec().getTemplate().getMetadata().setLabels(Map.of("component", "podinfo"));
    client.resource(target).create();

    assertThatThrownBy(() -> DeploymentWorkload.create(client).initialize(Fixtures.canary()))
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.getMessage()).isEqualTo("deployment podinfo.test spec.selector.matchLabels "
              + "must contain one of [app name app.kubernetes.io/name]");
          assertThat(e.retriable()).isFalse();
        });
    assertThat(Fixtures.get(client, "podinfo-primary")).isNull();
  }

  @Test
  void theSelectorLabelsAreConfigurable() {
    Deployment target = Fixtures.deployment();
    target.getSpec().getSelector().setMatchLabels(Map.of("app.kubernetes.io/name", "podinfo"));
    client.resource(target).create();

    DeploymentWorkload.builder(client).selectorLabels(List.of("app.kubernetes.io/name")).build()
        .initialize(Fixtures.canary());

    assertThat(Fixtures.get(client, "podinfo-primary").getSpec().getSelector().getMatchLabels())
        .isEqualTo(Map.of("app.kubernetes.io/name", "podinfo-primary"));
  }

  @Test
  void aMissingTargetIsARetriableError() {
    assertThatThrownBy(() -> DeploymentWorkload.create(client).initialize(Fixtures.canary()))
        .isInstanceOfSatisfying(ProviderException.class, e -> {
          assertThat(e.getMessage()).isEqualTo("deployment podinfo.test not found");
          assertThat(e.retriable()).isTrue();
        });
  }

  private JsonNode service(String name) {
    JsonNode object = tree(client, client.services().inNamespace(NAMESPACE).withName(name).get());
    com.fasterxml.jackson.databind.node.ObjectNode result = Fixtures.json("{}").deepCopy();
    com.fasterxml.jackson.databind.node.ObjectNode meta = result.putObject("metadata");
    meta.set("name", object.at("/metadata/name"));
    for (String field : List.of("labels", "annotations", "ownerReferences")) {
      if (!object.at("/metadata/" + field).isMissingNode()) {
        meta.set(field, object.at("/metadata/" + field));
      }
    }
    result.set("spec", object.get("spec"));
    return result;
  }

  private Map<String, String> resourceVersions() {
    Map<String, String> versions = new java.util.TreeMap<>();
    client.apps().deployments().inNamespace(NAMESPACE).list().getItems().forEach(
        d -> versions.put("deployment/" + d.getMetadata().getName(), d.getMetadata().getResourceVersion()));
    client.services().inNamespace(NAMESPACE).list().getItems().forEach(
        s -> versions.put("service/" + s.getMetadata().getName(), s.getMetadata().getResourceVersion()));
    client.configMaps().inNamespace(NAMESPACE).list().getItems().forEach(
        c -> versions.put("configmap/" + c.getMetadata().getName(), c.getMetadata().getResourceVersion()));
    client.secrets().inNamespace(NAMESPACE).list().getItems().forEach(
        s -> versions.put("secret/" + s.getMetadata().getName(), s.getMetadata().getResourceVersion()));
    return versions;
  }
}
