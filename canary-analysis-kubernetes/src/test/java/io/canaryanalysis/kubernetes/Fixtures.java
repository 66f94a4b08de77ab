package io.canaryanalysis.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.CanarySpec;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import java.util.function.Consumer;

/** Shared objects for the tests: the podinfo Deployment and Canary of Flagger's tutorials. */
final class Fixtures {
  static final String NAMESPACE = "test";
  static final String UID = "6d0a2c1e-3b1f-4f7e-9a51-0c1d2e3f4a5b";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private Fixtures() {}

  static Canary canary() {
    return canary(Analysis.builder().stepWeight(10).maxWeight(20).build());
  }

  static Canary canary(Analysis analysis) {
    CanarySpec spec = CanarySpec.builder()
        .deployment("podinfo")
        .service(CanaryService.builder().port(9898).build())
        .analysis(analysis)
        .build();
    return new Canary("podinfo", NAMESPACE, UID, Map.of(), Map.of(), spec);
  }

  /**
   * The target: 2 replicas, selector {@code app: podinfo}, a container reading a ConfigMap key,
   * a Secret through envFrom, a ConfigMap volume, a projected Secret, and an init container
   * reading another ConfigMap.
   */
  static Deployment deployment() {
    return read(Deployment.class, """
        {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "podinfo", "namespace": "test",
           "labels": {"app": "podinfo", "team": "payments"},
           "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}",
                           "example.com/owner": "sre"}},
         "spec": {
           "replicas": 2,
           "minReadySeconds": 3,
           "progressDeadlineSeconds": 60,
           "revisionHistoryLimit": 5,
           "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0}},
           "selector": {"matchLabels": {"app": "podinfo"}},
           "template": {
             "metadata": {"labels": {"app": "podinfo", "version": "v1"},
                          "annotations": {"prometheus.io/scrape": "true"}},
             "spec": {
               "initContainers": [{"name": "init", "image": "busybox",
                 "env": [{"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "podinfo-init", "key": "mode"}}}]}],
               "containers": [{"name": "podinfod", "image": "ghcr.io/stefanprodan/podinfo:6.0.0",
                 "ports": [{"name": "http", "containerPort": 9898}],
                 "env": [{"name": "COLOR", "valueFrom": {"configMapKeyRef": {"name": "podinfo-env", "key": "color"}}}],
                 "envFrom": [{"secretRef": {"name": "podinfo-secret"}}]}],
               "volumes": [
                 {"name": "config", "configMap": {"name": "podinfo-files"}},
                 {"name": "tls", "projected": {"sources": [{"secret": {"name": "podinfo-tls"}}]}}
               ]}}}}
        """);
  }

  /** Registers the Canary CRD with its status subresource, as Flagger's CRD declares it. */
  static void expectCanaryCrd(io.fabric8.kubernetes.client.server.mock.KubernetesMockServer server) {
    server.expectCustomResource(new io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext.Builder()
        .withGroup("flagger.app").withVersion("v1beta1").withKind("Canary").withPlural("canaries")
        .withScope("Namespaced").withName("canaries.flagger.app").withStatusSubresource(true).build());
  }

  /** Stores a Canary manifest (YAML) and returns the stored object. */
  static io.fabric8.kubernetes.api.model.GenericKubernetesResource storeCanary(KubernetesClient client,
      String yaml) {
    var resource = SERIALIZATION.unmarshal(yaml,
        io.fabric8.kubernetes.api.model.GenericKubernetesResource.class);
    return client.genericKubernetesResources(FlaggerKinds.CANARY).inNamespace(NAMESPACE)
        .resource(resource).create();
  }

  static final String CANARY_YAML = """
      apiVersion: flagger.app/v1beta1
      kind: Canary
      metadata:
        name: podinfo
        namespace: test
      spec:
        targetRef:
          apiVersion: apps/v1
          kind: Deployment
          name: podinfo
        service:
          port: 9898
        analysis:
          interval: 1m
          threshold: 2
          maxWeight: 20
          stepWeight: 10
          metrics:
            - name: request-success-rate
              interval: 1m
              thresholdRange:
                min: 99
      """;

  static ConfigMap configMap(String name, Map<String, String> data) {
    return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(NAMESPACE)
        .withLabels(Map.of("app", "podinfo")).endMetadata().withData(data).build();
  }

  static Secret secret(String name, String type, Map<String, String> plain) {
    SecretBuilder b = new SecretBuilder().withNewMetadata().withName(name).withNamespace(NAMESPACE)
        .endMetadata().withType(type);
    plain.forEach((k, v) -> b.addToData(k, base64(v)));
    return b.build();
  }

  /** Creates the target and every object it references. */
  static void createAll(KubernetesClient client) {
    client.resource(configMap("podinfo-init", Map.of("mode", "fast"))).create();
    client.resource(configMap("podinfo-env", Map.of("color", "blue"))).create();
    client.resource(configMap("podinfo-files", Map.of("app.yaml", "level: info"))).create();
    client.resource(secret("podinfo-secret", "Opaque", Map.of("token", "s3cr3t"))).create();
    client.resource(secret("podinfo-tls", "kubernetes.io/tls",
        Map.of("tls.crt", "CERT", "tls.key", "KEY"))).create();
    client.resource(deployment()).create();
  }

  /** Plays the Deployment controller: the rollout of {@code name} is complete. */
  static void rolledOut(KubernetesClient client, String name) {
    edit(client, name, d -> {
      int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
      d.setStatus(new DeploymentStatusBuilder()
          .withObservedGeneration(d.getMetadata().getGeneration())
          .withReplicas(replicas).withUpdatedReplicas(replicas)
          .withAvailableReplicas(replicas).withReadyReplicas(replicas).build());
    });
  }

  static Deployment get(KubernetesClient client, String name) {
    return client.apps().deployments().inNamespace(NAMESPACE).withName(name).get();
  }

  static void edit(KubernetesClient client, String name, Consumer<Deployment> change) {
    Deployment d = get(client, name);
    change.accept(d);
    client.resource(d).update();
  }

  static JsonNode tree(KubernetesClient client, Object object) {
    return json(client.getKubernetesSerialization().asJson(object));
  }

  static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  static <T> T read(Class<T> type, String json) {
    return SERIALIZATION.unmarshal(json, type);
  }

  static String base64(String plain) {
    return Base64.getEncoder().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
  }

  /** Flagger's config checksum computed here from the Go JSON text given by the test. */
  static String sha256Prefix(String text) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      StringBuilder hex = new StringBuilder();
      for (int i = 0; i < 8; i++) {
        hex.append(String.format("%02x", hash[i]));
      }
      return hex.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  static Status status(int code, String reason) {
    return new StatusBuilder().withApiVersion("v1").withKind("Status").withStatus("Failure")
        .withReason(reason).withCode(code).withMessage(reason).build();
  }

  /** Switches off the client's own retry of 5xx answers so a recorded fault reaches the code. */
  public static final class NoClientRetries implements Consumer<KubernetesClientBuilder> {
    @Override
    public void accept(KubernetesClientBuilder builder) {
      builder.editOrNewConfig().withRequestRetryBackoffLimit(0).endConfig();
    }
  }
}
