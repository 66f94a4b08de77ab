package io.canaryanalysis.kubernetes;

import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.spec.Canary;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and optimistic writes of typed objects: every update is a full PUT carrying the
 * resourceVersion that was read, and a write that loses a race (HTTP 409, or 404 on an object
 * deleted in between) is retried on a fresh read a bounded number of times. API errors become
 * {@link ProviderException}s, retriable for 408, 409, 429, 5xx and I/O failures.
 */
final class KubeCalls {
  private static final Logger LOG = LoggerFactory.getLogger(KubeCalls.class);
  static final int NOT_FOUND = 404;
  static final int CONFLICT = 409;

  private final KubernetesClient client;
  private final int maxConflictRetries;
  private final KubernetesInformers informers;

  KubeCalls(KubernetesClient client, int maxConflictRetries) {
    this(client, maxConflictRetries, null);
  }

  /** With {@code informers} (may be null) reads of the kinds they cache come from memory. */
  KubeCalls(KubernetesClient client, int maxConflictRetries, KubernetesInformers informers) {
    this.client = Objects.requireNonNull(client, "client");
    this.maxConflictRetries = maxConflictRetries;
    this.informers = informers;
  }

  KubernetesClient client() {
    return client;
  }

  /**
   * The object, or null when it does not exist: from the informer cache when the kind is cached
   * there (read-only, shared), else a GET.
   */
  <T extends HasMetadata> T get(Class<T> type, String namespace, String name, String what) {
    if (informers != null && informers.caches(type, namespace)) {
      return informers.get(type, namespace, name);
    }
    return live(type, namespace, name, what);
  }

  /**
   * A KEDA ScaledObject, or null when it does not exist: from the informer cache when ScaledObjects
   * are cached there, else a GET.
   */
  io.fabric8.kubernetes.api.model.GenericKubernetesResource scaledObject(String namespace, String name, boolean live) {
    if (!live && informers != null && informers.cachesScaledObjects(namespace)) {
      return informers.scaledObject(namespace, name);
    }
    try {
      return client.genericKubernetesResources(Autoscalers.SCALED_OBJECTS).inNamespace(namespace).withName(name).get();
    } catch (KubernetesClientException e) {
      throw failure("ScaledObject " + key(name, namespace), "get", e);
    }
  }

  /** A GET, whatever is cached. */
  <T extends HasMetadata> T live(Class<T> type, String namespace, String name, String what) {
    try {
      return client.resources(type).inNamespace(namespace).withName(name).get();
    } catch (KubernetesClientException e) {
      throw failure(what, "get", e);
    }
  }

  /**
   * Applies {@code change} to a copy of the stored object and writes it when the change reports a
   * difference. Returns whether a write happened.
   *
   * @throws ProviderException (retriable) when the object does not exist or conflicts persist
   */
  <T extends HasMetadata> boolean update(Class<T> type, String namespace, String name, String what,
      Predicate<T> change) {
    return write(type, namespace, name, what, null, change);
  }

  /**
   * Creates the object from {@code create} when it is missing, else applies {@code change} to a
   * copy of the stored one and writes it when it reports a difference. Returns whether a write
   * happened.
   */
  <T extends HasMetadata> boolean createOrUpdate(Class<T> type, String namespace, String name,
      String what, Supplier<T> create, Predicate<T> change) {
    return write(type, namespace, name, what, Objects.requireNonNull(create, "create"), change);
  }

  private <T extends HasMetadata> boolean write(Class<T> type, String namespace, String name,
      String what, Supplier<T> create, Predicate<T> change) {
    KubernetesClientException lastConflict = null;
    for (int attempt = 0; attempt <= maxConflictRetries; attempt++) {
      // The first attempt may decide from the cache; after a conflict the cache lags: read live.
      T current = attempt == 0 ? get(type, namespace, name, what) : live(type, namespace, name, what);
      try {
        if (current == null) {
          if (create == null) {
            throw new ProviderException(what + " not found", true);
          }
          written(client.resources(type).inNamespace(namespace).resource(create.get()).create());
          LOG.info("Created {}", what);
          return true;
        }
        T copy = client.getKubernetesSerialization().clone(current);
        if (!change.test(copy)) {
          return false;
        }
        written(client.resources(type).inNamespace(namespace).resource(copy).update());
        LOG.info("Updated {}", what);
        return true;
      } catch (KubernetesClientException e) {
        boolean lostRace = e.getCode() == CONFLICT || (current != null && e.getCode() == NOT_FOUND);
        if (!lostRace) {
          throw failure(what, current == null ? "create" : "update", e);
        }
        lastConflict = e;
        if (attempt < maxConflictRetries) {
          LOG.debug("{} changed while writing (HTTP {}), retrying on a fresh read ({} of {})",
              what, e.getCode(), attempt + 1, maxConflictRetries);
        }
      }
    }
    throw new ProviderException(what + ": write gave up after " + (maxConflictRetries + 1)
        + " attempts that conflicted with other writers (HTTP 409)", true, lastConflict);
  }

  /** Tells the cache about an object this process wrote, so the next read does not go back in time. */
  void written(HasMetadata object) {
    if (informers != null) {
      informers.written(object);
    }
  }

  static ProviderException failure(String what, String operation, KubernetesClientException e) {
    int code = e.getCode();
    String reason = e.getStatus() != null && e.getStatus().getMessage() != null
        ? e.getStatus().getMessage() : e.getMessage();
    return new ProviderException(what + " " + operation + " failed"
        + (code <= 0 ? "" : " with HTTP " + code) + ": " + reason, retriable(code), e);
  }

  /** 0 or below is a transport failure (no HTTP answer; fabric8 reports -1). */
  static boolean retriable(int code) {
    return code <= 0 || code == 408 || code == CONFLICT || code == 429 || code >= 500;
  }

  /** The Canary's controller reference, or null when the canary has no uid (not a stored object). */
  static OwnerReference ownerReference(Canary canary) {
    if (canary.uid() == null) {
      return null;
    }
    return new OwnerReferenceBuilder()
        .withApiVersion(Canary.API_VERSION)
        .withKind(Canary.KIND)
        .withName(canary.name())
        .withUid(canary.uid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  /** Other owners kept, the Canary's reference added or replaced (when it has a uid). */
  static List<OwnerReference> owners(List<OwnerReference> current, Canary canary) {
    List<OwnerReference> owners = new ArrayList<>();
    OwnerReference mine = ownerReference(canary);
    if (current != null) {
      for (OwnerReference owner : current) {
        boolean canaryOwner = Canary.API_VERSION.equals(owner.getApiVersion())
            && Canary.KIND.equals(owner.getKind()) && canary.name().equals(owner.getName());
        if (!canaryOwner || mine == null) {
          owners.add(owner);
        }
      }
    }
    if (mine != null) {
      owners.add(mine);
    }
    return owners;
  }

  /** {@code name.namespace}, the form Flagger's messages use. */
  static String key(String name, String namespace) {
    return name + "." + namespace;
  }
}
