package io.canaryanalysis.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The shipped manifests parse, the CRDs are Flagger's {@code flagger.app/v1beta1} kinds with our
 * extensions, keep every field canary-analysis reads and writes (a field a structural schema lacks
 * is pruned by the API server), and the ClusterRole grants exactly what the controller calls.
 */
class DeployManifestsTest {
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final Path DEPLOY = Path.of("").toAbsolutePath();

  static List<JsonNode> documents(Path file) throws IOException {
    try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
      List<JsonNode> result = new ArrayList<>();
      while (docs.hasNext()) {
        JsonNode doc = docs.next();
        if (doc != null && !doc.isNull() && !doc.isEmpty()) {
          result.add(doc);
        }
      }
      return result;
    }
  }

  static List<JsonNode> resource(String name) throws IOException {
    try (InputStream in = DeployManifestsTest.class.getResourceAsStream("/" + name)) {
      assertThat(in).as(name).isNotNull();
      List<JsonNode> result = new ArrayList<>();
      try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(in)) {
        docs.forEachRemaining(result::add);
      }
      return result;
    }
  }

  static JsonNode single(String file) throws IOException {
    List<JsonNode> docs = documents(DEPLOY.resolve(file));
    assertThat(docs).as(file).hasSize(1);
    return docs.get(0);
  }

  static JsonNode version(JsonNode crd) {
    JsonNode versions = crd.at("/spec/versions");
    assertThat(versions).hasSize(1);
    return versions.get(0);
  }

  static JsonNode schema(String file) throws IOException {
    return version(single(file)).at("/schema/openAPIV3Schema");
  }

  private static List<Path> yamlFiles() throws IOException {
    try (Stream<Path> files = Stream.concat(Files.list(DEPLOY), Files.list(DEPLOY.resolve("crds")))) {
      return files.filter(p -> p.toString().endsWith(".yaml")).sorted().collect(Collectors.toList());
    }
  }

  @Test
  void everyManifestIsWellFormedKubernetesYaml() throws IOException {
    List<Path> files = yamlFiles();
    assertThat(files).extracting(p -> DEPLOY.relativize(p).toString()).contains(
        "crds/canaries.yaml", "crds/metrictemplates.yaml", "crds/alertproviders.yaml",
        "namespace.yaml", "rbac.yaml", "deployment.yaml", "kustomization.yaml");
    for (Path file : files) {
      List<JsonNode> docs = documents(file);
      assertThat(docs).as(file.toString()).isNotEmpty();
      for (JsonNode doc : docs) {
        assertThat(doc.path("apiVersion").asText()).as(file + " apiVersion").isNotBlank();
        assertThat(doc.path("kind").asText()).as(file + " kind").isNotBlank();
        if (!doc.path("kind").asText().equals("Kustomization")) {
          assertThat(doc.at("/metadata/name").asText()).as(file + " metadata.name").isNotBlank();
        }
      }
    }
  }

  @Test
  void kustomizationListsEveryManifest() throws IOException {
    JsonNode kustomization = single("kustomization.yaml");
    Set<String> listed = new TreeSet<>();
    kustomization.get("resources").forEach(r -> listed.add(r.asText()));
    Set<String> present = yamlFiles().stream().map(p -> DEPLOY.relativize(p).toString())
        .filter(p -> !p.equals("kustomization.yaml")).collect(Collectors.toCollection(TreeSet::new));
    assertThat(listed).isEqualTo(present);
  }

  @Test
  void crdsAreFlaggersKindsWithSourceNoted() throws IOException {
    String[][] kinds = {
        {"crds/canaries.yaml", "Canary", "canaries"},
        {"crds/metrictemplates.yaml", "MetricTemplate", "metrictemplates"},
        {"crds/alertproviders.yaml", "AlertProvider", "alertproviders"}};
    for (String[] kind : kinds) {
      String text = Files.readString(DEPLOY.resolve(kind[0]));
      assertThat(text).as(kind[0] + " header").contains("fluxcd/flagger")
          .contains("artifacts/flagger/crd.yaml").contains("v1.44.0");
      JsonNode crd = single(kind[0]);
      assertThat(crd.path("apiVersion").asText()).isEqualTo("apiextensions.k8s.io/v1");
      assertThat(crd.path("kind").asText()).isEqualTo("CustomResourceDefinition");
      assertThat(crd.at("/metadata/name").asText()).isEqualTo(kind[2] + ".flagger.app");
      assertThat(crd.at("/spec/group").asText()).isEqualTo("flagger.app");
      assertThat(crd.at("/spec/names/kind").asText()).isEqualTo(kind[1]);
      assertThat(crd.at("/spec/names/plural").asText()).isEqualTo(kind[2]);
      assertThat(crd.at("/spec/scope").asText()).isEqualTo("Namespaced");
      JsonNode version = version(crd);
      assertThat(version.path("name").asText()).isEqualTo("v1beta1");
      assertThat(version.path("served").asBoolean()).isTrue();
      assertThat(version.path("storage").asBoolean()).isTrue();
      assertThat(version.at("/subresources/status").isObject()).isTrue();
      assertThat(version.at("/schema/openAPIV3Schema/type").asText()).isEqualTo("object");
    }
  }

  @Test
  void kubectlGetCanariesShowsStatusWeightFailedChecksTransitionAndReason() throws IOException {
    JsonNode columns = version(single("crds/canaries.yaml")).get("additionalPrinterColumns");
    List<String> defaultView = new ArrayList<>();
    for (JsonNode column : columns) {
      if (column.path("priority").asInt(0) == 0) {
        defaultView.add(column.get("name").asText() + "=" + column.get("jsonPath").asText());
      }
    }
    assertThat(defaultView).containsExactly("Status=.status.phase", "Weight=.status.canaryWeight",
        "FailedChecks=.status.failedChecks", "LastTransitionTime=.status.lastTransitionTime",
        "Reason=.status.lastFailure.message");
    List<String> wide = new ArrayList<>();
    for (JsonNode column : columns) {
      wide.add(column.get("name").asText() + "=" + column.get("jsonPath").asText());
    }
    assertThat(wide).contains("Split=.status.effectiveSplit");
  }

  @Test
  void canarySchemaHasTheFieldsTheReaderUnderstands() throws IOException {
    JsonNode schema = schema("crds/canaries.yaml");
    List<String> paths = List.of(
        "spec.provider", "spec.metricsServer", "spec.targetRef.name", "spec.targetRef.kind",
        "spec.targetRef.apiVersion", "spec.ingressRef.name", "spec.autoscalerRef.name",
        "spec.progressDeadlineSeconds", "spec.skipAnalysis", "spec.suspend",
        "spec.revertOnDeletion", "spec.service.name", "spec.service.port",
        "spec.service.portName", "spec.service.targetPort", "spec.service.appProtocol",
        "spec.service.portDiscovery", "spec.service.gateways", "spec.service.hosts",
        "spec.service.gatewayRefs", "spec.service.apex.labels", "spec.service.primary.annotations",
        "spec.service.canary.labels", "spec.service.headers", "spec.service.trafficPolicy",
        "spec.analysis.interval", "spec.analysis.threshold", "spec.analysis.maxWeight",
        "spec.analysis.stepWeight", "spec.analysis.stepWeights", "spec.analysis.stepWeightPromotion",
        "spec.analysis.iterations", "spec.analysis.mirror", "spec.analysis.mirrorWeight",
        "spec.analysis.primaryReadyThreshold", "spec.analysis.canaryReadyThreshold",
        "spec.analysis.sessionAffinity.cookieName", "spec.analysis.sessionAffinity.maxAge",
        "spec.analysis.sessionAffinity.primaryCookieName", "spec.analysis.match[].headers",
        "spec.analysis.match[].sourceLabels", "spec.analysis.metrics[].name",
        "spec.analysis.metrics[].interval", "spec.analysis.metrics[].thresholdRange.min",
        "spec.analysis.metrics[].thresholdRange.max", "spec.analysis.metrics[].threshold",
        "spec.analysis.metrics[].query", "spec.analysis.metrics[].templateRef.name",
        "spec.analysis.metrics[].templateRef.namespace", "spec.analysis.metrics[].templateVariables",
        "spec.analysis.metrics[].kind", "spec.analysis.metrics[].aggregate",
        "spec.analysis.metrics[].onNoData", "spec.analysis.metrics[].judge.kind",
        "spec.analysis.metrics[].judge.canaryBuckets", "spec.analysis.metrics[].judge.primaryBuckets",
        "spec.analysis.webhooks[].name",
        "spec.analysis.webhooks[].type", "spec.analysis.webhooks[].url",
        "spec.analysis.webhooks[].timeout", "spec.analysis.webhooks[].retries",
        "spec.analysis.webhooks[].disableTLS", "spec.analysis.webhooks[].muteAlert",
        "spec.analysis.webhooks[].metadata", "spec.analysis.alerts[].name",
        "spec.analysis.alerts[].severity", "spec.analysis.alerts[].providerRef.name",
        "spec.analysis.alerts[].providerRef.namespace", "spec.analysis.match[].uri",
        "spec.analysis.match[].method", "spec.analysis.match[].scheme",
        "spec.analysis.match[].authority", "spec.analysis.match[].queryParams");
    // Not in the schema on purpose: the reader's deprecated alias spec.canaryAnalysis, which only
    // old manifest files carry (Flagger's CRD dropped it, so a cluster never stores it).
    List<String> missing = paths.stream().filter(p -> Schema.at(schema, p) == null)
        .collect(Collectors.toList());
    assertThat(missing).isEmpty();
    assertThat(Schema.at(schema, "spec.analysis.metrics[].onNoData").get("enum"))
        .extracting(JsonNode::asText).containsExactly("fail", "pass", "hold");
    assertThat(Schema.at(schema, "spec.analysis.alerts[].severity").get("enum"))
        .extracting(JsonNode::asText).contains("info", "warn", "error");
  }

  @Test
  void canarySchemaKeepsEveryStatusFieldTheWriterProduces() throws IOException {
    JsonNode schema = schema("crds/canaries.yaml");
    List<String> paths = List.of("status.phase", "status.canaryWeight", "status.failedChecks",
        "status.iterations", "status.lastAppliedSpec", "status.lastPromotedSpec",
        "status.trackedConfigs", "status.lastTransitionTime", "status.conditions[].type",
        "status.conditions[].status", "status.conditions[].reason", "status.conditions[].message",
        "status.conditions[].lastUpdateTime", "status.conditions[].lastTransitionTime",
        "status.lastFailure.kind", "status.lastFailure.check", "status.lastFailure.value",
        "status.lastFailure.bound", "status.lastFailure.message", "status.lastFailure.time",
        "status.lastAnalysisTime", "status.notReadySince", "status.preRolloutPassed",
        "status.mirrored", "status.pendingPostRollout", "status.decision",
        "status.capacityWait.move", "status.capacityWait.since", "status.capacityWait.readyReplicas",
        "status.capacityWait.neededReplicas", "status.capacityWait.message", "status.effectiveSplit", "status.incidents[].kind",
        "status.incidents[].message", "status.incidents[].since", "status.incidents[].alertedAt");
    assertThat(paths.stream().filter(p -> Schema.at(schema, p) == null)).isEmpty();
    assertThat(Schema.at(schema, "status.capacityWait.move").get("enum")).extracting(JsonNode::asText)
        .containsExactly("Rollback", "Promotion");
    assertThat(Schema.at(schema, "status.phase").get("enum")).extracting(JsonNode::asText)
        .contains("Initializing", "Initialized", "Waiting", "Progressing", "WaitingPromotion",
            "Promoting", "Finalising", "Succeeded", "Failed", "Terminating", "Terminated");
  }

  @Test
  void aFullCanaryValidatesAgainstTheSchemaWithNothingPruned() throws IOException {
    JsonNode schema = schema("crds/canaries.yaml");
    JsonNode canary = resource("full-canary.yaml").get(0);
    assertThat(canary.at("/spec/analysis/match/1/uri/prefix").asText()).isEqualTo("/api");
    assertThat(Schema.validate(schema, canary)).isEmpty();
  }

  @Test
  void whatTheManifestWriterProducesValidatesWithNothingPruned() throws IOException {
    JsonNode schema = schema("crds/canaries.yaml");
    String full = YAML.writeValueAsString(resource("full-canary.yaml").get(0));
    io.canaryanalysis.api.spec.Canary canary = io.canaryanalysis.manifest.CanaryManifests.readCanary(full).canary();
    java.time.Instant time = java.time.Instant.parse("2024-05-01T10:00:00Z");
    io.canaryanalysis.api.status.CanaryStatus status = io.canaryanalysis.api.status.CanaryStatus.builder()
        .phase(io.canaryanalysis.api.status.CanaryPhase.FAILED).canaryWeight(100).failedChecks(3).iterations(2)
        .lastAppliedSpec("rev-2").lastPromotedSpec("rev-1").trackedConfigs(Map.of("configmap/env", "abc"))
        .lastTransitionTime(time).lastAnalysisTime(time).notReadySince(time).preRolloutPassed(true)
        .mirrored(true).pendingPostRollout(io.canaryanalysis.api.status.CanaryPhase.FAILED).decision(9)
        .capacityWait(new io.canaryanalysis.api.status.CapacityWait(
            io.canaryanalysis.api.status.CapacityWait.Move.PROMOTION, time, 3, 6,
            "waiting for podinfo-primary.test to carry the traffic: 3/6 replicas ready"))
        .effectiveSplit("3 primary / 1 canary pods")
        .incidents(List.of(new io.canaryanalysis.api.status.Incident(
            io.canaryanalysis.api.status.IncidentKind.ROUTER, "Traffic routing failed", time, time)))
        .checks(List.of(new io.canaryanalysis.api.status.CheckStatus("request-success-rate", 1,
            List.of(new io.canaryanalysis.api.status.Measurement(time,
                io.canaryanalysis.api.status.OutcomeClass.FAIL, 53.4, ">= 99")), null)))
        .lastFailure(new io.canaryanalysis.api.status.FailureReason(
            io.canaryanalysis.api.status.CheckKind.METRIC, "request-success-rate", 53.4, ">= 99",
            "Halt advancement", time))
        .conditions(List.of(new io.canaryanalysis.api.status.StatusCondition("Promoted",
            io.canaryanalysis.api.status.ConditionStatus.FALSE, "Failed", "Canary analysis failed", time, time)))
        .build();
    JsonNode written = YAML.valueToTree(io.canaryanalysis.manifest.CanaryManifests.toTree(canary, status));
    assertThat(Schema.validate(schema, written)).isEmpty();
  }

  @Test
  void theSchemaCheckCatchesUnknownAndMistypedFields() throws IOException {
    JsonNode schema = schema("crds/canaries.yaml");
    JsonNode bad = YAML.readTree("apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {}\n"
        + "spec:\n  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}\n  service: {port: 80}\n"
        + "  analysis:\n    stepWeigth: 5\n    metrics:\n      - name: x\n        onNoData: ignore\n"
        + "status:\n  phase: Broken\n  lastFailure: {kind: METRIC, check: x, message: m, value: high}\n");
    assertThat(Schema.validate(schema, bad)).containsExactlyInAnyOrder(
        "spec.analysis.stepWeigth: not in the schema (the API server would prune it)",
        "spec.analysis.metrics[0].onNoData: \"ignore\" not in [\"fail\",\"pass\",\"hold\"]",
        "status.phase: \"Broken\" not in [\"\",\"Initializing\",\"Initialized\",\"Waiting\","
            + "\"Progressing\",\"WaitingPromotion\",\"Promoting\",\"Finalising\",\"Succeeded\","
            + "\"Failed\",\"Terminating\",\"Terminated\"]",
        "status.lastFailure.value: expected number, got \"high\"");
  }

  @Test
  void alertProviderAndMetricTemplateSchemasTakeWhatWeRead() throws IOException {
    JsonNode alertSchema = schema("crds/alertproviders.yaml");
    assertThat(Schema.at(alertSchema, "spec.type").get("enum")).extracting(JsonNode::asText)
        .containsExactly("slack", "msteams", "discord", "rocket", "gchat", "generic");
    for (String path : List.of("spec.channel", "spec.username", "spec.address", "spec.proxy",
        "spec.secretRef.name")) {
      assertThat(Schema.at(alertSchema, path)).as(path).isNotNull();
    }
    JsonNode templateSchema = schema("crds/metrictemplates.yaml");
    for (String path : List.of("spec.provider.type", "spec.provider.address",
        "spec.provider.secretRef.name", "spec.provider.headers", "spec.provider.insecureSkipVerify",
        "spec.query")) {
      assertThat(Schema.at(templateSchema, path)).as(path).isNotNull();
    }
    for (JsonNode doc : resource("full-alertprovider.yaml")) {
      JsonNode schema = doc.get("kind").asText().equals("MetricTemplate") ? templateSchema : alertSchema;
      assertThat(Schema.validate(schema, doc)).as(doc.at("/metadata/name").asText()).isEmpty();
    }
  }

  /**
   * What canary-analysis-kubernetes and the routers the example controller bundles call, as
   * {@code group|resource|verb}; a change in their API calls must change this table and rbac.yaml.
   */
  static final Set<String> CONTROLLER_NEEDS = Set.of(
      // CanaryResources: get, list (all namespaces or one), JSON patch of finalizers; informers watch
      "flagger.app|canaries|get", "flagger.app|canaries|list", "flagger.app|canaries|watch",
      "flagger.app|canaries|patch",
      "flagger.app|canaries/status|update", "flagger.app|canaries/status|patch",
      // owner references with blockOwnerDeletion on generated objects
      "flagger.app|canaries/finalizers|update",
      "flagger.app|metrictemplates|get", "flagger.app|metrictemplates|list",
      "flagger.app|metrictemplates|watch",
      "flagger.app|alertproviders|get", "flagger.app|alertproviders|list",
      "flagger.app|alertproviders|watch",
      // informers list and watch what a tick reads (KubernetesInformers)
      "apps|deployments|get", "apps|deployments|list", "apps|deployments|watch",
      "apps|deployments|create", "apps|deployments|update",
      "apps|daemonsets|get", "apps|daemonsets|list", "apps|daemonsets|watch",
      "apps|daemonsets|create", "apps|daemonsets|update",
      "autoscaling|horizontalpodautoscalers|get", "autoscaling|horizontalpodautoscalers|list",
      "autoscaling|horizontalpodautoscalers|watch", "autoscaling|horizontalpodautoscalers|create",
      "autoscaling|horizontalpodautoscalers|update",
      "keda.sh|scaledobjects|get", "keda.sh|scaledobjects|list", "keda.sh|scaledobjects|watch",
      "keda.sh|scaledobjects|create", "keda.sh|scaledobjects|update",
      "|services|get", "|services|list", "|services|watch", "|services|create", "|services|update",
      "|configmaps|get", "|configmaps|list", "|configmaps|watch", "|configmaps|create",
      "|configmaps|update",
      "|secrets|get", "|secrets|list", "|secrets|watch", "|secrets|create", "|secrets|update",
      "|events|create", "|events|patch",
      "coordination.k8s.io|leases|get", "coordination.k8s.io|leases|list",
      "coordination.k8s.io|leases|create",
      "coordination.k8s.io|leases|update",
      "networking.istio.io|virtualservices|get", "networking.istio.io|virtualservices|list",
      "networking.istio.io|virtualservices|watch", "networking.istio.io|virtualservices|create",
      "networking.istio.io|virtualservices|update",
      "networking.istio.io|destinationrules|get", "networking.istio.io|destinationrules|list",
      "networking.istio.io|destinationrules|watch", "networking.istio.io|destinationrules|create",
      "networking.istio.io|destinationrules|update",
      "gateway.networking.k8s.io|httproutes|get", "gateway.networking.k8s.io|httproutes|create",
      "gateway.networking.k8s.io|httproutes|update", "gateway.networking.k8s.io|httproutes|patch",
      "gateway.networking.k8s.io|grpcroutes|get", "gateway.networking.k8s.io|grpcroutes|create",
      "gateway.networking.k8s.io|grpcroutes|update", "gateway.networking.k8s.io|grpcroutes|patch",
      "gateway.networking.k8s.io|gateways|get", "gateway.networking.k8s.io|gatewayclasses|get",
      "traefik.io|traefikservices|get", "traefik.io|traefikservices|create",
      "traefik.io|traefikservices|update",
      "traefik.containo.us|traefikservices|get", "traefik.containo.us|traefikservices|create",
      "traefik.containo.us|traefikservices|update",
      "networking.k8s.io|ingresses|get", "networking.k8s.io|ingresses|create",
      "networking.k8s.io|ingresses|update", "networking.k8s.io|ingresses|delete");

  @Test
  void clusterRoleGrantsExactlyWhatTheControllerCalls() throws IOException {
    JsonNode role = documents(DEPLOY.resolve("rbac.yaml")).stream()
        .filter(d -> d.get("kind").asText().equals("ClusterRole")).findFirst().orElseThrow();
    Set<String> granted = new TreeSet<>();
    for (JsonNode rule : role.get("rules")) {
      for (JsonNode group : rule.get("apiGroups")) {
        for (JsonNode resource : rule.get("resources")) {
          for (JsonNode verb : rule.get("verbs")) {
            assertThat(verb.asText()).isNotEqualTo("*");
            granted.add(group.asText() + "|" + resource.asText() + "|" + verb.asText());
          }
        }
      }
    }
    assertThat(granted).isEqualTo(new TreeSet<>(CONTROLLER_NEEDS));
  }

  @Test
  void deploymentRunsAsTheBoundServiceAccount() throws IOException {
    List<JsonNode> rbac = documents(DEPLOY.resolve("rbac.yaml"));
    JsonNode account = rbac.stream().filter(d -> d.get("kind").asText().equals("ServiceAccount"))
        .findFirst().orElseThrow();
    JsonNode binding = rbac.stream()
        .filter(d -> d.get("kind").asText().equals("ClusterRoleBinding")).findFirst().orElseThrow();
    JsonNode deployment = single("deployment.yaml");
    JsonNode namespace = single("namespace.yaml");

    String ns = namespace.at("/metadata/name").asText();
    assertThat(account.at("/metadata/namespace").asText()).isEqualTo(ns);
    assertThat(deployment.at("/metadata/namespace").asText()).isEqualTo(ns);
    assertThat(deployment.at("/spec/template/spec/serviceAccountName").asText())
        .isEqualTo(account.at("/metadata/name").asText());
    assertThat(binding.at("/roleRef/name").asText()).isEqualTo("canary-analysis");
    assertThat(binding.at("/subjects/0/name").asText()).isEqualTo(account.at("/metadata/name").asText());
    assertThat(binding.at("/subjects/0/namespace").asText()).isEqualTo(ns);
    assertThat(deployment.at("/spec/selector/matchLabels"))
        .isEqualTo(deployment.at("/spec/template/metadata/labels"));
    JsonNode container = deployment.at("/spec/template/spec/containers/0");
    assertThat(container.get("command").toString())
        .contains("io.canaryanalysis.examples.EmbeddedController");
    List<String> env = new ArrayList<>();
    container.get("env").forEach(e -> env.add(e.get("name").asText()));
    assertThat(env).contains("PROMETHEUS_URL", "WATCH_NAMESPACE", "LEADER_ELECTION_NAMESPACE",
        "POD_NAME");
  }

  @Test
  void manifestsAreOnTheClasspath() {
    for (String name : List.of("crds/canaries.yaml", "crds/metrictemplates.yaml",
        "crds/alertproviders.yaml", "rbac.yaml", "deployment.yaml")) {
      assertThat(DeployManifestsTest.class.getResource("/canary-analysis/deploy/" + name))
          .as(name).isNotNull();
    }
  }
}
