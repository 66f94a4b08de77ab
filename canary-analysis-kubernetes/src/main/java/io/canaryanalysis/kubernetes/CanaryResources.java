package io.canaryanalysis.kubernetes;

import io.canaryanalysis.api.StatusStore;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.manifest.CanaryDocument;
import io.canaryanalysis.manifest.CanaryManifests;
import io.canaryanalysis.manifest.ManifestException;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flagger {@code Canary} custom resources ({@code flagger.app/v1beta1}, plural {@code canaries}):
 * read into the model with the strict manifest reader (the canary carries the object's
 * resourceVersion), and the engine's {@link StatusStore}: the status is written through the status
 * subresource in one JSON Patch guarded by the uid and the resourceVersion that was read, so a
 * decision made from a stale read is refused instead of overwriting a newer one.
 */
public final class CanaryResources implements StatusStore {
  private static final Logger LOG = LoggerFactory.getLogger(CanaryResources.class);
  private static final int UNPROCESSABLE = 422;

  private final KubernetesClient client;
  private final KubernetesInformers informers;
  /**
   * Canaries read by version: a tick that finds its Canary unchanged in the cache (an idle canary,
   * or one whose status nobody wrote) does not convert and read it again. An invalid one is never
   * remembered, so it is reported on every tick.
   */
  private final VersionMemo<CanaryDocument> documents = new VersionMemo<>(VersionMemo.DEFAULT_SIZE);

  private CanaryResources(KubernetesClient client, KubernetesInformers informers) {
    this.client = Objects.requireNonNull(client, "client");
    this.informers = informers;
  }

  public static CanaryResources create(KubernetesClient client) {
    return new CanaryResources(client, null);
  }

  /**
   * Reads Canaries from the informer cache instead of GETs (a status write is still guarded by
   * the resourceVersion read, so a decision made from a stale cache is refused, never applied).
   */
  public static CanaryResources create(KubernetesClient client, KubernetesInformers informers) {
    return new CanaryResources(client, Objects.requireNonNull(informers, "informers"));
  }

  /**
   * The stored canary and its status ({@link CanaryStatus#initial()} when it has none), or empty
   * when it does not exist.
   *
   * @throws ManifestException when the object is not a valid Canary (every problem, with paths)
   * @throws io.canaryanalysis.api.ProviderException when the API call fails
   */
  public Optional<CanaryDocument> read(String namespace, String name) {
    GenericKubernetesResource resource = get(namespace, name);
    return resource == null ? Optional.empty() : Optional.of(toDocument(resource));
  }

  /**
   * The stored object as it is, including the server-managed metadata the manifest reader skips
   * (finalizers, deletionTimestamp); null when it does not exist.
   */
  GenericKubernetesResource get(String namespace, String name) {
    if (informers != null && informers.covers(namespace)) {
      return informers.canary(namespace, name);
    }
    return live(namespace, name);
  }

  /** A GET of the stored object, whatever is cached. */
  GenericKubernetesResource live(String namespace, String name) {
    try {
      return client.genericKubernetesResources(FlaggerKinds.CANARY).inNamespace(namespace)
          .withName(name).get();
    } catch (KubernetesClientException e) {
      throw KubeCalls.failure("canary " + KubeCalls.key(name, namespace), "get", e);
    }
  }

  static boolean hasFinalizer(GenericKubernetesResource resource, String finalizer) {
    List<String> finalizers = resource.getMetadata().getFinalizers();
    return finalizers != null && finalizers.contains(finalizer);
  }

  static boolean isBeingDeleted(GenericKubernetesResource resource) {
    String deletion = resource.getMetadata().getDeletionTimestamp();
    return deletion != null && !deletion.isEmpty();
  }

  /**
   * Adds {@code finalizer} to the stored object with one JSON Patch (never a merge patch, which
   * would replace or, on the mock server, append the list): appended to an existing list, or a new
   * list guarded by the resourceVersion that was read so a concurrent writer's finalizer is not
   * overwritten. Returns whether it was added; a lost race or a deleted object is retried on the
   * next pass.
   */
  boolean addFinalizer(GenericKubernetesResource resource, String finalizer) {
    if (hasFinalizer(resource, finalizer)) {
      return false;
    }
    List<Map<String, Object>> patch = new ArrayList<>();
    guardUid(resource, patch);
    List<String> finalizers = resource.getMetadata().getFinalizers();
    if (finalizers == null || finalizers.isEmpty()) {
      patch.add(operation("test", "/metadata/resourceVersion", resource.getMetadata().getResourceVersion()));
      patch.add(operation("add", "/metadata/finalizers", List.of(finalizer)));
    } else {
      patch.add(operation("add", "/metadata/finalizers/-", finalizer));
    }
    return patchMetadata(resource, patch, "add finalizer " + finalizer);
  }

  /**
   * Removes {@code finalizer} from the stored object with one JSON Patch that first tests the
   * entry at its index, so the list is never rewritten from a stale copy. Removing the last
   * finalizer of an object being deleted lets the API server delete it. Returns whether it was
   * removed.
   */
  boolean removeFinalizer(GenericKubernetesResource resource, String finalizer) {
    List<String> finalizers = resource.getMetadata().getFinalizers();
    int index = finalizers == null ? -1 : finalizers.indexOf(finalizer);
    if (index < 0) {
      return false;
    }
    List<Map<String, Object>> patch = new ArrayList<>();
    guardUid(resource, patch);
    patch.add(operation("test", "/metadata/finalizers/" + index, finalizer));
    patch.add(operation("remove", "/metadata/finalizers/" + index, null));
    return patchMetadata(resource, patch, "remove finalizer " + finalizer);
  }

