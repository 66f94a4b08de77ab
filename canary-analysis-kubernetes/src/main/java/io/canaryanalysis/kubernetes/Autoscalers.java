package io.canaryanalysis.kubernetes;

import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.spec.AutoscalerRef;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.ScalerReplicas;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.autoscaling.v2.CrossVersionObjectReference;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerSpec;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code spec.autoscalerRef}, as Flagger's {@code HPAReconciler} and {@code ScaledObjectReconciler}
 * do it: a primary autoscaler {@code <autoscaler>-primary} whose scale target is
 * {@code <target>-primary}, created when the primary is and brought in line with the canary's
 * autoscaler on every promotion (never before, so an unanalysed autoscaler change cannot reach the
 * primary). The canary's own autoscaler stays on the target; a KEDA ScaledObject on the target is
 * paused while the target is scaled to zero, as Flagger does.
 *
 * <p>HorizontalPodAutoscalers are read and written as {@code autoscaling/v2} whatever
 * {@code autoscalerRef.apiVersion} says (as Flagger does); ScaledObjects as
 * {@code keda.sh/v1alpha1}, kept whole as generic resources so no field is lost.
 */
final class Autoscalers {
  private static final Logger LOG = LoggerFactory.getLogger(Autoscalers.class);
  static final String HPA = "HorizontalPodAutoscaler";
  static final String SCALED_OBJECT = "ScaledObject";
  /** KEDA's annotation that holds a ScaledObject's target at a fixed replica count. */
  static final String KEDA_PAUSED_REPLICAS = "autoscaling.keda.sh/paused-replicas";
  /** On the primary autoscaler: its floor before the engine raised it ({@code ""} for none). */
  static final String ORIGINAL_MIN_ANNOTATION = "canary-analysis.io/original-min-replicas";
  /** On the primary autoscaler: the floor the engine raised it to, so traffic can move to the primary. */
  static final String CAPACITY_FLOOR_ANNOTATION = "canary-analysis.io/capacity-floor";
  static final ResourceDefinitionContext SCALED_OBJECTS = new ResourceDefinitionContext.Builder()
      .withGroup("keda.sh").withVersion("v1alpha1").withKind(SCALED_OBJECT)
      .withPlural("scaledobjects").withNamespaced(true).build();
  /** The ScaledObject spec fields Flagger copies to the primary's. */
  private static final List<String> SCALED_OBJECT_FIELDS = List.of("pollingInterval",
      "cooldownPeriod", "minReplicaCount", "maxReplicaCount", "advanced", "triggers", "fallback",
      "idleReplicaCount");

  private final KubeCalls calls;
  private final int maxConflictRetries;

  Autoscalers(KubeCalls calls, int maxConflictRetries) {
    this.calls = calls;
    this.maxConflictRetries = maxConflictRetries;
  }

  /**
   * Creates the primary's autoscaler when it is missing; when {@code copySpec} (a promotion) also
   * brings an existing one in line with the canary's. Nothing without an autoscalerRef.
   */
  void reconcilePrimary(Canary canary, boolean copySpec) {
    AutoscalerRef ref = canary.spec().autoscalerRef();
    if (ref == null) {
      return;
    }
    if (isScaledObject(ref)) {
      reconcilePrimaryScaledObject(canary, ref, copySpec);
    } else {
      reconcilePrimaryHpa(canary, ref, copySpec);
    }
  }

  /** The replicas a target scaled up from zero starts with under its autoscaler, or null. */
  Integer minReplicas(Canary canary) {
    AutoscalerRef ref = canary.spec().autoscalerRef();
    if (ref == null) {
      return null;
    }
    if (isScaledObject(ref)) {
      Object min = spec(targetScaledObject(canary, ref)).get("minReplicaCount");
      return min instanceof Number n && n.intValue() > 0 ? n.intValue() : null;
    }
    HorizontalPodAutoscaler hpa = targetHpa(canary, ref);
    Integer min = hpa.getSpec().getMinReplicas();
    return min != null && min > 1 ? min : null;
  }

  /** Holds a KEDA target at zero while the canary is idle (Flagger's {@code PauseTargetScaler}). */
  void pauseTarget(Canary canary) {
    setTargetPaused(canary, true);
  }

