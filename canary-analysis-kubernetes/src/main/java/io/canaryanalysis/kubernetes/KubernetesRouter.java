package io.canaryanalysis.kubernetes;

import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.Strategy;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code kubernetes} router for clusters with no mesh or ingress controller: the split follows
 * replica counts behind the one apex Service, the oldest way to run a canary by hand.
 *
 * <ul>
 *   <li>At canary weight 0 the apex selects the primary's pods; at 100 the target's own pods; in
 *       between it selects both through the label {@value #TRAFFIC_LABEL}, which the target's pod
 *       template must carry (the primary copies it), and the canary runs the replicas whose share
 *       {@code canary / (primary + canary)} is nearest to the weight, at least one. The primary keeps
 *       its replicas (its autoscaler's when it has one); the canary follows the primary when that
 *       changes.
 *   <li>Weights are approximate: {@link #describeSplit} reports the pods
 *       ({@code 3 primary / 1 canary pods}), the engine appends it to the Advance event.
 *       {@link #getRoutes} returns the requested split while the pod counts recorded in the apex's
 *       {@value #SPLIT_ANNOTATION} annotation are still the live ones, else the effective split, so
 *       the engine resizes the canary after the primary's autoscaler moved.
 *   <li>Header and cookie matches, mirroring and session affinity cannot be expressed with pods and
 *       are refused at validation time.
 *   <li>Blue/green keeps Flagger's {@code kubernetes} provider behaviour: the apex stays on the
 *       primary, the canary is reached through {@code <svc>-canary}, and the requested split is only
 *       recorded.
 * </ul>
 */
public final class KubernetesRouter implements TrafficRouter {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesRouter.class);

  /** The {@code spec.provider} this router serves. */
  public static final String KIND = "kubernetes";
  /** The pod label the apex selects while both primary and canary pods take traffic. */
  public static final String TRAFFIC_LABEL = "canary-analysis.io/service";
  /** On the apex Service: the split last applied, with its pod counts. */
  public static final String SPLIT_ANNOTATION = "canary-analysis.io/replica-split";

  private final KubeCalls calls;
  private final GeneratedServices services;
  private final List<String> selectorLabels;
  private final int maxCanaryReplicas;

  private KubernetesRouter(Builder b) {
    this.calls = new KubeCalls(b.client, b.maxConflictRetries, b.informers);
    this.services = new GeneratedServices(calls);
    this.selectorLabels = List.copyOf(b.selectorLabels);
    this.maxCanaryReplicas = b.maxCanaryReplicas;
  }

  /** A router with Flagger's selector labels and at most 100 canary replicas. */
  public static KubernetesRouter create(KubernetesClient client) {
    return builder(client).build();
  }

  public static Builder builder(KubernetesClient client) {
    return new Builder(client);
  }

  /** Configures a {@link KubernetesRouter}. */
  public static final class Builder {
    private final KubernetesClient client;
    private List<String> selectorLabels = DeploymentWorkload.DEFAULT_SELECTOR_LABELS;
    private int maxCanaryReplicas = 100;
    private int maxConflictRetries = 4;
    private KubernetesInformers informers;

    private Builder(KubernetesClient client) {
      this.client = Objects.requireNonNull(client, "client");
    }

    /**
     * Read Services and Deployments (the apex selector, the replica counts of
     * {@link KubernetesRouter#describeSplit}) from these caches instead of a GET per call; a write
     * still reads live after a conflict.
     */
    public Builder informers(KubernetesInformers informers) {
      this.informers = Objects.requireNonNull(informers, "informers");
      return this;
    }

    /** Selector labels in order of preference, as given to the {@link DeploymentWorkload}. */
    public Builder selectorLabels(List<String> selectorLabels) {
      if (selectorLabels.isEmpty()) {
        throw new IllegalArgumentException("selectorLabels must not be empty");
      }
      this.selectorLabels = List.copyOf(selectorLabels);
      return this;
    }

    /** The most canary replicas a high weight may ask for (9:1 on 20 primaries is 180); default 100. */
    public Builder maxCanaryReplicas(int maxCanaryReplicas) {
      if (maxCanaryReplicas < 1) {
        throw new IllegalArgumentException("maxCanaryReplicas must be 1 or more, got " + maxCanaryReplicas);
      }
      this.maxCanaryReplicas = maxCanaryReplicas;
      return this;
    }

    /** Retries of a write that conflicted (HTTP 409), each on a fresh read; default 4. */
    public Builder maxConflictRetries(int maxConflictRetries) {
      if (maxConflictRetries < 0) {
        throw new IllegalArgumentException("maxConflictRetries must be 0 or more, got " + maxConflictRetries);
      }
      this.maxConflictRetries = maxConflictRetries;
      return this;
    }

    public KubernetesRouter build() {
      return new KubernetesRouter(this);
    }
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public RouterCapabilities capabilities() {
    return RouterCapabilities.WEIGHTS_ONLY;
  }

  /** A DaemonSet runs one pod per node: its split cannot follow replica counts. */
  @Override
  public List<SpecProblem> validate(Canary canary) {
    if ("DaemonSet".equals(canary.spec().targetRef().kind()) && replicaRatio(canary)) {
      return List.of(new SpecProblem("spec.targetRef.kind", "the kubernetes provider splits traffic by "
          + "replica count, which a DaemonSet does not have; use blue/green (spec.analysis.iterations)"));
    }
    return List.of();
  }

  @Override
  public void reconcile(Canary canary) {
    Target t = target(canary);
    reconcileServices(canary, t);
  }

  private void reconcileServices(Canary canary, Target t) {
    services.reconcile(canary, t.label, t.value, t.template.getSpec() == null ? List.of()
        : t.template.getSpec().getContainers(), t.templateLabels());
  }

  @Override
  public void setRoutes(Canary canary, TrafficSplit split) {
    if (split.mirrored()) {
      throw new ProviderException("the kubernetes router cannot mirror traffic: pods behind one "
          + "Service either take requests or do not", false);
    }
    Target t = target(canary);
    String apexName = canary.spec().serviceName();
    Service apex = calls.get(Service.class, canary.namespace(), apexName, apexWhat(canary));
    if (apex == null) {
      reconcileServices(canary, t);
      apex = calls.get(Service.class, canary.namespace(), apexName, apexWhat(canary));
    }
    ReplicaSplit current = apex == null ? null : ReplicaSplit.of(apex);
    int weight = split.canaryWeight();
    if (!replicaRatio(canary)) {
      writeApex(canary, t, new ReplicaSplit(weight, 0, 0, 0, false));
      return;
    }
    if (t.deployment == null) {
      throw new ProviderException("the kubernetes provider splits traffic by replica count, which a "
          + "DaemonSet does not have; use blue/green (spec.analysis.iterations)", false);
    }
    Deployment primary = primary(canary);
    if (weight > 0 && weight < 100) {
      requireTrafficLabel(canary, t, primary);
    }
    ReplicaSplit next = plan(t, primary, current, weight);
    int wanted = next.canary();
    if (weight == 0) {
      writeApex(canary, t, next); // traffic off the canary before it is resized
      scaleCanary(canary, wanted);
    } else {
      scaleCanary(canary, wanted); // the canary has its pods before the apex selects them
      writeApex(canary, t, next);
    }
  }

  /**
   * The pods that carry {@code weight}: the primary keeps its replicas; the canary runs the nearest
   * share in between, the primary's size (or its own earlier size) at 100, and at 0 goes back to
   * the size it had before the router first resized it (the workload scales it to zero after).
   */
  private ReplicaSplit plan(Target t, Deployment primary, ReplicaSplit current, int weight) {
    int primaryReplicas = replicas(primary);
    int canaryReplicas = replicas(t.deployment);
    int before = current != null && current.pods() && current.before() > 0 ? current.before()
        : canaryReplicas > 0 ? canaryReplicas : DeploymentWorkload.rememberedReplicas(t.deployment, 1);
    int wanted;
    if (weight == 0) {
      boolean resized = current != null && current.pods() && current.weight() > 0;
      wanted = resized && canaryReplicas > 0 ? before : canaryReplicas;
    } else if (weight == 100) {
      wanted = Math.min(maxCanaryReplicas, Math.max(Math.max(primaryReplicas, before), 1));
    } else {
      wanted = ReplicaSplit.canaryReplicasFor(primaryReplicas, weight, maxCanaryReplicas);
    }
    return new ReplicaSplit(weight, primaryReplicas, wanted, weight == 0 ? 0 : before, true);
  }

  /**
   * The pods that take traffic for {@code split}, computed from the live replica counts the way
   * {@link #setRoutes} sizes them, so it is the same before the write (the engine puts it in
   * {@code status.effectiveSplit}) and after it (the Advance event):
   * {@code 3 primary / 1 canary pods}. Null for blue/green, where the apex stays on the primary.
   */
  @Override
  public String describeSplit(Canary canary, TrafficSplit split) {
    if (!replicaRatio(canary) || split.mirrored()) {
      return null;
    }
    Target t = target(canary);
    if (t.deployment == null) {
      return null;
    }
    Service apex = calls.get(Service.class, canary.namespace(), canary.spec().serviceName(), apexWhat(canary));
    ReplicaSplit current = apex == null ? null : ReplicaSplit.of(apex);
    ReplicaSplit plan = plan(t, primary(canary), current, split.canaryWeight());
    int primaryPods = plan.weight() == 100 ? 0 : plan.primary();
    int canaryPods = plan.weight() == 0 ? 0 : plan.canary();
    return primaryPods + " primary / " + canaryPods + " canary pods";
  }

  @Override
  public TrafficSplit getRoutes(Canary canary) {
    Service apex = calls.get(Service.class, canary.namespace(), canary.spec().serviceName(), apexWhat(canary));
    if (apex == null) {
      throw new ProviderException(apexWhat(canary) + " not found", true);
    }
    Target t = target(canary);
    Map<String, String> selector = ConfigTracker.orEmpty(apex.getSpec().getSelector());
    ReplicaSplit record = ReplicaSplit.of(apex);
    if (record != null && !record.pods()) {
      return TrafficSplit.canary(record.weight());
    }
    if (selector.equals(Map.of(t.label, t.value + "-primary"))) {
      return TrafficSplit.ALL_PRIMARY;
    }
    if (selector.equals(Map.of(t.label, t.value))) {
      return TrafficSplit.ALL_CANARY;
    }
    if (t.deployment == null) {
      throw new ProviderException("the kubernetes provider cannot split traffic to a DaemonSet by replica count", false);
    }
    int primaryPods = replicas(primary(canary));
    int canaryPods = replicas(t.deployment);
    if (record != null && record.weight() > 0 && record.weight() < 100
        && record.primary() == primaryPods && record.canary() == canaryPods) {
      return TrafficSplit.canary(record.weight());
    }
    return TrafficSplit.canary(ReplicaSplit.effectiveWeight(primaryPods, canaryPods));
  }

  @Override
  public void finalizeRoutes(Canary canary) {
    if (calls.get(Service.class, canary.namespace(), canary.spec().serviceName(), apexWhat(canary)) == null) {
      return;
    }
    setRoutes(canary, TrafficSplit.ALL_PRIMARY);
  }

  /** Pods carry the split for progressive weights; blue/green (and A/B) only record it, as Flagger. */
  static boolean replicaRatio(Canary canary) {
    return canary.spec().analysis() == null || canary.spec().analysis().strategy() == Strategy.CANARY;
  }

  private void writeApex(Canary canary, Target t, ReplicaSplit split) {
    Map<String, String> templateLabels = t.templateLabels();
    Map<String, String> selector = split.apexSelector(t.label, t.value, templateLabels);
    String record = split.format();
    calls.update(Service.class, canary.namespace(), canary.spec().serviceName(), apexWhat(canary), apex -> {
      boolean changed = false;
      Map<String, String> annotations = new LinkedHashMap<>(ConfigTracker.orEmpty(apex.getMetadata().getAnnotations()));
      if (!record.equals(annotations.put(SPLIT_ANNOTATION, record))) {
        apex.getMetadata().setAnnotations(annotations);
        changed = true;
      }
      if (!selector.equals(ConfigTracker.orEmpty(apex.getSpec().getSelector()))) {
        apex.getSpec().setSelector(selector);
        changed = true;
      }
      return changed;
    });
  }

  private void scaleCanary(Canary canary, int replicas) {
    String name = canary.spec().targetRef().name();
    calls.update(Deployment.class, canary.namespace(), name,
        "deployment " + KubeCalls.key(name, canary.namespace()), target -> {
          if (Objects.equals(target.getSpec().getReplicas(), replicas)) {
            return false;
          }
          LOG.info("Scaling deployment {} to {} replicas for canary {}",
              KubeCalls.key(name, canary.namespace()), replicas, canary.key());
          target.getSpec().setReplicas(replicas);
          return true;
        });
  }

  private void requireTrafficLabel(Canary canary, Target t, Deployment primary) {
    String value = t.templateLabels().get(TRAFFIC_LABEL);
    String name = canary.spec().targetRef().name();
    if (value == null) {
      throw new ProviderException("deployment " + KubeCalls.key(name, canary.namespace())
          + " spec.template.metadata.labels needs " + TRAFFIC_LABEL + " (for example " + TRAFFIC_LABEL
          + ": " + t.value + ") so the kubernetes router can select primary and canary pods together", false);
    }
    if (!value.equals(templateLabels(primary).get(TRAFFIC_LABEL))) {
      throw new ProviderException("deployment " + KubeCalls.key(name + "-primary", canary.namespace())
          + " does not carry " + TRAFFIC_LABEL + ": " + value + " yet; it gets it when the target is next"
          + " promoted (for a first rollout: set spec.analysis.iterations to promote once as blue/green)",
          false);
    }
  }

  private Target target(Canary canary) {
    String name = canary.spec().targetRef().name();
    boolean daemonSet = "DaemonSet".equals(canary.spec().targetRef().kind());
    String what = (daemonSet ? "daemonset " : "deployment ") + KubeCalls.key(name, canary.namespace());
    io.fabric8.kubernetes.api.model.HasMetadata object = daemonSet
        ? calls.get(io.fabric8.kubernetes.api.model.apps.DaemonSet.class, canary.namespace(), name, what)
        : calls.get(Deployment.class, canary.namespace(), name, what);
    if (object == null) {
      throw new ProviderException(what + " not found", true);
    }
    LabelSelector selector;
    io.fabric8.kubernetes.api.model.PodTemplateSpec template;
    if (object instanceof Deployment d) {
      selector = d.getSpec() == null ? null : d.getSpec().getSelector();
      template = d.getSpec() == null ? null : d.getSpec().getTemplate();
    } else {
      var ds = (io.fabric8.kubernetes.api.model.apps.DaemonSet) object;
      selector = ds.getSpec() == null ? null : ds.getSpec().getSelector();
      template = ds.getSpec() == null ? null : ds.getSpec().getTemplate();
    }
    if (template == null) {
      throw new ProviderException(what + " has no spec.template", false);
    }
    Map<String, String> matchLabels = selector == null ? Map.of() : ConfigTracker.orEmpty(selector.getMatchLabels());
    for (String label : selectorLabels) {
      if (matchLabels.containsKey(label)) {
        return new Target(object instanceof Deployment d ? d : null, template, label, matchLabels.get(label));
      }
    }
    throw new ProviderException(what + " spec.selector.matchLabels must contain one of ["
        + String.join(" ", selectorLabels) + "]", false);
  }

  private Deployment primary(Canary canary) {
    String name = canary.spec().targetRef().name() + "-primary";
    Deployment primary = calls.get(Deployment.class, canary.namespace(), name,
        "deployment " + KubeCalls.key(name, canary.namespace()));
    if (primary == null) {
      throw new ProviderException("deployment " + KubeCalls.key(name, canary.namespace()) + " not found", true);
    }
    return primary;
  }

  private static int replicas(Deployment deployment) {
    Integer replicas = deployment.getSpec() == null ? null : deployment.getSpec().getReplicas();
    return replicas == null ? 1 : replicas;
  }

  private static Map<String, String> templateLabels(Deployment deployment) {
    var template = deployment.getSpec() == null ? null : deployment.getSpec().getTemplate();
    return template == null || template.getMetadata() == null ? Map.of()
        : ConfigTracker.orEmpty(template.getMetadata().getLabels());
  }

  private static String apexWhat(Canary canary) {
    return "service " + KubeCalls.key(canary.spec().serviceName(), canary.namespace());
  }

  /** The target's pod template and selector label; {@code deployment} is null for a DaemonSet. */
  private record Target(Deployment deployment, io.fabric8.kubernetes.api.model.PodTemplateSpec template,
      String label, String value) {
    Map<String, String> templateLabels() {
      return template.getMetadata() == null ? Map.of() : ConfigTracker.orEmpty(template.getMetadata().getLabels());
    }
  }
}