  private static void guardUid(GenericKubernetesResource resource, List<Map<String, Object>> patch) {
    if (resource.getMetadata().getUid() != null) {
      patch.add(operation("test", "/metadata/uid", resource.getMetadata().getUid()));
    }
  }

  private boolean patchMetadata(GenericKubernetesResource resource, List<Map<String, Object>> patch,
      String what) {
    String namespace = resource.getMetadata().getNamespace();
    String name = resource.getMetadata().getName();
    String json = client.getKubernetesSerialization().asJson(patch);
    try {
      GenericKubernetesResource patched = client.genericKubernetesResources(FlaggerKinds.CANARY)
          .inNamespace(namespace).withName(name).patch(PatchContext.of(PatchType.JSON), json);
      if (informers != null) {
        informers.writtenCanary(patched);
      }
      LOG.info("canary {}: {}", KubeCalls.key(name, namespace), what);
      return true;
    } catch (KubernetesClientException e) {
      int code = e.getCode();
      if (code == KubeCalls.NOT_FOUND || code == KubeCalls.CONFLICT || code == UNPROCESSABLE) {
        LOG.info("canary {} changed or is gone; {} is retried on the next pass (HTTP {})",
            KubeCalls.key(name, namespace), what, code);
        return false;
      }
      throw KubeCalls.failure("canary " + KubeCalls.key(name, namespace) + " metadata", "patch", e);
    }
  }

  /** The stored Canary objects of one namespace, or of all when {@code namespace} is null. */
  List<GenericKubernetesResource> list(String namespace) {
    if (informers != null && informers.covers(namespace)) {
      return informers.canaries(namespace);
    }
    try {
      var operation = client.genericKubernetesResources(FlaggerKinds.CANARY);
      return namespace == null
          ? operation.inAnyNamespace().list().getItems()
          : operation.inNamespace(namespace).list().getItems();
    } catch (KubernetesClientException e) {
      throw KubeCalls.failure("canaries in " + (namespace == null ? "all namespaces" : namespace),
          "list", e);
    }
  }

  CanaryDocument toDocument(GenericKubernetesResource resource) {
    return documents.get(resource, this::read);
  }

  private CanaryDocument read(GenericKubernetesResource resource) {
    @SuppressWarnings("unchecked")
    Map<String, Object> tree = client.getKubernetesSerialization().convertValue(resource, Map.class);
    String version = resource.getMetadata().getResourceVersion();
    CanaryDocument document;
    try {
      document = CanaryManifests.readCanary(tree);
    } catch (ManifestException e) {
      // The partial canary carries the version read too, so its status can still be written.
      throw e.partial().map(partial -> new ManifestException(e.problems(), stored(partial, version)))
          .orElse(e);
    }
    return stored(document, version);
  }

  /** {@code document} as stored at {@code version}, with the initial status when it has none. */
  static CanaryDocument stored(CanaryDocument document, String version) {
    return new CanaryDocument(document.canary().withResourceVersion(version),
        document.status() == null ? CanaryStatus.initial() : document.status(), document.notices());
  }

  /**
   * Writes {@code next} as the canary's status if the stored object still has the canary's uid and
   * {@link Canary#resourceVersion()} (any version when it is null). A failed guard (HTTP 422), a
   * conflict (409) or a canary that is gone (404) is a lost race: empty.
   *
   * @throws io.canaryanalysis.api.ProviderException when the API call fails otherwise
   */
  @Override
  public Optional<String> compareAndSet(Canary canary, CanaryStatus next) {
    Objects.requireNonNull(next, "next");
    // A PUT of the status subresource: the API server refuses it with 409 when the object moved
    // past the resourceVersion read (a JSON Patch "test" would do too, but the mock server used in
    // the tests ignores "test" operations), and ignores everything but the status.
    GenericKubernetesResource body = new GenericKubernetesResource();
    body.setApiVersion(Canary.API_VERSION);
    body.setKind(Canary.KIND);
    body.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
        .withName(canary.name()).withNamespace(canary.namespace()).withUid(canary.uid())
        .withResourceVersion(canary.resourceVersion()).build());
    body.setAdditionalProperty("status", CanaryManifests.statusToTree(next));
    try {
      GenericKubernetesResource written = client.genericKubernetesResources(FlaggerKinds.CANARY)
          .inNamespace(canary.namespace()).resource(body).updateStatus();
      if (informers != null) {
        informers.writtenCanary(written);
      }
      return Optional.of(written.getMetadata().getResourceVersion());
    } catch (KubernetesClientException e) {
      int code = e.getCode();
      if (code == KubeCalls.NOT_FOUND || code == KubeCalls.CONFLICT || code == UNPROCESSABLE) {
        LOG.info("canary {} changed, is gone or was re-created since it was read; status not written (HTTP {})",
            canary.key(), code);
        return Optional.empty();
      }
      throw KubeCalls.failure("canary " + canary.key() + " status", "update", e);
    }
  }

  private static Map<String, Object> operation(String op, String path, Object value) {
    Map<String, Object> operation = new LinkedHashMap<>();
    operation.put("op", op);
    operation.put("path", path);
    if (!"remove".equals(op)) {
      operation.put("value", value);
    }
    return operation;
  }
}