  /** Releases a paused KEDA target for a new run (Flagger's {@code ResumeTargetScaler}). */
  void resumeTarget(Canary canary) {
    setTargetPaused(canary, false);
  }

  private void setTargetPaused(Canary canary, boolean paused) {
    AutoscalerRef ref = canary.spec().autoscalerRef();
    if (ref == null || !isScaledObject(ref)) {
      return;
    }
    writeScaledObject(canary, ref.name(), false, null, so -> {
      Map<String, String> annotations = new LinkedHashMap<>(
          ConfigTracker.orEmpty(so.getMetadata().getAnnotations()));
      boolean changed = paused
          ? !"0".equals(annotations.put(KEDA_PAUSED_REPLICAS, "0"))
          : annotations.remove(KEDA_PAUSED_REPLICAS) != null;
      so.getMetadata().setAnnotations(ConfigTracker.nullIfEmpty(annotations));
      return changed;
    });
  }

  /**
   * The primary autoscaler's bounds and the floor the engine raised, or null without an
   * autoscalerRef or before the primary autoscaler exists.
   *
   * @param maxReplicas the most replicas it may give the primary
   * @param raisedFloor the floor {@link #raiseFloor} set, or null when none is raised
   */
  record PrimaryScaler(int maxReplicas, Integer raisedFloor) {}

  PrimaryScaler primaryScaler(Canary canary) {
    AutoscalerRef ref = canary.spec().autoscalerRef();
    if (ref == null) {
      return null;
    }
    if (isScaledObject(ref)) {
      GenericKubernetesResource so = getScaledObject(canary, primaryName(ref));
      if (so == null) {
        return null;
      }
      Object max = spec(so).get("maxReplicaCount");
      return new PrimaryScaler(max instanceof Number n ? n.intValue() : 100, // KEDA's default
          floor(so.getMetadata().getAnnotations()));
    }
    String name = primaryName(ref);
    HorizontalPodAutoscaler hpa = calls.get(HorizontalPodAutoscaler.class, canary.namespace(), name,
        "HorizontalPodAutoscaler " + KubeCalls.key(name, canary.namespace()));
    if (hpa == null || hpa.getSpec() == null) {
      return null;
    }
    Integer max = hpa.getSpec().getMaxReplicas();
    return new PrimaryScaler(max == null ? Integer.MAX_VALUE : max, floor(hpa.getMetadata().getAnnotations()));
  }

  /**
   * Raises the primary autoscaler's floor to {@code needed} (capped by its maximum, never below its
   * own floor), keeping the original in {@value #ORIGINAL_MIN_ANNOTATION} so {@link #restoreFloor}
   * is idempotent and survives a crash. A floor already raised is kept (and put back if something
   * lowered it). Returns the raised floor, or null without a primary autoscaler.
   */
  Integer raiseFloor(Canary canary, int needed) {
    AutoscalerRef ref = canary.spec().autoscalerRef();
    if (ref == null) {
      return null;
    }
    Integer[] floor = new Integer[1];
    String name = primaryName(ref);
    if (isScaledObject(ref)) {
      if (getScaledObject(canary, name) == null) {
        return null;
      }
      writeScaledObject(canary, name, false, null, so -> {
        Map<String, Object> spec = new LinkedHashMap<>(spec(so));
        Integer min = spec.get("minReplicaCount") instanceof Number n ? n.intValue() : null;
        int max = spec.get("maxReplicaCount") instanceof Number n ? n.intValue() : 100;
        boolean changed = raise(so.getMetadata(), min, max, needed, floor);
        if (!Objects.equals(min, floor[0])) {
          spec.put("minReplicaCount", floor[0]);
          so.setAdditionalProperty("spec", spec);
          changed = true;
        }
        return changed;
      });
      return floor[0];
    }
    String what = "HorizontalPodAutoscaler " + KubeCalls.key(name, canary.namespace());
    if (calls.get(HorizontalPodAutoscaler.class, canary.namespace(), name, what) == null) {
      return null;
    }
    calls.update(HorizontalPodAutoscaler.class, canary.namespace(), name, what, hpa -> {
      Integer min = hpa.getSpec().getMinReplicas();
      Integer max = hpa.getSpec().getMaxReplicas();
      boolean changed = raise(hpa.getMetadata(), min, max == null ? Integer.MAX_VALUE : max, needed, floor);
      if (!Objects.equals(min, floor[0])) {
        hpa.getSpec().setMinReplicas(floor[0]);
        changed = true;
      }
      if (changed) {
        LOG.info("Raised the floor of {} to {} replicas for canary {}", what, floor[0], canary.key());
      }
      return changed;
    });
    return floor[0];
  }

