package io.canaryanalysis.kubernetes;

import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.Readiness;
import io.canaryanalysis.api.WorkloadSnapshot;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A DaemonSet target and its {@code <target>-primary} copy, as Flagger's
 * {@code DaemonSetController}: the target must use the RollingUpdate strategy; it is "scaled to
 * zero" with the node selector {@code flagger.app/scale-to-zero: "true"}, which matches no node and
 * is left out of the revision and of the primary; promotion copies minReadySeconds,
 * revisionHistoryLimit, updateStrategy, the pod template (configs pointed at their primary copies)
 * and metadata; readiness is Flagger's {@code isDaemonSetReady}. Used by {@link DeploymentWorkload}
 * for {@code targetRef.kind: DaemonSet}.
 */
final class DaemonSetWorkload {
  private static final Logger LOG = LoggerFactory.getLogger(DaemonSetWorkload.class);
  static final String KIND = "DaemonSet";
  private static final Map<String, String> SCALE_DOWN =
      Map.of(DeploymentWorkload.DAEMONSET_SCALE_DOWN_SELECTOR, "true");

  private final DeploymentWorkload deployments;
  private final KubeCalls calls;
  private final ConfigTracker configTracker;
  private final GeneratedServices services;

  DaemonSetWorkload(DeploymentWorkload deployments, KubeCalls calls, ConfigTracker configTracker,
      GeneratedServices services) {
    this.deployments = deployments;
    this.calls = calls;
    this.configTracker = configTracker;
    this.services = services;
  }

  void initialize(Canary canary) {
    DaemonSet target = target(canary);
    String strategy = target.getSpec().getUpdateStrategy() == null ? null
        : target.getSpec().getUpdateStrategy().getType();
    if (strategy != null && !strategy.isEmpty() && !"RollingUpdate".equals(strategy)) {
      throw new ProviderException("daemonset " + describe(target.getMetadata().getName(), canary)
          + " must have RollingUpdate strategy but has " + strategy, false);
    }
    String label = selectorLabel(target);
    String value = target.getSpec().getSelector().getMatchLabels().get(label);
    String primaryName = primaryName(canary);
    if (calls.get(DaemonSet.class, canary.namespace(), primaryName, "daemonset " + describe(primaryName, canary)) == null) {
      createPrimary(canary, target, label, value);
    }
    PodTemplateSpec template = target.getSpec().getTemplate();
    services.reconcile(canary, label, value,
        template.getSpec() == null ? List.of() : template.getSpec().getContainers(),
        template.getMetadata() == null ? Map.of() : ConfigTracker.orEmpty(template.getMetadata().getLabels()));
  }

  private void createPrimary(Canary canary, DaemonSet target, String label, String value) {
    String primaryName = primaryName(canary);
    PodTemplateSpec source = withoutScaleDown(target.getSpec().getTemplate());
    Map<String, ConfigTracker.Tracked> tracked = configTracker.track(canary.namespace(), source.getSpec());
    configTracker.syncPrimaryCopies(canary, tracked.values());
    List<OwnerReference> owners = KubeCalls.owners(null, canary);
    Map<String, String> annotations = new LinkedHashMap<>(
        DeploymentWorkload.filterMetadata(target.getMetadata().getAnnotations()));
    DaemonSet primary = new DaemonSetBuilder()
        .withMetadata(new ObjectMetaBuilder()
            .withName(primaryName)
            .withNamespace(canary.namespace())
            .withLabels(DeploymentWorkload.primaryLabels(
                DeploymentWorkload.filterMetadata(target.getMetadata().getLabels()), label, value))
            .withAnnotations(annotations)
            .withOwnerReferences(owners.isEmpty() ? null : owners)
            .build())
        .withNewSpec()
        .withMinReadySeconds(target.getSpec().getMinReadySeconds())
        .withRevisionHistoryLimit(target.getSpec().getRevisionHistoryLimit())
        .withUpdateStrategy(target.getSpec().getUpdateStrategy())
        .withSelector(new LabelSelector(null, Map.of(label, value + "-primary")))
        .withTemplate(deployments.primaryTemplate(source, label, value, tracked))
        .endSpec()
        .build();
    try {
      calls.client().resources(DaemonSet.class).inNamespace(canary.namespace()).resource(primary).create();
      LOG.info("DaemonSet {} created for canary {}", describe(primaryName, canary), canary.key());
    } catch (KubernetesClientException e) {
      if (e.getCode() != KubeCalls.CONFLICT) {
        throw KubeCalls.failure("daemonset " + describe(primaryName, canary), "create", e);
      }
    }
  }

