package io.canaryanalysis.kubernetes;

import io.canaryanalysis.api.PrimaryCapacity;
import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.Readiness;
import io.canaryanalysis.api.Workload;
import io.canaryanalysis.api.WorkloadSnapshot;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.PodAntiAffinity;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Deployment target and its {@code <target>-primary} copy, managed as Flagger's
 * {@code DeploymentController} does (flagger.md §2.3, §2.6, §2.10, §2.11), plus the three
 * ClusterIP Services of §5.2.
 *
 * <ul>
 *   <li>The pod selector label is the first of {@code app}, {@code name},
 *       {@code app.kubernetes.io/name} (configurable) in the target's
 *       {@code spec.selector.matchLabels}; the primary selects {@code <label>: <value>-primary}.
 *   <li>The revision is a SHA-256 of the target's pod template as canonical JSON (keys sorted,
 *       nulls dropped), first 16 hex digits; it is not Flagger's FNV hash.
 *   <li>ConfigMaps and Secrets the template references are tracked (checksums as Flagger's) and
 *       copied to {@code -primary} objects when the primary is created and on promotion, never
 *       before, so an unanalysed config change cannot reach the primary.
 *   <li>Instead of Flagger's random {@code flagger-id}, the primary's pod template carries a
 *       {@code flagger-id} derived from the revision and the config checksums, so a promotion of
 *       changed configs rolls the primary and a repeated promotion is a no-op.
 *   <li>Before scaling the target to zero its replicas are kept in the annotation
 *       {@value #REPLICAS_ANNOTATION}; scaling up and promotion restore them.
 *   <li>{@link #revert} (a canary deleted with {@code revertOnDeletion}) points the apex Service
 *       back at the target's pods and releases it from the Canary, so it survives the Canary.
 *   <li>Under an autoscaler the snapshot reports the primary's capacity; before traffic moves back
 *       to it, {@link #prepareCapacity} raises the primary autoscaler's floor (the original kept in
 *       {@code canary-analysis.io/original-min-replicas}) and scales the primary up;
 *       {@link #releaseCapacity} restores the floor once the traffic is on the primary.
 * </ul>
 *
 * <p>Every write is a create or a full update guarded by the resourceVersion that was read,
 * retried on a fresh read after a conflict, and skipped when nothing differs.
 *
 * <p>A {@code targetRef.kind: DaemonSet} target is handled as Flagger's {@code DaemonSetController}
 * does (a {@code <target>-primary} DaemonSet, scaled to zero through a node selector); see
 * {@link #DAEMONSET_SCALE_DOWN_SELECTOR}.
 */
public final class DeploymentWorkload implements Workload {
  private static final Logger LOG = LoggerFactory.getLogger(DeploymentWorkload.class);

  /** Where the target's replicas are kept while it is scaled to zero. */
  public static final String REPLICAS_ANNOTATION = "canary-analysis.io/scaled-down-replicas";
  /** The primary pod-template annotation that changes whenever the primary must roll. */
  public static final String ROLLOUT_ID_ANNOTATION = "flagger-id";
  /** On the primary: the target revision it was last promoted from, so an interrupted promotion is seen. */
  public static final String PROMOTED_REVISION_ANNOTATION = "canary-analysis.io/promoted-revision";
  /**
   * The node selector that empties a DaemonSet target while it is idle (Flagger's
   * {@code flagger.app/scale-to-zero}); it is never part of the revision nor copied to the primary.
   */
  public static final String DAEMONSET_SCALE_DOWN_SELECTOR = "flagger.app/scale-to-zero";
  /** Flagger's default selector labels, in order of preference. */
  public static final List<String> DEFAULT_SELECTOR_LABELS =
      List.of("app", "name", "app.kubernetes.io/name");

  private final KubeCalls calls;
  private final List<String> selectorLabels;
  private final ConfigTracker configTracker;
  private final GeneratedServices services;
  private final Autoscalers autoscalers;
  private final DaemonSetWorkload daemonSets;
  /** Revision hashes by target version: an unchanged target is not serialized and hashed again. */
  private final VersionMemo<String> revisions = new VersionMemo<>(VersionMemo.DEFAULT_SIZE);

  private DeploymentWorkload(Builder b) {
    this.calls = new KubeCalls(b.client, b.maxConflictRetries, b.informers);
    this.selectorLabels = List.copyOf(b.selectorLabels);
    this.configTracker = new ConfigTracker(calls, b.configTracking);
    this.services = new GeneratedServices(calls);
    this.autoscalers = new Autoscalers(calls, b.maxConflictRetries);
    this.daemonSets = new DaemonSetWorkload(this, calls, configTracker, services);
  }

  KubeCalls calls() {
    return calls;
  }

  private static boolean isDaemonSet(Canary canary) {
    return DaemonSetWorkload.KIND.equals(canary.spec().targetRef().kind());
  }

  /** A workload with Flagger's defaults. */
  public static DeploymentWorkload create(KubernetesClient client) {
    return builder(client).build();
  }

  public static Builder builder(KubernetesClient client) {
    return new Builder(client);
  }

  /** Configures a {@link DeploymentWorkload}. */
  public static final class Builder {
    private final KubernetesClient client;
    private List<String> selectorLabels = DEFAULT_SELECTOR_LABELS;
    private boolean configTracking = true;
    private int maxConflictRetries = 4;
    private KubernetesInformers informers;

    private Builder(KubernetesClient client) {
      this.client = Objects.requireNonNull(client, "client");
    }

    /** Reads Deployments, Services, ConfigMaps and Secrets from these caches instead of GETs. */
    public Builder informers(KubernetesInformers informers) {
      this.informers = Objects.requireNonNull(informers, "informers");
      return this;
    }

    /** Selector labels in order of preference (Flagger's {@code -selector-labels}). */
    public Builder selectorLabels(List<String> selectorLabels) {
      if (selectorLabels.isEmpty()) {
        throw new IllegalArgumentException("selectorLabels must not be empty");
      }
      this.selectorLabels = List.copyOf(selectorLabels);
      return this;
    }

    /** Tracks ConfigMaps and Secrets (Flagger's {@code -enable-config-tracking}); default true. */
    public Builder configTracking(boolean configTracking) {
      this.configTracking = configTracking;
      return this;
    }

    /** Retries of a write that conflicted (HTTP 409), each on a fresh read; default 4. */
    public Builder maxConflictRetries(int maxConflictRetries) {
      if (maxConflictRetries < 0) {
        throw new IllegalArgumentException("maxConflictRetries must be 0 or more, got "
            + maxConflictRetries);
      }
      this.maxConflictRetries = maxConflictRetries;
      return this;
    }

    public DeploymentWorkload build() {
      return new DeploymentWorkload(this);
    }
  }

  @Override
  public void initialize(Canary canary) {
    if (isDaemonSet(canary)) {
      daemonSets.initialize(canary);
      return;
    }
    Deployment target = target(canary);
    String label = selectorLabel(target);
    String value = target.getSpec().getSelector().getMatchLabels().get(label);
    String primaryName = primaryName(canary);
    Deployment primary = calls.get(Deployment.class, canary.namespace(), primaryName,
        "deployment " + describe(primaryName, canary));
    if (primary == null) {
      createPrimary(canary, target, label, value);
    }
    autoscalers.reconcilePrimary(canary, false);
    reconcileServices(services, canary, target, label, value);
  }

  /** The three Services for {@code target}, as the workload and the kubernetes router both need them. */
  static void reconcileServices(GeneratedServices services, Canary canary, Deployment target,
      String label, String value) {
    PodTemplateSpec template = target.getSpec().getTemplate();
    services.reconcile(canary, label, value,
        template.getSpec() == null ? List.of() : template.getSpec().getContainers(),
        template.getMetadata() == null ? Map.of() : ConfigTracker.orEmpty(template.getMetadata().getLabels()));
  }

  private void createPrimary(Canary canary, Deployment target, String label, String value) {
    String primaryName = primaryName(canary);
    Map<String, ConfigTracker.Tracked> tracked =
        configTracker.track(canary.namespace(), target.getSpec().getTemplate().getSpec());
    configTracker.syncPrimaryCopies(canary, tracked.values());
    List<OwnerReference> owners = KubeCalls.owners(null, canary);
    ObjectMeta targetMeta = target.getMetadata();
    Deployment primary = new DeploymentBuilder()
        .withMetadata(new ObjectMetaBuilder()
            .withName(primaryName)
            .withNamespace(canary.namespace())
            .withLabels(primaryLabels(filterMetadata(targetMeta.getLabels()), label, value))
            .withAnnotations(ConfigTracker.nullIfEmpty(filterMetadata(targetMeta.getAnnotations())))
            .withOwnerReferences(owners.isEmpty() ? null : owners)
            .build())
        .withNewSpec()
        .withProgressDeadlineSeconds(target.getSpec().getProgressDeadlineSeconds())
        .withMinReadySeconds(target.getSpec().getMinReadySeconds())
        .withRevisionHistoryLimit(target.getSpec().getRevisionHistoryLimit())
        .withReplicas(rememberedReplicas(target, 1))
        .withStrategy(target.getSpec().getStrategy())
        .withSelector(new LabelSelector(null, Map.of(label, value + "-primary")))
        .withTemplate(primaryTemplate(target, label, value, tracked))
        .endSpec()
        .build();
    try {
      calls.written(calls.client().resources(Deployment.class).inNamespace(canary.namespace())
          .resource(primary).create());
      LOG.info("Created deployment {} for canary {}", describe(primaryName, canary), canary.key());
    } catch (KubernetesClientException e) {
      if (e.getCode() != KubeCalls.CONFLICT) {
        throw KubeCalls.failure("deployment " + describe(primaryName, canary), "create", e);
      }
      LOG.debug("deployment {} was created concurrently", describe(primaryName, canary));
    }
  }

  @Override
  public WorkloadSnapshot observe(Canary canary) {
    if (isDaemonSet(canary)) {
      return daemonSets.observe(canary);
    }
    Deployment target = target(canary);
    selectorLabel(target);
    PodTemplateSpec template = target.getSpec().getTemplate();
    String revision = revision(target, d -> d.getSpec().getTemplate());
    Map<String, String> tracked = ConfigTracker.checksums(
        configTracker.track(canary.namespace(), template.getSpec()));
    Analysis analysis = canary.spec().analysis();
    int canaryThreshold = analysis == null ? 100 : analysis.canaryReadyThreshold();
    int primaryThreshold = analysis == null ? 100 : analysis.primaryReadyThreshold();
    Readiness canaryReadiness = DeploymentReadiness.of(target, canaryThreshold,
        "canary deployment " + describe(target.getMetadata().getName(), canary) + " not ready: ");
    String primaryName = primaryName(canary);
    Deployment primary = calls.get(Deployment.class, canary.namespace(), primaryName,
        "deployment " + describe(primaryName, canary));
    Readiness primaryReadiness;
    String primaryRevision = null;
    if (primary == null) {
      primaryReadiness = Readiness.waiting(describe(primaryName, canary)
          + " not ready: deployment not found");
    } else {
      primaryReadiness = DeploymentReadiness.of(primary, primaryThreshold,
          describe(primaryName, canary) + " not ready: ");
      primaryRevision = ConfigTracker.orEmpty(primary.getMetadata().getAnnotations())
          .get(PROMOTED_REVISION_ANNOTATION);
      Integer replicas = primary.getSpec().getReplicas();
      if (primaryReadiness.isReady() && replicas != null && replicas == 0) {
        primaryReadiness = Readiness.waiting("halt " + canary.key()
            + " advancement: primary deployment is scaled to zero");
      }
    }
    return new WorkloadSnapshot(revision, tracked, canaryReadiness, primaryReadiness,
        target.getSpec().getReplicas(), primaryRevision, capacity(canary, target, primary));
  }

  /**
   * Whether the primary can carry all traffic, for a primary under an autoscaler (without one the
   * primary keeps its replicas while the canary runs, so nothing is reported and nothing waits): its
   * available replicas against the floor raised for the move, or before the raise against the
   * replicas serving the traffic now (the primary's plus the canary's available ones), capped by
   * the autoscaler's maximum.
   */
  private PrimaryCapacity capacity(Canary canary, Deployment target, Deployment primary) {
    if (primary == null || canary.spec().autoscalerRef() == null) {
      return null;
    }
    Autoscalers.PrimaryScaler scaler = autoscalers.primaryScaler(canary);
    if (scaler == null) {
      return null;
    }
    int ready = available(primary);
    if (scaler.raisedFloor() != null) {
      return new PrimaryCapacity(ready, scaler.raisedFloor(), true);
    }
    return new PrimaryCapacity(ready, servingReplicas(target, primary, scaler), false);
  }

  /** The replicas serving the traffic now, capped by the primary autoscaler's maximum. */
  private static int servingReplicas(Deployment target, Deployment primary, Autoscalers.PrimaryScaler scaler) {
    Integer targetReplicas = target.getSpec().getReplicas();
    int canaryReady = targetReplicas == null || targetReplicas == 0 ? 0 : available(target);
    int primaryReplicas = Math.max(available(primary),
        primary.getSpec().getReplicas() == null ? 1 : primary.getSpec().getReplicas());
    return (int) Math.min(scaler.maxReplicas(), (long) primaryReplicas + canaryReady);
  }

  private static int available(Deployment deployment) {
    Integer available = deployment.getStatus() == null ? null : deployment.getStatus().getAvailableReplicas();
    return available == null ? 0 : available;
  }

  /**
   * Raises the primary autoscaler's floor to the replicas serving the traffic now and scales the
   * primary to it at once (the autoscaler would within its sync period; it never goes under its
   * floor). Nothing without an autoscaler or for a DaemonSet.
   */
  @Override
  public void prepareCapacity(Canary canary) {
    if (isDaemonSet(canary) || canary.spec().autoscalerRef() == null) {
      return;
    }
    Deployment target = target(canary);
    String primaryName = primaryName(canary);
    String what = "deployment " + describe(primaryName, canary);
    Deployment primary = calls.get(Deployment.class, canary.namespace(), primaryName, what);
    Autoscalers.PrimaryScaler scaler = autoscalers.primaryScaler(canary);
    if (primary == null || scaler == null) {
      return;
    }
    Integer floor = autoscalers.raiseFloor(canary, servingReplicas(target, primary, scaler));
    if (floor == null) {
      return;
    }
    calls.update(Deployment.class, canary.namespace(), primaryName, what, p -> {
      Integer replicas = p.getSpec().getReplicas();
      if (replicas != null && replicas >= floor) {
        return false;
      }
      LOG.info("Scaling up deployment {} from {} to {} replicas to carry the traffic of canary {}",
          describe(primaryName, canary), replicas, floor, canary.key());
      p.getSpec().setReplicas(floor);
      return true;
    });
  }

  /** Restores the primary autoscaler's floor; the autoscaler then sizes the primary to its load. */
  @Override
  public void releaseCapacity(Canary canary) {
    if (isDaemonSet(canary)) {
      return;
    }
    autoscalers.restoreFloor(canary);
  }

  @Override
  public void scaleUp(Canary canary) {
    if (isDaemonSet(canary)) {
      daemonSets.scaleUp(canary);
      return;
    }
    String name = canary.spec().targetRef().name();
    Deployment primary = calls.get(Deployment.class, canary.namespace(), primaryName(canary),
        "deployment " + describe(primaryName(canary), canary));
    int primaryReplicas = primary == null || primary.getSpec().getReplicas() == null
        ? 0 : primary.getSpec().getReplicas();
    Integer scalerMin = autoscalers.minReplicas(canary);
    int fallback = canary.spec().autoscalerRef() != null
        ? (scalerMin == null ? 1 : scalerMin)
        : primaryReplicas > 0 ? primaryReplicas : 1;
    autoscalers.resumeTarget(canary);
    calls.update(Deployment.class, canary.namespace(), name, "deployment " + describe(name, canary), target -> {
      Integer current = target.getSpec().getReplicas();
      if (current != null && current > 0) {
        return false;
      }
      int replicas = rememberedReplicas(target, fallback);
      target.getSpec().setReplicas(replicas);
      LOG.info("Scaling up deployment {} to {} replicas", describe(name, canary), replicas);
      return true;
    });
  }

  @Override
  public void scaleToZero(Canary canary) {
    if (isDaemonSet(canary)) {
      daemonSets.scaleToZero(canary);
      return;
    }
    String name = canary.spec().targetRef().name();
    calls.update(Deployment.class, canary.namespace(), name, "deployment " + describe(name, canary), target -> {
      Integer current = target.getSpec().getReplicas();
      if (current != null && current == 0) {
        return false;
      }
      int keep = current == null ? 1 : current;
      Map<String, String> annotations =
          new LinkedHashMap<>(ConfigTracker.orEmpty(target.getMetadata().getAnnotations()));
      annotations.put(REPLICAS_ANNOTATION, Integer.toString(keep));
      target.getMetadata().setAnnotations(annotations);
      target.getSpec().setReplicas(0);
      LOG.info("Scaling down Deployment {}", describe(name, canary));
      return true;
    });
    autoscalers.pauseTarget(canary);
  }

  @Override
  public void promote(Canary canary) {
    if (isDaemonSet(canary)) {
      daemonSets.promote(canary);
      return;
    }
    Deployment target = target(canary);
    String label = selectorLabel(target);
    String value = target.getSpec().getSelector().getMatchLabels().get(label);
    Map<String, ConfigTracker.Tracked> tracked =
        configTracker.track(canary.namespace(), target.getSpec().getTemplate().getSpec());
    configTracker.syncPrimaryCopies(canary, tracked.values());
    PodTemplateSpec template = primaryTemplate(target, label, value, tracked);
    String revision = revision(target, d -> d.getSpec().getTemplate());
    String primaryName = primaryName(canary);
    calls.update(Deployment.class, canary.namespace(), primaryName,
        "deployment " + describe(primaryName, canary), primary -> {
          var spec = primary.getSpec();
          var source = target.getSpec();
          // Under an autoscaler the primary keeps the replicas its own autoscaler gave it (Flagger).
          Integer replicas = canary.spec().autoscalerRef() != null && spec.getReplicas() != null
              ? spec.getReplicas()
              : rememberedReplicas(target, spec.getReplicas() == null ? 1 : spec.getReplicas());
          boolean same = Objects.equals(spec.getProgressDeadlineSeconds(), source.getProgressDeadlineSeconds())
              && Objects.equals(spec.getMinReadySeconds(), source.getMinReadySeconds())
              && Objects.equals(spec.getRevisionHistoryLimit(), source.getRevisionHistoryLimit())
              && Objects.equals(spec.getStrategy(), source.getStrategy())
              && Objects.equals(spec.getReplicas(), replicas)
              && Objects.equals(spec.getTemplate(), template)
              && revision.equals(ConfigTracker.orEmpty(primary.getMetadata().getAnnotations())
                  .get(PROMOTED_REVISION_ANNOTATION));
          if (same) {
            return false;
          }
          Map<String, String> annotations =
              new LinkedHashMap<>(ConfigTracker.orEmpty(primary.getMetadata().getAnnotations()));
          annotations.put(PROMOTED_REVISION_ANNOTATION, revision);
          primary.getMetadata().setAnnotations(annotations);
          spec.setProgressDeadlineSeconds(source.getProgressDeadlineSeconds());
          spec.setMinReadySeconds(source.getMinReadySeconds());
          spec.setRevisionHistoryLimit(source.getRevisionHistoryLimit());
          spec.setStrategy(source.getStrategy());
          spec.setReplicas(replicas);
          spec.setTemplate(template);
          return true;
        });
    autoscalers.reconcilePrimary(canary, true);
  }

  /**
   * Points the apex Service {@code <svc>} at the target's own pods ({@code <label>: <value>}
   * instead of {@code <value>-primary}) and releases it from the Canary's ownership, as Flagger's
   * finalizer does before the Canary and its primary go away. Idempotent: a Service that already
   * selects the target is not written.
   */
  @Override
  public void revert(Canary canary) {
    if (isDaemonSet(canary)) {
      daemonSets.revert(canary);
      return;
    }
    Deployment target = target(canary);
    String label = selectorLabel(target);
    String value = target.getSpec().getSelector().getMatchLabels().get(label);
    if (services.revertApex(canary, label, value)) {
      LOG.info("Reverted service {} to deployment {} for canary {}",
          describe(canary.spec().serviceName(), canary), describe(target.getMetadata().getName(), canary),
          canary.key());
    }
  }

  private Deployment target(Canary canary) {
    String name = canary.spec().targetRef().name();
    String kind = canary.spec().targetRef().kind();
    if (kind != null && !"Deployment".equals(kind)) {
      throw new ProviderException("canary " + canary.key() + " spec.targetRef.kind " + kind
          + " is not supported by the Deployment workload", false);
    }
    Deployment target = calls.get(Deployment.class, canary.namespace(), name,
        "deployment " + describe(name, canary));
    if (target == null) {
      throw new ProviderException("deployment " + describe(name, canary) + " not found", true);
    }
    if (target.getSpec() == null || target.getSpec().getTemplate() == null) {
      throw new ProviderException("deployment " + describe(name, canary)
          + " has no spec.template", false);
    }
    return target;
  }

  /** The first configured selector label present in {@code spec.selector.matchLabels}. */
  String selectorLabel(Deployment target) {
    return selectorLabel(target.getSpec().getSelector(), "deployment", target.getMetadata());
  }

  String selectorLabel(LabelSelector selector, String kind, ObjectMeta meta) {
    Map<String, String> matchLabels = selector == null || selector.getMatchLabels() == null
        ? Map.of() : selector.getMatchLabels();
    for (String label : selectorLabels) {
      if (matchLabels.containsKey(label)) {
        return label;
      }
    }
    throw new ProviderException(kind + " " + meta.getName() + "."
        + meta.getNamespace() + " spec.selector.matchLabels must contain one of ["
        + String.join(" ", selectorLabels) + "]", false);
  }

  /** The revision hash of a pod template (see {@link Hashes}). */
  String revision(PodTemplateSpec template) {
    return Hashes.revision(calls.client().getKubernetesSerialization().asJson(template));
  }

  /** The revision hash of {@code owner}'s pod template, computed once per version of the owner. */
  <T extends HasMetadata> String revision(T owner, Function<T, PodTemplateSpec> template) {
    return revisions.get(owner, o -> revision(template.apply(o)));
  }

  /**
   * The target's pod template as the primary runs it: selector label value suffixed, tracked
   * config references pointed at the copies, anti-affinity and topology-spread selectors on the
   * target's pods pointed at the primary's, and a rollout id of revision and configs.
   */
  private PodTemplateSpec primaryTemplate(Deployment target, String label, String value,
      Map<String, ConfigTracker.Tracked> tracked) {
    return primaryTemplate(target.getSpec().getTemplate(), label, value, tracked);
  }

  PodTemplateSpec primaryTemplate(PodTemplateSpec source, String label, String value,
      Map<String, ConfigTracker.Tracked> tracked) {
    PodTemplateSpec template = calls.client().getKubernetesSerialization().clone(source);
    ObjectMeta meta = template.getMetadata() == null ? new ObjectMeta() : template.getMetadata();
    meta.setLabels(primaryLabels(meta.getLabels(), label, value));
    List<String> parts = new ArrayList<>();
    parts.add(revision(source));
    tracked.values().forEach(t -> parts.add(t.key() + "=" + t.checksum()));
    Map<String, String> annotations = new LinkedHashMap<>(ConfigTracker.orEmpty(meta.getAnnotations()));
    annotations.put(ROLLOUT_ID_ANNOTATION, Hashes.of(parts));
    meta.setAnnotations(annotations);
    template.setMetadata(meta);
    if (template.getSpec() != null) {
      ConfigTracker.pointAtPrimaryCopies(template.getSpec(), tracked.keySet());
      pointSelectorsAtPrimary(template, label, value);
    }
    return template;
  }

  private static void pointSelectorsAtPrimary(PodTemplateSpec template, String label, String value) {
    var spec = template.getSpec();
    for (TopologySpreadConstraint constraint : ConfigTracker.orEmptyList(spec.getTopologySpreadConstraints())) {
      suffix(constraint.getLabelSelector(), label, value);
    }
    PodAntiAffinity anti = spec.getAffinity() == null ? null : spec.getAffinity().getPodAntiAffinity();
    if (anti != null) {
      for (PodAffinityTerm term : ConfigTracker.orEmptyList(
          anti.getRequiredDuringSchedulingIgnoredDuringExecution())) {
        suffix(term.getLabelSelector(), label, value);
      }
      for (WeightedPodAffinityTerm term : ConfigTracker.orEmptyList(
          anti.getPreferredDuringSchedulingIgnoredDuringExecution())) {
        if (term.getPodAffinityTerm() != null) {
          suffix(term.getPodAffinityTerm().getLabelSelector(), label, value);
        }
      }
    }
  }

  private static void suffix(LabelSelector selector, String label, String value) {
    if (selector != null && selector.getMatchLabels() != null
        && value.equals(selector.getMatchLabels().get(label))) {
      Map<String, String> labels = new LinkedHashMap<>(selector.getMatchLabels());
      labels.put(label, value + "-primary");
      selector.setMatchLabels(labels);
    }
  }

  /** Labels with the selector label's value suffixed {@code -primary}. */
  static Map<String, String> primaryLabels(Map<String, String> labels, String label, String value) {
    Map<String, String> result = new LinkedHashMap<>(ConfigTracker.orEmpty(labels));
    result.put(label, value + "-primary");
    return result;
  }

  /**
   * Metadata copied to the primary, without what belongs to the target's owner: kubectl's
   * last-applied configuration and Flux's {@code *.toolkit.fluxcd.io/} keys (which would make Flux
   * treat the generated primary as its own).
   */
  static Map<String, String> filterMetadata(Map<String, String> values) {
    Map<String, String> result = new LinkedHashMap<>();
    ConfigTracker.orEmpty(values).forEach((k, v) -> {
      if (!k.equals("kubectl.kubernetes.io/last-applied-configuration")
          && !k.contains("toolkit.fluxcd.io/") && !k.equals(REPLICAS_ANNOTATION)) {
        result.put(k, v);
      }
    });
    return result;
  }

  /**
   * The target's replicas as the user set them: {@code spec.replicas} when above zero, else the
   * value kept when it was scaled to zero, else {@code fallback}.
   */
  static int rememberedReplicas(Deployment target, int fallback) {
    Integer replicas = target.getSpec().getReplicas();
    if (replicas != null && replicas > 0) {
      return replicas;
    }
    String kept = ConfigTracker.orEmpty(target.getMetadata().getAnnotations()).get(REPLICAS_ANNOTATION);
    if (kept != null) {
      try {
        int value = Integer.parseInt(kept.trim());
        if (value > 0) {
          return value;
        }
      } catch (NumberFormatException e) {
        LOG.warn("deployment {}.{} annotation {} is not a number: {}",
            target.getMetadata().getName(), target.getMetadata().getNamespace(),
            REPLICAS_ANNOTATION, kept);
      }
    }
    return fallback;
  }

  private static String primaryName(Canary canary) {
    return canary.spec().targetRef().name() + "-primary";
  }

  private static String describe(String name, Canary canary) {
    return KubeCalls.key(name, canary.namespace());
  }
}
