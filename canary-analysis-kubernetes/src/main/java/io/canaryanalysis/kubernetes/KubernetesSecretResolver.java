package io.canaryanalysis.kubernetes;

import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.SecretResolver;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Resolves Kubernetes Secrets for providers (for example a MetricTemplate's
 * {@code provider.secretRef}): the base64 {@code data} decoded as UTF-8, overlaid by
 * {@code stringData} as the API server would merge it. Values never reach logs or messages.
 */
public final class KubernetesSecretResolver implements SecretResolver {
  private final KubernetesClient client;

  private KubernetesSecretResolver(KubernetesClient client) {
    this.client = Objects.requireNonNull(client, "client");
  }

  public static KubernetesSecretResolver create(KubernetesClient client) {
    return new KubernetesSecretResolver(client);
  }

  /**
   * @throws ProviderException when the API call fails, or a {@code data} entry is not base64
   *     (the message names the key, never the value)
   */
  @Override
  public Optional<Map<String, String>> resolve(String namespace, String name) {
    Secret secret;
    try {
      secret = client.secrets().inNamespace(namespace).withName(name).get();
    } catch (KubernetesClientException e) {
      throw KubeCalls.failure("secret " + KubeCalls.key(name, namespace), "get", e);
    }
    if (secret == null) {
      return Optional.empty();
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : ConfigTracker.orEmpty(secret.getData()).entrySet()) {
      try {
        byte[] decoded = Base64.getDecoder().decode(e.getValue() == null ? "" : e.getValue());
        values.put(e.getKey(), new String(decoded, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException invalid) {
        throw new ProviderException("secret " + KubeCalls.key(name, namespace) + " data."
            + e.getKey() + " is not valid base64", false);
      }
    }
    values.putAll(ConfigTracker.orEmpty(secret.getStringData()));
    return Optional.of(Map.copyOf(values));
  }
}
