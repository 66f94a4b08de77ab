package io.canaryanalysis.josdk;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adds and removes Flagger's finalizer with one JSON Patch each, as {@code CanaryResources} does.
 * Not JOSDK's {@code PrimaryUpdateAndCacheUtils}: it goes through fabric8's
 * {@code HasMetadata.addFinalizer}, which refuses a name without a slash such as
 * {@code finalizer.flagger.app}.
 */
final class Finalizers {
  private static final int NOT_FOUND = 404;
  private static final int CONFLICT = 409;
  private static final int UNPROCESSABLE = 422;

  private Finalizers() {}

  /**
   * The object with {@code finalizer} added (appended to an existing list, or a new list guarded
   * by the resourceVersion read), or null when the object changed or is gone (a lost race, retried
   * by the next reconciliation).
   */
  static CanaryResource add(KubernetesClient client, CanaryResource resource, String finalizer) {
    List<Map<String, Object>> patch = new ArrayList<>();
    guardUid(resource, patch);
    List<String> finalizers = resource.getMetadata().getFinalizers();
    if (finalizers == null || finalizers.isEmpty()) {
      patch.add(operation("test", "/metadata/resourceVersion", resource.getMetadata().getResourceVersion()));
      patch.add(operation("add", "/metadata/finalizers", List.of(finalizer)));
    } else {
      patch.add(operation("add", "/metadata/finalizers/-", finalizer));
    }
    return patch(client, resource, patch);
  }

  /**
   * The object with {@code finalizer} removed (the entry is tested at its index first, so the list
   * is never rewritten from a stale copy), or null when the object changed or is gone.
   */
  static CanaryResource remove(KubernetesClient client, CanaryResource resource, String finalizer) {
    List<String> finalizers = resource.getMetadata().getFinalizers();
    int index = finalizers == null ? -1 : finalizers.indexOf(finalizer);
    if (index < 0) {
      return resource;
    }
    List<Map<String, Object>> patch = new ArrayList<>();
    guardUid(resource, patch);
    patch.add(operation("test", "/metadata/finalizers/" + index, finalizer));
    patch.add(operation("remove", "/metadata/finalizers/" + index, null));
    return patch(client, resource, patch);
  }

  private static CanaryResource patch(KubernetesClient client, CanaryResource resource,
      List<Map<String, Object>> patch) {
    try {
      return client.resources(CanaryResource.class).inNamespace(resource.getMetadata().getNamespace())
          .withName(resource.getMetadata().getName())
          .patch(PatchContext.of(PatchType.JSON), client.getKubernetesSerialization().asJson(patch));
    } catch (KubernetesClientException e) {
      int code = e.getCode();
      if (code == NOT_FOUND || code == CONFLICT || code == UNPROCESSABLE) {
        return null;
      }
      throw e;
    }
  }

  private static void guardUid(CanaryResource resource, List<Map<String, Object>> patch) {
    if (resource.getMetadata().getUid() != null) {
      patch.add(operation("test", "/metadata/uid", resource.getMetadata().getUid()));
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
