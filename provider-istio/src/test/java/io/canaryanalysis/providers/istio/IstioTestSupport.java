package io.canaryanalysis.providers.istio;

import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.CanarySpec;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.Map;

/** Fixtures shared by the Istio tests: the canary, and reading and writing the Istio objects. */
final class IstioTestSupport {
  static final String NAMESPACE = "test";
  static final String NAME = "podinfo";
  static final String UID = "0b1c7e0a-5f43-4f5e-9d57-6a3c2b7e9f11";

  private IstioTestSupport() {}

  static CanarySpec.Builder spec(CanaryService service) {
    return CanarySpec.builder().deployment(NAME).service(service);
  }

  static Canary canary(CanarySpec spec) {
    return new Canary(NAME, NAMESPACE, UID, Map.of(), Map.of(), spec);
  }

  static Canary canary() {
    return canary(spec(CanaryService.ofPort(9898)).build());
  }

  static ResourceDefinitionContext context(String version, String kind) {
    return new ResourceDefinitionContext.Builder()
        .withGroup("networking.istio.io")
        .withVersion(version)
        .withKind(kind)
        .withPlural(kind.toLowerCase() + "s")
        .withNamespaced(true)
        .build();
  }

  static GenericKubernetesResource get(
      KubernetesClient client, String version, String kind, String name) {
    return client.genericKubernetesResources(context(version, kind))
        .inNamespace(NAMESPACE).withName(name).get();
  }

  static GenericKubernetesResource virtualService(KubernetesClient client, String version) {
    return get(client, version, "VirtualService", NAME);
  }

  /** The object as the API server returns it, as a JSON tree. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> tree(KubernetesClient client, GenericKubernetesResource resource) {
    return client.getKubernetesSerialization().convertValue(resource, Map.class);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> spec(GenericKubernetesResource resource) {
    return (Map<String, Object>) resource.getAdditionalProperties().get("spec");
  }
}
