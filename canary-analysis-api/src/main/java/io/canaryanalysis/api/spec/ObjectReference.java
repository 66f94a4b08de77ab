package io.canaryanalysis.api.spec;

import java.util.Objects;

/**
 * A reference to another Kubernetes object in the canary's namespace, such as
 * {@code spec.targetRef} (a Deployment) or {@code spec.ingressRef} (an Ingress).
 */
public record ObjectReference(String apiVersion, String kind, String name) {
  public ObjectReference {
    Objects.requireNonNull(name, "name");
  }

  /** A Deployment reference, the usual {@code targetRef}. */
  public static ObjectReference deployment(String name) {
    return new ObjectReference("apps/v1", "Deployment", name);
  }

  /** A {@code networking.k8s.io/v1} Ingress reference, the usual {@code ingressRef}. */
  public static ObjectReference ingress(String name) {
    return new ObjectReference("networking.k8s.io/v1", "Ingress", name);
  }
}
