package io.canaryanalysis.kubernetes;

import io.canaryanalysis.api.MetricTemplateSource;
import io.canaryanalysis.api.spec.MetricTemplate;
import io.canaryanalysis.manifest.CanaryManifests;
import io.canaryanalysis.manifest.ManifestException;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads Flagger {@code MetricTemplate} objects ({@code flagger.app/v1beta1}) from the API server
 * on every lookup, so an edited template applies to the next check. Strict as the manifest reader:
 * an unsupported field fails the lookup with every problem and its path.
 */
public final class KubernetesMetricTemplates implements MetricTemplateSource {
  private final KubernetesClient client;
  private final KubernetesInformers informers;

  private KubernetesMetricTemplates(KubernetesClient client, KubernetesInformers informers) {
    this.client = Objects.requireNonNull(client, "client");
    this.informers = informers;
  }

  public static KubernetesMetricTemplates create(KubernetesClient client) {
    return new KubernetesMetricTemplates(client, null);
  }

  /** Looks templates up in the informer cache (an edit applies once the watch delivers it). */
  public static KubernetesMetricTemplates create(KubernetesClient client, KubernetesInformers informers) {
    return new KubernetesMetricTemplates(client, Objects.requireNonNull(informers, "informers"));
  }

  /**
   * @throws io.canaryanalysis.api.ProviderException when the API call fails
   * @throws ManifestException when the stored object is not a valid MetricTemplate
   */
  @Override
  public Optional<MetricTemplate> find(String namespace, String name) {
    GenericKubernetesResource resource;
    if (informers != null && informers.cachesMetricTemplates(namespace)) {
      resource = informers.metricTemplate(namespace, name);
    } else {
      try {
        resource = client.genericKubernetesResources(FlaggerKinds.METRIC_TEMPLATE)
            .inNamespace(namespace).withName(name).get();
      } catch (KubernetesClientException e) {
        throw KubeCalls.failure("metrictemplate " + KubeCalls.key(name, namespace), "get", e);
      }
    }
    if (resource == null) {
      return Optional.empty();
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> tree = client.getKubernetesSerialization().convertValue(resource, Map.class);
    return Optional.of(CanaryManifests.readMetricTemplate(tree));
  }
}