  /** Records the raise on {@code meta} (once) and puts the floor in {@code floor[0]}. */
  private static boolean raise(io.fabric8.kubernetes.api.model.ObjectMeta meta, Integer min, int max,
      int needed, Integer[] floor) {
    Integer raised = floor(meta.getAnnotations());
    if (raised != null) {
      floor[0] = Math.max(raised, min == null ? 0 : min);
      return false;
    }
    floor[0] = Math.max(Math.min(needed, max), min == null ? 1 : min);
    Map<String, String> annotations = new LinkedHashMap<>(ConfigTracker.orEmpty(meta.getAnnotations()));
    annotations.put(ORIGINAL_MIN_ANNOTATION, min == null ? "" : Integer.toString(min));
    annotations.put(CAPACITY_FLOOR_ANNOTATION, Integer.toString(floor[0]));
    meta.setAnnotations(annotations);
    return true;
  }

  /** Puts the floor {@link #raiseFloor} raised back to the original, and forgets the raise. Idempotent. */
  void restoreFloor(Canary canary) {
    AutoscalerRef ref = canary.spec().autoscalerRef();
    if (ref == null) {
      return;
    }
    String name = primaryName(ref);
    if (isScaledObject(ref)) {
      GenericKubernetesResource current = getScaledObject(canary, name);
      if (current == null || floor(current.getMetadata().getAnnotations()) == null) {
        return;
      }
      writeScaledObject(canary, name, false, null, so -> {
        Map<String, String> annotations = ConfigTracker.orEmpty(so.getMetadata().getAnnotations());
        if (!annotations.containsKey(CAPACITY_FLOOR_ANNOTATION)) {
          return false;
        }
        Integer original = original(annotations);
        Map<String, Object> spec = new LinkedHashMap<>(spec(so));
        if (original == null) {
          spec.remove("minReplicaCount");
        } else {
          spec.put("minReplicaCount", original);
        }
        so.setAdditionalProperty("spec", spec);
        forget(so.getMetadata());
        return true;
      });
      return;
    }
    String what = "HorizontalPodAutoscaler " + KubeCalls.key(name, canary.namespace());
    HorizontalPodAutoscaler current = calls.get(HorizontalPodAutoscaler.class, canary.namespace(), name, what);
    if (current == null || floor(current.getMetadata().getAnnotations()) == null) {
      return;
    }
    calls.update(HorizontalPodAutoscaler.class, canary.namespace(), name, what, hpa -> {
      Map<String, String> annotations = ConfigTracker.orEmpty(hpa.getMetadata().getAnnotations());
      if (!annotations.containsKey(CAPACITY_FLOOR_ANNOTATION)) {
        return false;
      }
      hpa.getSpec().setMinReplicas(original(annotations));
      forget(hpa.getMetadata());
      LOG.info("Restored the floor of {} to {} for canary {}", what, hpa.getSpec().getMinReplicas(),
          canary.key());
      return true;
    });
  }

  private static Integer floor(Map<String, String> annotations) {
    return parse(ConfigTracker.orEmpty(annotations).get(CAPACITY_FLOOR_ANNOTATION));
  }

  private static Integer original(Map<String, String> annotations) {
    return parse(annotations.get(ORIGINAL_MIN_ANNOTATION));
  }

