package io.canaryanalysis.manifest;

import java.util.Map;

/** {@code metadata} of a manifest: the parts the model keeps. */
record Metadata(String name, String namespace, String uid, Map<String, String> labels,
    Map<String, String> annotations) {

  /**
   * Fields the API server manages. They describe the stored object, not the canary, so they are
   * read past rather than reported (a {@code kubectl get -o yaml} dump loads as is).
   */
  private static final String[] SERVER_MANAGED = {
      "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink",
      "deletionTimestamp", "deletionGracePeriodSeconds", "finalizers", "ownerReferences",
      "generateName"};

  /** Reads {@code metadata}; a blank name (with problems reported) when it is missing or has no name. */
  static Metadata read(Fields doc, String defaultNamespace) {
    if (!doc.has("metadata")) {
      doc.take("metadata");
      doc.required("metadata");
      return new Metadata("", defaultNamespace, null, Map.of(), Map.of());
    }
    Fields meta = doc.object("metadata");
    if (meta == null) {
      return new Metadata("", defaultNamespace, null, Map.of(), Map.of());
    }
    String name = meta.requiredString("name");
    String namespace = meta.string("namespace");
    String uid = meta.string("uid");
    Map<String, String> labels = meta.stringMap("labels");
    Map<String, String> annotations = meta.stringMap("annotations");
    meta.skip(SERVER_MANAGED);
    meta.finish();
    if (name == null) {
      name = "";
    } else if (name.isBlank()) {
      meta.error("name", "must not be empty");
    }
    return new Metadata(name, namespace == null || namespace.isBlank() ? defaultNamespace : namespace,
        uid, labels, annotations);
  }
}