  WorkloadSnapshot observe(Canary canary) {
    DaemonSet target = target(canary);
    selectorLabel(target);
    PodTemplateSpec template = withoutScaleDown(target.getSpec().getTemplate());
    Map<String, String> tracked = ConfigTracker.checksums(configTracker.track(canary.namespace(), template.getSpec()));
    Analysis analysis = canary.spec().analysis();
    int canaryThreshold = analysis == null ? 100 : analysis.canaryReadyThreshold();
    int primaryThreshold = analysis == null ? 100 : analysis.primaryReadyThreshold();
    Readiness canaryReadiness = readiness(target, canaryThreshold,
        "canary daemonset " + describe(target.getMetadata().getName(), canary) + " not ready: ");
    String primaryName = primaryName(canary);
    DaemonSet primary = calls.get(DaemonSet.class, canary.namespace(), primaryName, "daemonset " + describe(primaryName, canary));
    Readiness primaryReadiness;
    String primaryRevision = null;
    if (primary == null) {
      primaryReadiness = Readiness.waiting("primary daemonset " + describe(primaryName, canary)
          + " not ready: daemonset not found");
    } else {
      primaryReadiness = readiness(primary, primaryThreshold,
          "primary daemonset " + describe(primaryName, canary) + " not ready: ");
      primaryRevision = ConfigTracker.orEmpty(primary.getMetadata().getAnnotations())
          .get(DeploymentWorkload.PROMOTED_REVISION_ANNOTATION);
    }
    // A DaemonSet has no replica count: 0 while the scale-down node selector holds it empty, else 1.
    int replicas = scaledDown(target) ? 0 : 1;
    return new WorkloadSnapshot(revision(target), tracked, canaryReadiness, primaryReadiness, replicas,
        primaryRevision);
  }

  void scaleToZero(Canary canary) {
    setScaledDown(canary, true);
  }

  void scaleUp(Canary canary) {
    setScaledDown(canary, false);
  }

  private void setScaledDown(Canary canary, boolean down) {
    String name = canary.spec().targetRef().name();
    calls.update(DaemonSet.class, canary.namespace(), name, "daemonset " + describe(name, canary), target -> {
      if (scaledDown(target) == down) {
        return false;
      }
      var spec = target.getSpec().getTemplate().getSpec();
      Map<String, String> selector = new LinkedHashMap<>(ConfigTracker.orEmpty(spec.getNodeSelector()));
      if (down) {
        selector.putAll(SCALE_DOWN);
      } else {
        SCALE_DOWN.keySet().forEach(selector::remove);
      }
      spec.setNodeSelector(selector.isEmpty() ? null : selector);
      LOG.info("{} daemonset {}", down ? "Scaling down" : "Scaling up", describe(name, canary));
      return true;
    });
  }

  void promote(Canary canary) {
    DaemonSet target = target(canary);
    String label = selectorLabel(target);
    String value = target.getSpec().getSelector().getMatchLabels().get(label);
    PodTemplateSpec source = withoutScaleDown(target.getSpec().getTemplate());
    Map<String, ConfigTracker.Tracked> tracked = configTracker.track(canary.namespace(), source.getSpec());
    configTracker.syncPrimaryCopies(canary, tracked.values());
    PodTemplateSpec template = deployments.primaryTemplate(source, label, value, tracked);
    String revision = revision(target);
    String primaryName = primaryName(canary);
    Map<String, String> labels = DeploymentWorkload.primaryLabels(
        DeploymentWorkload.filterMetadata(target.getMetadata().getLabels()), label, value);
    calls.update(DaemonSet.class, canary.namespace(), primaryName, "daemonset " + describe(primaryName, canary), primary -> {
      var spec = primary.getSpec();
      var from = target.getSpec();
      Map<String, String> annotations = new LinkedHashMap<>(
          DeploymentWorkload.filterMetadata(target.getMetadata().getAnnotations()));
      annotations.put(DeploymentWorkload.PROMOTED_REVISION_ANNOTATION, revision);
      boolean same = Objects.equals(spec.getMinReadySeconds(), from.getMinReadySeconds())
          && Objects.equals(spec.getRevisionHistoryLimit(), from.getRevisionHistoryLimit())
          && Objects.equals(spec.getUpdateStrategy(), from.getUpdateStrategy())
          && Objects.equals(spec.getTemplate(), template)
          && annotations.equals(ConfigTracker.orEmpty(primary.getMetadata().getAnnotations()))
          && labels.equals(ConfigTracker.orEmpty(primary.getMetadata().getLabels()));
      if (same) {
        return false;
      }
      spec.setMinReadySeconds(from.getMinReadySeconds());
      spec.setRevisionHistoryLimit(from.getRevisionHistoryLimit());
      spec.setUpdateStrategy(from.getUpdateStrategy());
      spec.setTemplate(template);
      primary.getMetadata().setAnnotations(annotations);
      primary.getMetadata().setLabels(labels);
      return true;
    });
  }

