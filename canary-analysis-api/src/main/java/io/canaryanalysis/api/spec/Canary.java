package io.canaryanalysis.api.spec;

import io.canaryanalysis.api.Redaction;
import java.util.Map;
import java.util.Objects;

/**
 * A Canary object: identity, metadata and spec. The status lives separately
 * ({@link io.canaryanalysis.api.status.CanaryStatus}) because the engine produces a new one each tick.
 *
 * @param uid the Kubernetes UID, used for owner references on generated objects; null when the
 *     canary is not (yet) a stored object, for example in a simulation
 * @param resourceVersion the stored object's version when it was read, the compare-and-set guard of
 *     {@link io.canaryanalysis.api.StatusStore}; null when not stored
 */
public record Canary(
    String name,
    String namespace,
    String uid,
    Map<String, String> labels,
    Map<String, String> annotations,
    CanarySpec spec,
    String resourceVersion) {

  /** Flagger's API version, used for owner references. */
  public static final String API_VERSION = "flagger.app/v1beta1";
  public static final String KIND = "Canary";

  public Canary {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(namespace, "namespace");
    labels = Specs.map(labels);
    annotations = Specs.map(annotations);
    Objects.requireNonNull(spec, "spec");
  }

  /** A canary without a stored version. */
  public Canary(String name, String namespace, String uid, Map<String, String> labels,
      Map<String, String> annotations, CanarySpec spec) {
    this(name, namespace, uid, labels, annotations, spec, null);
  }

  public static Canary of(String name, String namespace, CanarySpec spec) {
    return new Canary(name, namespace, null, Map.of(), Map.of(), spec);
  }

  /**
   * Redacted: annotation values are left out (kubectl's last-applied-configuration holds the
   * whole manifest, webhook URLs included) and the spec prints itself redacted.
   */
  @Override
  public String toString() {
    return "Canary[name=" + name + ", namespace=" + namespace + ", uid=" + uid + ", labels="
        + labels + ", annotations=" + Redaction.headerNames(annotations) + ", spec=" + spec + "]";
  }

  /** {@code name.namespace}, the form Flagger's messages use. */
  public String key() {
    return name + "." + namespace;
  }

  public Canary withSpec(CanarySpec newSpec) {
    return new Canary(name, namespace, uid, labels, annotations, newSpec, resourceVersion);
  }

  /** This canary as stored at {@code version}. */
  public Canary withResourceVersion(String version) {
    return new Canary(name, namespace, uid, labels, annotations, spec, version);
  }
}
