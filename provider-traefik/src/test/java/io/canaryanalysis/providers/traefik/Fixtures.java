package io.canaryanalysis.providers.traefik;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.spec.ObjectMetadata;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

/** Shared canaries and raw access to the mock API server for the Traefik router tests. */
final class Fixtures {
  static final String NAMESPACE = "test";
  static final String SERVICE = "podinfo";
  static final String UID = "2f6c1f0e-6a63-4c1d-9d55-6f4bb1b3c0de";
  private static final ObjectMapper JSON = new ObjectMapper();

  private Fixtures() {}

  /** A stored canary (with a uid) whose apex carries labels, annotations and Flux keys. */
  static Canary canary() {
    CanaryService service = CanaryService.builder()
        .port(9898)
        .apex(new ObjectMetadata(
            Map.of("app.kubernetes.io/name", "podinfo",
                "kustomize.toolkit.fluxcd.io/name", "apps"),
            Map.of("example.com/team", "payments",
                "helm.toolkit.fluxcd.io/driftDetection", "enabled")))
        .build();
    CanarySpec spec = CanarySpec.builder()
        .deployment(SERVICE)
        .service(service)
        .provider("traefik")
        .analysis(Analysis.builder().stepWeight(10).maxWeight(50).build())
        .build();
    return new Canary(SERVICE, NAMESPACE, UID, Map.of(), Map.of(), spec);
  }

  /** The same canary as an in-memory object without a uid (a simulation). */
  static Canary canaryWithoutUid() {
    Canary stored = canary();
    return new Canary(stored.name(), stored.namespace(), null, Map.of(), Map.of(), stored.spec());
  }

  static ResourceDefinitionContext context(TraefikRouter.ApiGroup group) {
    return new ResourceDefinitionContext.Builder()
        .withGroup(group.group())
        .withVersion("v1alpha1")
        .withKind("TraefikService")
        .withPlural("traefikservices")
        .withNamespaced(true)
        .build();
  }

  static String path(TraefikRouter.ApiGroup group) {
    return "/apis/" + group.group() + "/v1alpha1/namespaces/" + NAMESPACE + "/traefikservices/"
        + SERVICE;
  }

  static GenericKubernetesResource stored(KubernetesClient client, TraefikRouter.ApiGroup group) {
    return client.genericKubernetesResources(context(group)).inNamespace(NAMESPACE)
        .withName(SERVICE).get();
  }

  /** The stored object exactly as the API server sends it, so JSON types can be checked. */
  static JsonNode wireObject(KubernetesMockServer server, TraefikRouter.ApiGroup group) {
    try {
      HttpResponse<String> response = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(server.url(path(group)))).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as("GET %s", path(group)).isEqualTo(200);
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  static Status conflictStatus() {
    return new StatusBuilder()
        .withApiVersion("v1").withKind("Status")
        .withStatus("Failure")
        .withReason("Conflict")
        .withCode(409)
        .withMessage("Operation cannot be fulfilled on traefikservices.traefik.io \"podinfo\": "
            + "the object has been modified; please apply your changes to the latest version and "
            + "try again")
        .build();
  }

  static Status status(int code, String reason) {
    return new StatusBuilder()
        .withApiVersion("v1").withKind("Status")
        .withStatus("Failure")
        .withReason(reason)
        .withCode(code)
        .withMessage(reason)
        .build();
  }
}