  void revert(Canary canary) {
    DaemonSet target = target(canary);
    String label = selectorLabel(target);
    services.revertApex(canary, label, target.getSpec().getSelector().getMatchLabels().get(label));
  }

  /** Flagger's {@code isDaemonSetReady}; the progress deadline is the engine's. */
  static Readiness readiness(DaemonSet daemonSet, int readyThreshold, String prefix) {
    DaemonSetStatus status = daemonSet.getStatus() == null ? new DaemonSetStatus() : daemonSet.getStatus();
    long generation = daemonSet.getMetadata().getGeneration() == null ? 0 : daemonSet.getMetadata().getGeneration();
    long observed = status.getObservedGeneration() == null ? 0 : status.getObservedGeneration();
    if (generation > observed) {
      return Readiness.waiting(prefix + "waiting for rollout to finish: observed daemonset generation "
          + "less than desired generation");
    }
    int desired = orZero(status.getDesiredNumberScheduled());
    int updated = orZero(status.getUpdatedNumberScheduled());
    int available = orZero(status.getNumberAvailable());
    if (updated < desired) {
      return Readiness.waiting(prefix + "waiting for rollout to finish: " + updated + " out of " + desired
          + " new pods have been updated");
    }
    int needed = (int) ((float) desired * readyThreshold / 100);
    if (available < needed) {
      return Readiness.waiting(prefix + "waiting for rollout to finish: " + available + " of " + needed
          + " (readyThreshold " + readyThreshold + "%) updated pods are available");
    }
    return Readiness.READY;
  }

  private String revision(DaemonSet target) {
    return deployments.revision(target, d -> withoutScaleDown(d.getSpec().getTemplate()));
  }

  private PodTemplateSpec withoutScaleDown(PodTemplateSpec source) {
    PodTemplateSpec template = calls.client().getKubernetesSerialization().clone(source);
    if (template.getSpec() != null) {
      Map<String, String> selector = new LinkedHashMap<>(ConfigTracker.orEmpty(template.getSpec().getNodeSelector()));
      SCALE_DOWN.keySet().forEach(selector::remove);
      template.getSpec().setNodeSelector(selector.isEmpty() ? null : selector);
    }
    return template;
  }

  private static boolean scaledDown(DaemonSet target) {
    var spec = target.getSpec().getTemplate().getSpec();
    return spec != null && "true".equals(ConfigTracker.orEmpty(spec.getNodeSelector())
        .get(DeploymentWorkload.DAEMONSET_SCALE_DOWN_SELECTOR));
  }

  private DaemonSet target(Canary canary) {
    String name = canary.spec().targetRef().name();
    DaemonSet target = calls.get(DaemonSet.class, canary.namespace(), name, "daemonset " + describe(name, canary));
    if (target == null) {
      throw new ProviderException("daemonset " + describe(name, canary) + " not found", true);
    }
    if (target.getSpec() == null || target.getSpec().getTemplate() == null) {
      throw new ProviderException("daemonset " + describe(name, canary) + " has no spec.template", false);
    }
    return target;
  }

  private String selectorLabel(DaemonSet target) {
    return deployments.selectorLabel(target.getSpec().getSelector(), "daemonset", target.getMetadata());
  }

  private static int orZero(Integer value) {
    return value == null ? 0 : value;
  }

  private static String primaryName(Canary canary) {
    return canary.spec().targetRef().name() + "-primary";
  }

  private static String describe(String name, Canary canary) {
    return KubeCalls.key(name, canary.namespace());
  }
}