  private static Integer parse(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** A promotion copied a new floor while one is raised: that copy is what restoring puts back. */
  private static boolean keepOriginal(io.fabric8.kubernetes.api.model.ObjectMeta meta, Integer copied) {
    Map<String, String> annotations = new LinkedHashMap<>(ConfigTracker.orEmpty(meta.getAnnotations()));
    String value = copied == null ? "" : Integer.toString(copied);
    if (value.equals(annotations.put(ORIGINAL_MIN_ANNOTATION, value))) {
      return false;
    }
    meta.setAnnotations(annotations);
    return true;
  }

  private static void forget(io.fabric8.kubernetes.api.model.ObjectMeta meta) {
    Map<String, String> annotations = new LinkedHashMap<>(ConfigTracker.orEmpty(meta.getAnnotations()));
    annotations.remove(CAPACITY_FLOOR_ANNOTATION);
    annotations.remove(ORIGINAL_MIN_ANNOTATION);
    meta.setAnnotations(ConfigTracker.nullIfEmpty(annotations));
  }

  static boolean isScaledObject(AutoscalerRef ref) {
    return SCALED_OBJECT.equals(ref.kind());
  }

  static String primaryName(AutoscalerRef ref) {
    return ref.name() + "-primary";
  }

  // HorizontalPodAutoscaler -------------------------------------------------------------------

  private HorizontalPodAutoscaler targetHpa(Canary canary, AutoscalerRef ref) {
    String what = "HorizontalPodAutoscaler " + KubeCalls.key(ref.name(), canary.namespace());
    HorizontalPodAutoscaler hpa = calls.get(HorizontalPodAutoscaler.class, canary.namespace(),
        ref.name(), what);
    if (hpa == null) {
      throw new ProviderException(what + " (spec.autoscalerRef) not found", true);
    }
    if (hpa.getSpec() == null || hpa.getSpec().getScaleTargetRef() == null) {
      throw new ProviderException(what + " has no spec.scaleTargetRef", false);
    }
    return hpa;
  }

  /** The primary's HPA spec: the canary's, aimed at the primary, with primaryScalerReplicas. */
  private HorizontalPodAutoscalerSpec primaryHpaSpec(Canary canary, AutoscalerRef ref,
      HorizontalPodAutoscaler hpa) {
    HorizontalPodAutoscalerSpec source = calls.client().getKubernetesSerialization().clone(hpa.getSpec());
    CrossVersionObjectReference target = source.getScaleTargetRef();
    HorizontalPodAutoscalerSpec spec = new HorizontalPodAutoscalerSpec();
    spec.setScaleTargetRef(new CrossVersionObjectReference(target.getApiVersion(), target.getKind(),
        canary.spec().targetRef().name() + "-primary"));
    spec.setMinReplicas(source.getMinReplicas());
    spec.setMaxReplicas(source.getMaxReplicas());
    spec.setMetrics(source.getMetrics());
    spec.setBehavior(source.getBehavior());
    ScalerReplicas replicas = ref.primaryScalerReplicas();
    if (replicas != null) {
      if (replicas.minReplicas() != null) {
        spec.setMinReplicas(replicas.minReplicas());
      }
      if (replicas.maxReplicas() != null) {
        spec.setMaxReplicas(replicas.maxReplicas());
      }
    }
    return spec;
  }

  private void reconcilePrimaryHpa(Canary canary, AutoscalerRef ref, boolean copySpec) {
    HorizontalPodAutoscaler hpa = targetHpa(canary, ref);
    HorizontalPodAutoscalerSpec spec = primaryHpaSpec(canary, ref, hpa);
    Map<String, String> labels = DeploymentWorkload.filterMetadata(hpa.getMetadata().getLabels());
    String name = primaryName(ref);
    String what = "HorizontalPodAutoscaler " + KubeCalls.key(name, canary.namespace());
    calls.createOrUpdate(HorizontalPodAutoscaler.class, canary.namespace(), name, what,
        () -> {
          List<OwnerReference> owners = KubeCalls.owners(null, canary);
          return new HorizontalPodAutoscalerBuilder()
              .withMetadata(new ObjectMetaBuilder()
                  .withName(name)
                  .withNamespace(canary.namespace())
                  .withLabels(ConfigTracker.nullIfEmpty(labels))
                  .withOwnerReferences(owners.isEmpty() ? null : owners)
                  .build())
              .withSpec(spec)
              .build();
        },
        current -> {
          if (!copySpec) {
            return false;
          }
          boolean changed = false;
          Integer floor = floor(current.getMetadata().getAnnotations());
          HorizontalPodAutoscalerSpec wanted = spec;
          if (floor != null) {
            // A raised floor outlives the promotion's copy: the copied floor becomes the original.
            wanted = calls.client().getKubernetesSerialization().clone(spec);
            wanted.setMinReplicas(Math.max(floor, spec.getMinReplicas() == null ? 1 : spec.getMinReplicas()));
            changed |= keepOriginal(current.getMetadata(), spec.getMinReplicas());
          }
          if (!Objects.equals(current.getSpec(), wanted)) {
            current.setSpec(wanted);
            changed = true;
          }
          if (!labels.equals(ConfigTracker.orEmpty(current.getMetadata().getLabels()))) {
            current.getMetadata().setLabels(ConfigTracker.nullIfEmpty(labels));
            changed = true;
          }
          return changed;
        });
  }

  // KEDA ScaledObject -------------------------------------------------------------------------

  private GenericKubernetesResource targetScaledObject(Canary canary, AutoscalerRef ref) {
    GenericKubernetesResource so = getScaledObject(canary, ref.name());
    if (so == null) {
      throw new ProviderException("ScaledObject " + KubeCalls.key(ref.name(), canary.namespace())
          + " (spec.autoscalerRef) not found", true);
    }
    return so;
  }

  /** From the informer cache when ScaledObjects are cached, else a GET. */
  private GenericKubernetesResource getScaledObject(Canary canary, String name) {
    return calls.scaledObject(canary.namespace(), name, false);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> spec(GenericKubernetesResource so) {
    Object spec = so.getAdditionalProperties().get("spec");
    return spec instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  /**
   * The primary ScaledObject's spec as Flagger builds it: the canary's fields, the scale target
   * aimed at the primary, the generated HPA's name suffixed {@code -primary}, and each trigger's
   * {@code query} taken from {@code primaryScalerQueries} or rewritten from the canary's names.
   */
  @SuppressWarnings("unchecked")
  Map<String, Object> primaryScaledObjectSpec(Canary canary, AutoscalerRef ref,
      GenericKubernetesResource target) {
    Map<String, Object> source = calls.client().getKubernetesSerialization().clone(
        new LinkedHashMap<>(spec(target)));
    String targetName = canary.spec().targetRef().name();
    Map<String, Object> spec = new LinkedHashMap<>();
    Map<String, Object> scaleTarget = source.get("scaleTargetRef") instanceof Map<?, ?> m
        ? (Map<String, Object>) m : Map.of();
    Map<String, Object> primaryTarget = new LinkedHashMap<>();
    primaryTarget.put("name", targetName + "-primary");
    for (String key : List.of("kind", "apiVersion", "envSourceContainerName")) {
      if (scaleTarget.get(key) != null) {
        primaryTarget.put(key, scaleTarget.get(key));
      }
    }
    spec.put("scaleTargetRef", primaryTarget);
    for (String field : SCALED_OBJECT_FIELDS) {
      if (source.get(field) != null) {
        spec.put(field, source.get(field));
      }
    }
    if (spec.get("advanced") instanceof Map<?, ?> advanced
        && advanced.get("horizontalPodAutoscalerConfig") instanceof Map<?, ?> hpaConfig
        && hpaConfig.get("name") instanceof String hpaName && !hpaName.isEmpty()) {
      ((Map<String, Object>) hpaConfig).put("name", hpaName + "-primary");
    }
    if (spec.get("triggers") instanceof List<?> triggers) {
      for (Object t : triggers) {
        if (t instanceof Map<?, ?> trigger && trigger.get("metadata") instanceof Map<?, ?> metadata) {
          primaryQuery(canary, ref, trigger.get("name"), (Map<String, Object>) metadata);
        }
      }
    }
    ScalerReplicas replicas = ref.primaryScalerReplicas();
    if (replicas != null) {
      if (replicas.minReplicas() != null) {
        spec.put("minReplicaCount", replicas.minReplicas());
      }
      if (replicas.maxReplicas() != null) {
        spec.put("maxReplicaCount", replicas.maxReplicas());
      }
    }
    return spec;
  }

  private static void primaryQuery(Canary canary, AutoscalerRef ref, Object triggerName,
      Map<String, Object> metadata) {
    if (!ref.primaryScalerQueries().isEmpty()) {
      String query = triggerName == null ? null : ref.primaryScalerQueries().get(triggerName.toString());
      if (query != null) {
        metadata.put("query", query);
      }
      return;
    }
    if (metadata.get("query") instanceof String query) {
      String target = canary.spec().targetRef().name();
      String placeholder = "\u0000canary\u0000";
      String replaced = query.replace(target + "-canary", placeholder)
          .replace(target, target + "-primary")
          .replace(placeholder, target + "-primary");
      metadata.put("query", replaced);
    }
  }

  private void reconcilePrimaryScaledObject(Canary canary, AutoscalerRef ref, boolean copySpec) {
    GenericKubernetesResource target = targetScaledObject(canary, ref);
    Map<String, Object> spec = primaryScaledObjectSpec(canary, ref, target);
    String name = primaryName(ref);
    Map<String, String> labels = DeploymentWorkload.filterMetadata(target.getMetadata().getLabels());
    Map<String, String> annotations = DeploymentWorkload.filterMetadata(target.getMetadata().getAnnotations());
    annotations.remove(KEDA_PAUSED_REPLICAS);
    writeScaledObject(canary, name, true,
        () -> {
          GenericKubernetesResource so = new GenericKubernetesResource();
          so.setApiVersion("keda.sh/v1alpha1");
          so.setKind(SCALED_OBJECT);
          List<OwnerReference> owners = KubeCalls.owners(null, canary);
          so.setMetadata(new ObjectMetaBuilder()
              .withName(name)
              .withNamespace(canary.namespace())
              .withLabels(ConfigTracker.nullIfEmpty(labels))
              .withAnnotations(ConfigTracker.nullIfEmpty(annotations))
              .withOwnerReferences(owners.isEmpty() ? null : owners)
              .build());
          so.setAdditionalProperty("spec", spec);
          return so;
        },
        current -> {
          if (!copySpec) {
            return false;
          }
          Integer floor = floor(current.getMetadata().getAnnotations());
          Map<String, Object> wanted = spec;
          boolean changed = false;
          if (floor != null) {
            wanted = new LinkedHashMap<>(spec);
            Integer copied = spec.get("minReplicaCount") instanceof Number n ? n.intValue() : null;
            wanted.put("minReplicaCount", Math.max(floor, copied == null ? 0 : copied));
            changed = keepOriginal(current.getMetadata(), copied);
          }
          if (wanted.equals(spec(current))) {
            return changed;
          }
          current.setAdditionalProperty("spec", wanted);
          return true;
        });
  }

  /** Create-or-update of a ScaledObject guarded by its resourceVersion, retried after a conflict. */
  private void writeScaledObject(Canary canary, String name, boolean mayCreate,
      java.util.function.Supplier<GenericKubernetesResource> create,
      Predicate<GenericKubernetesResource> change) {
    String what = "ScaledObject " + KubeCalls.key(name, canary.namespace());
    var resources = calls.client().genericKubernetesResources(SCALED_OBJECTS).inNamespace(canary.namespace());
    for (int attempt = 0; ; attempt++) {
      // The first attempt may decide from the cache; after a conflict the cache lags: read live.
      GenericKubernetesResource current = calls.scaledObject(canary.namespace(), name, attempt > 0);
      try {
        if (current == null) {
          if (!mayCreate) {
            throw new ProviderException(what + " (spec.autoscalerRef) not found", true);
          }
          calls.written(resources.resource(create.get()).create());
          LOG.info("Created {} for canary {}", what, canary.key());
          return;
        }
        GenericKubernetesResource copy = calls.client().getKubernetesSerialization().clone(current);
        if (!change.test(copy)) {
          return;
        }
        calls.written(resources.resource(copy).update());
        LOG.info("Updated {} for canary {}", what, canary.key());
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != KubeCalls.CONFLICT || attempt >= maxConflictRetries) {
          throw KubeCalls.failure(what, current == null ? "create" : "update", e);
        }
      }
    }
  }
}
