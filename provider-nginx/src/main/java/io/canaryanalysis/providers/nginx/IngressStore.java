package io.canaryanalysis.providers.nginx;

import io.canaryanalysis.api.ProviderException;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and writes {@code networking.k8s.io/v1} Ingresses. Writes are full updates guarded by
 * {@code resourceVersion}; a 409 Conflict is retried a bounded number of times, each time on a
 * fresh read. API errors become {@link ProviderException}s that say what was being done.
 */
final class IngressStore {
  static final int MAX_ATTEMPTS = 5;
  private static final Logger log = LoggerFactory.getLogger(IngressStore.class);

  private final KubernetesClient client;

  IngressStore(KubernetesClient client) {
    this.client = client;
  }

  /** The Ingress, or null when it does not exist. */
  Ingress get(String namespace, String name) {
    return call("read", namespace, name,
        () -> client.network().v1().ingresses().inNamespace(namespace).withName(name).get());
  }

  /**
   * Brings one Ingress to the state {@code desired} computes from the current object (null when
   * absent). {@code desired} returning null means "no object wanted": nothing is written. Writes
   * only when labels, annotations, owner references or spec differ.
   *
   * @return the object as stored after the call, or null when none exists
   */
  Ingress converge(String namespace, String name, UnaryOperator<Ingress> desired) {
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      Ingress current = get(namespace, name);
      Ingress wanted = desired.apply(current);
      if (wanted == null) {
        return current;
      }
      try {
        if (current == null) {
          Ingress created = client.network().v1().ingresses().inNamespace(namespace)
              .resource(wanted).create();
          log.info("Created {}", IngressCloner.describe(namespace, name));
          return created;
        }
        if (sameContent(current, wanted)) {
          log.debug("{} is up to date", IngressCloner.describe(namespace, name));
          return current;
        }
        Ingress updated = client.network().v1().ingresses().inNamespace(namespace)
            .resource(withContentOf(current, wanted)).update();
        log.info("Updated {}", IngressCloner.describe(namespace, name));
        return updated;
      } catch (KubernetesClientException e) {
        if (e.getCode() == HttpURLConnection.HTTP_CONFLICT
            || (current != null && e.getCode() == HttpURLConnection.HTTP_NOT_FOUND)) {
          log.debug("{} changed while writing (HTTP {}), attempt {} of {}; reading it again",
              IngressCloner.describe(namespace, name), e.getCode(), attempt, MAX_ATTEMPTS);
          continue;
        }
        throw failure("write", namespace, name, e);
      }
    }
    throw new ProviderException("writing " + IngressCloner.describe(namespace, name)
        + " still conflicted with other writers after " + MAX_ATTEMPTS + " attempts", true);
  }

  /** Deletes the Ingress when {@code shouldDelete} accepts the current object. */
  void deleteIf(String namespace, String name, Predicate<Ingress> shouldDelete) {
    Ingress current = get(namespace, name);
    if (current == null || !shouldDelete.test(current)) {
      return;
    }
    call("delete", namespace, name,
        () -> client.network().v1().ingresses().inNamespace(namespace).withName(name).delete());
    log.info("Deleted {}", IngressCloner.describe(namespace, name));
  }

  static boolean sameContent(Ingress current, Ingress wanted) {
    ObjectMeta have = current.getMetadata();
    ObjectMeta want = wanted.getMetadata();
    return map(have.getLabels()).equals(map(want.getLabels()))
        && map(have.getAnnotations()).equals(map(want.getAnnotations()))
        && owners(have.getOwnerReferences()).equals(owners(want.getOwnerReferences()))
        && Objects.equals(current.getSpec(), wanted.getSpec());
  }

  private static Ingress withContentOf(Ingress current, Ingress wanted) {
    return new IngressBuilder(current)
        .editMetadata()
        .withLabels(map(wanted.getMetadata().getLabels()))
        .withAnnotations(map(wanted.getMetadata().getAnnotations()))
        .withOwnerReferences(owners(wanted.getMetadata().getOwnerReferences()))
        .endMetadata()
        .withSpec(wanted.getSpec())
        .build();
  }

  private <T> T call(String action, String namespace, String name, Supplier<T> request) {
    try {
      return request.get();
    } catch (KubernetesClientException e) {
      throw failure(action, namespace, name, e);
    }
  }

  private static ProviderException failure(String action, String namespace, String name,
      KubernetesClientException e) {
    int code = e.getCode();
    boolean retriable = code == 0 || code == HttpURLConnection.HTTP_CONFLICT || code == 429
        || code >= 500;
    String reason = e.getStatus() != null && e.getStatus().getMessage() != null
        ? e.getStatus().getMessage() : e.getClass().getSimpleName();
    return new ProviderException("could not " + action + " "
        + IngressCloner.describe(namespace, name) + ": "
        + (code == 0 ? "no HTTP response" : "HTTP " + code) + ", " + reason, retriable, e);
  }

  private static Map<String, String> map(Map<String, String> values) {
    return values == null ? Map.of() : values;
  }

  private static List<OwnerReference> owners(List<OwnerReference> values) {
    return values == null ? List.of() : values;
  }
}
