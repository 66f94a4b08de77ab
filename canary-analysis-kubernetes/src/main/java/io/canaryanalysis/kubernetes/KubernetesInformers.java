package io.canaryanalysis.kubernetes;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Informer caches (fabric8 {@link SharedIndexInformer}s, one per kind, of one namespace or all)
 * of the objects a tick reads: Canaries, MetricTemplates, AlertProviders, Deployments, Services,
 * ConfigMaps, Secrets, HorizontalPodAutoscalers ({@code autoscaling/v2}) and, when KEDA's CRD is
 * installed, ScaledObjects. Given to {@link DeploymentWorkload.Builder#informers}, {@link CanaryResources#create(KubernetesClient, KubernetesInformers)},
 * {@link KubernetesEventSink.Builder#informers}, {@link KubernetesRouter.Builder#informers},
 * {@link KubernetesMetricTemplates#create(KubernetesClient, KubernetesInformers)}
 * and {@link CanaryController.Builder#informers}, every read of a tick comes from memory instead
 * of a GET, and the controller ticks a canary as soon as its Canary, target or tracked config
 * changes.
 *
 * <p>An object this process wrote is served from the write's answer until the watch delivers
 * that version (or a newer one), so the next tick does not decide from its own stale copy; a
 * write that still meets a conflict is retried on a live read. A dropped watch is re-established
 * by fabric8 (list, then watch from the new version) and the resync re-delivers every object to
 * the controller's handlers, so a gap is reconciled. Cached objects are shared: read-only.
 */
public final class KubernetesInformers implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesInformers.class);
  /** How long an object we wrote is preferred over an older cached one. */
  private static final long OVERLAY_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final KubernetesClient client;
  private final String namespace;
  private final Map<Class<?>, SharedIndexInformer<? extends HasMetadata>> typed = new LinkedHashMap<>();
  private final SharedIndexInformer<GenericKubernetesResource> canaries;
  private final SharedIndexInformer<GenericKubernetesResource> metricTemplates;
  private final SharedIndexInformer<GenericKubernetesResource> alertProviders;
  private final SharedIndexInformer<GenericKubernetesResource> scaledObjects;
  private final Map<String, Written> written = new ConcurrentHashMap<>();

  /** An object this process wrote, and when. */
  private record Written(HasMetadata object, long at) {}

  private KubernetesInformers(Builder b) {
    this.client = b.client;
    this.namespace = b.namespace;
    long resync = b.resync.toMillis();
    SharedIndexInformer<Deployment> deployments = informer(client.resources(Deployment.class), resync);
    deployments.addIndexers(Map.of(ChangeTriggers.CONFIGS_INDEX, ChangeTriggers::configReferences));
    typed.put(Deployment.class, deployments);
    typed.put(Service.class, informer(client.resources(Service.class), resync));
    typed.put(ConfigMap.class, informer(client.resources(ConfigMap.class), resync));
    if (b.secrets) {
      typed.put(Secret.class, informer(client.resources(Secret.class), resync));
    }
    if (b.autoscalers) {
      typed.put(HorizontalPodAutoscaler.class, informer(client.resources(HorizontalPodAutoscaler.class), resync));
    }
    boolean keda = b.scaledObjects != null ? b.scaledObjects : b.autoscalers && kedaInstalled(client);
    this.scaledObjects = keda
        ? informer(client.genericKubernetesResources(Autoscalers.SCALED_OBJECTS), resync) : null;
    this.canaries = informer(client.genericKubernetesResources(FlaggerKinds.CANARY), resync);
    this.metricTemplates = b.metricTemplates
        ? informer(client.genericKubernetesResources(FlaggerKinds.METRIC_TEMPLATE), resync) : null;
    this.alertProviders = b.alertProviders
        ? informer(client.genericKubernetesResources(FlaggerKinds.ALERT_PROVIDER), resync) : null;
    typed.forEach((type, informer) -> addForget(informer, type.getSimpleName()));
    canaries.addEventHandler(new Forget<>("Canary"));
    if (scaledObjects != null) {
      scaledObjects.addEventHandler(new Forget<>(Autoscalers.SCALED_OBJECT));
    }
  }

  /** Whether the API server serves {@code keda.sh/v1alpha1} (discovery, which every client may read). */
  private static boolean kedaInstalled(KubernetesClient client) {
    try {
      io.fabric8.kubernetes.api.model.APIGroup keda = client.getApiGroup("keda.sh");
      return keda != null && keda.getVersions() != null
          && keda.getVersions().stream().anyMatch(v -> "v1alpha1".equals(v.getVersion()));
    } catch (KubernetesClientException e) {
      LOG.debug("API discovery for keda.sh failed, not caching ScaledObjects: {}", e.getMessage());
      return false;
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private void addForget(SharedIndexInformer informer, String kind) {
    informer.addEventHandler(new Forget(kind));
  }

  /** Drops the written copy once the watch delivers that version, a newer one, or a deletion. */
  private final class Forget<T extends HasMetadata> implements ResourceEventHandler<T> {
    private final String kind;

    Forget(String kind) {
      this.kind = kind;
    }

    private void seen(T object, boolean deleted) {
      String key = kind + "/" + object.getMetadata().getNamespace() + "/" + object.getMetadata().getName();
      Written mine = written.get(key);
      if (mine != null && (deleted || !older(object, mine.object()))) {
        written.remove(key, mine);
      }
    }

    @Override
    public void onAdd(T object) {
      seen(object, false);
    }

    @Override
    public void onUpdate(T before, T after) {
      seen(after, false);
    }

    @Override
    public void onDelete(T object, boolean unknownFinalState) {
      seen(object, true);
    }
  }

  public static Builder builder(KubernetesClient client) {
    return new Builder(client);
  }

  /** Configures and starts {@link KubernetesInformers}. */
  public static final class Builder {
    private final KubernetesClient client;
    private String namespace;
    private Duration resync = Duration.ofMinutes(5);
    private Duration syncTimeout = Duration.ofSeconds(60);
    private boolean secrets = true;
    private boolean metricTemplates = true;
    private boolean alertProviders = true;
    private boolean autoscalers = true;
    private Boolean scaledObjects;

    private Builder(KubernetesClient client) {
      this.client = Objects.requireNonNull(client, "client");
    }

    /** Cache one namespace; default all namespaces (needs cluster-wide list and watch). */
    public Builder namespace(String namespace) {
      this.namespace = namespace;
      return this;
    }

    /**
     * How often every cached object is re-delivered to the handlers (the safety net for a missed
     * event; no API request); default 5 minutes.
     */
    public Builder resync(Duration resync) {
      if (resync.isNegative() || resync.isZero()) {
        throw new IllegalArgumentException("resync must be positive, got " + resync);
      }
      this.resync = resync;
      return this;
    }

    /** How long {@link #start()} waits for the first list of every kind; default 60 s. */
    public Builder syncTimeout(Duration syncTimeout) {
      this.syncTimeout = Objects.requireNonNull(syncTimeout, "syncTimeout");
      return this;
    }

    /**
     * Whether Secrets are cached (for config tracking); default true. Without, tracked Secrets are
     * read with a GET each time, and RBAC needs no list or watch on Secrets.
     */
    public Builder secrets(boolean secrets) {
      this.secrets = secrets;
      return this;
    }

    /**
     * Whether HorizontalPodAutoscalers are cached (for {@code autoscalerRef}), and KEDA
     * ScaledObjects when the API server serves {@code keda.sh/v1alpha1}; default true (needs list
     * and watch on them). Without, each tick of a canary with an autoscaler GETs it.
     */
    public Builder autoscalers(boolean autoscalers) {
      this.autoscalers = autoscalers;
      return this;
    }

    /**
     * Whether KEDA ScaledObjects are cached, overriding the discovery of {@link #autoscalers}: true
     * caches them (the CRD must exist, or {@link #start()} fails), false never does.
     */
    public Builder scaledObjects(boolean scaledObjects) {
      this.scaledObjects = scaledObjects;
      return this;
    }

    /** Whether MetricTemplates are cached; default true (needs list and watch on them). */
    public Builder metricTemplates(boolean metricTemplates) {
      this.metricTemplates = metricTemplates;
      return this;
    }

    /**
     * Whether AlertProviders are cached, for {@link KubernetesInformers#alertProviderSpec}; default
     * true (needs list and watch on them).
     */
    public Builder alertProviders(boolean alertProviders) {
      this.alertProviders = alertProviders;
      return this;
    }

    /**
     * Starts the informers and waits until each has listed its kind once.
     *
     * @throws io.canaryanalysis.api.ProviderException when a list fails or times out
     */
    public KubernetesInformers start() {
      KubernetesInformers informers = new KubernetesInformers(this);
      informers.run(syncTimeout);
      return informers;
    }
  }

  private <T extends HasMetadata> SharedIndexInformer<T> informer(
      io.fabric8.kubernetes.client.dsl.MixedOperation<T, ?, ?> operation, long resyncMillis) {
    return namespace == null
        ? operation.inAnyNamespace().runnableInformer(resyncMillis).removeNamespaceIndex()
        : operation.inNamespace(namespace).runnableInformer(resyncMillis).removeNamespaceIndex();
  }

  private void run(Duration timeout) {
    List<SharedIndexInformer<?>> all = all();
    List<java.util.concurrent.CompletableFuture<Void>> started = new ArrayList<>();
    for (SharedIndexInformer<?> informer : all) {
      started.add(informer.start().toCompletableFuture());
    }
    try {
      java.util.concurrent.CompletableFuture.allOf(started.toArray(new java.util.concurrent.CompletableFuture[0]))
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new io.canaryanalysis.api.ProviderException("interrupted while the informers listed", true, e);
    } catch (ExecutionException | TimeoutException e) {
      close();
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new io.canaryanalysis.api.ProviderException("informers did not list their objects"
          + " within " + timeout + ": " + cause.getMessage(), true, cause);
    }
    LOG.info("informer caches synced ({} kinds, {})", all.size(),
        namespace == null ? "all namespaces" : "namespace " + namespace);
  }

  private List<SharedIndexInformer<?>> all() {
    List<SharedIndexInformer<?>> all = new ArrayList<>(typed.values());
    all.add(canaries);
    if (metricTemplates != null) {
      all.add(metricTemplates);
    }
    if (alertProviders != null) {
      all.add(alertProviders);
    }
    if (scaledObjects != null) {
      all.add(scaledObjects);
    }
    return all;
  }

  /** Whether {@code namespace} is within the cached scope. */
  boolean covers(String namespace) {
    return this.namespace == null || this.namespace.equals(namespace);
  }

  /** Whether objects of {@code type} in {@code namespace} are cached. */
  boolean caches(Class<?> type, String namespace) {
    return typed.containsKey(type) && covers(namespace);
  }

  /** The cached object (or the newer one this process wrote), null when it does not exist. */
  @SuppressWarnings("unchecked")
  <T extends HasMetadata> T get(Class<T> type, String namespace, String name) {
    SharedIndexInformer<T> informer = (SharedIndexInformer<T>) typed.get(type);
    return newest(type.getSimpleName(), namespace, name, informer.getStore().getByKey(namespace + "/" + name));
  }

  GenericKubernetesResource canary(String namespace, String name) {
    return newest("Canary", namespace, name, canaries.getStore().getByKey(namespace + "/" + name));
  }

  List<GenericKubernetesResource> canaries(String namespace) {
    List<GenericKubernetesResource> out = new ArrayList<>();
    for (GenericKubernetesResource item : canaries.getStore().list()) {
      if (namespace == null || namespace.equals(item.getMetadata().getNamespace())) {
        out.add(newest("Canary", item.getMetadata().getNamespace(), item.getMetadata().getName(), item));
      }
    }
    return out;
  }

  /** Whether ScaledObjects of {@code namespace} are cached (see {@link #scaledObject}). */
  boolean cachesScaledObjects(String namespace) {
    return scaledObjects != null && covers(namespace);
  }

  /** The cached ScaledObject (or the newer one this process wrote), null when it does not exist. */
  GenericKubernetesResource scaledObject(String namespace, String name) {
    return newest(Autoscalers.SCALED_OBJECT, namespace, name, scaledObjects.getStore().getByKey(namespace + "/" + name));
  }

  /** Null when MetricTemplates are not cached (the caller reads them itself). */
  GenericKubernetesResource metricTemplate(String namespace, String name) {
    return metricTemplates == null ? null : metricTemplates.getStore().getByKey(namespace + "/" + name);
  }

  /** Whether AlertProviders of {@code namespace} are cached (see {@link #alertProviderSpec}). */
  public boolean cachesAlertProviders(String namespace) {
    return alertProviders != null && covers(namespace);
  }

  /**
   * The {@code spec} of the AlertProvider {@code namespace/name} from the cache (empty when it does
   * not exist), so an alert sender finds its provider without a GET per alert.
   *
   * @throws IllegalStateException when AlertProviders of {@code namespace} are not cached
   */
  public java.util.Optional<Map<String, Object>> alertProviderSpec(String namespace, String name) {
    if (!cachesAlertProviders(namespace)) {
      throw new IllegalStateException("AlertProviders of namespace " + namespace + " are not cached");
    }
    GenericKubernetesResource provider = alertProviders.getStore().getByKey(namespace + "/" + name);
    if (provider == null) {
      return java.util.Optional.empty();
    }
    Object spec = provider.getAdditionalProperties().get("spec");
    @SuppressWarnings("unchecked")
    Map<String, Object> map = spec instanceof Map ? (Map<String, Object>) spec : Map.of();
    return java.util.Optional.of(map);
  }

  boolean cachesMetricTemplates(String namespace) {
    return metricTemplates != null && covers(namespace);
  }

  /** Records an object this process just wrote (the API server's answer). */
  void written(HasMetadata object) {
    if (object == null || object.getMetadata() == null) {
      return;
    }
    String key = object.getKind() + "/" + object.getMetadata().getNamespace() + "/"
        + object.getMetadata().getName();
    written.put(key, new Written(object, System.nanoTime()));
  }

  void writtenCanary(GenericKubernetesResource canary) {
    if (canary != null) {
      canary.setKind("Canary");
      written(canary);
    }
  }

  @SuppressWarnings("unchecked")
  private <T extends HasMetadata> T newest(String kind, String namespace, String name, T cached) {
    String key = kind + "/" + namespace + "/" + name;
    Written mine = written.get(key);
    if (mine == null) {
      return cached;
    }
    boolean expired = System.nanoTime() - mine.at() > OVERLAY_NANOS;
    if (expired || (cached != null && !older(cached, mine.object()))) {
      written.remove(key, mine);
      return cached;
    }
    return (T) mine.object();
  }

  /** Whether {@code cached} is an older version than {@code mine} (resourceVersions as numbers, as etcd's are). */
  private static boolean older(HasMetadata cached, HasMetadata mine) {
    String a = cached.getMetadata().getResourceVersion();
    String b = mine.getMetadata().getResourceVersion();
    if (a == null || b == null) {
      return false;
    }
    try {
      return Long.parseLong(a) < Long.parseLong(b);
    } catch (NumberFormatException e) {
      return !a.equals(b);
    }
  }

  /** Handlers of the controller: Canary changes. */
  void onCanary(ResourceEventHandler<GenericKubernetesResource> handler) {
    canaries.addEventHandler(handler);
  }

  void onDeployment(ResourceEventHandler<Deployment> handler) {
    informer(Deployment.class).addEventHandler(handler);
  }

  void onConfigMap(ResourceEventHandler<ConfigMap> handler) {
    informer(ConfigMap.class).addEventHandler(handler);
  }

  void onSecret(ResourceEventHandler<Secret> handler) {
    SharedIndexInformer<Secret> secrets = informer(Secret.class);
    if (secrets != null) {
      secrets.addEventHandler(handler);
    }
  }

  List<Deployment> deploymentsBy(String index, String value) {
    return informer(Deployment.class).getIndexer().byIndex(index, value);
  }

  @SuppressWarnings("unchecked")
  private <T extends HasMetadata> SharedIndexInformer<T> informer(Class<T> type) {
    return (SharedIndexInformer<T>) typed.get(type);
  }

  /** Whether every informer is watching (false while a dropped watch is re-established). */
  public boolean isWatching() {
    return all().stream().allMatch(SharedIndexInformer::isWatching);
  }

  KubernetesClient client() {
    return client;
  }

  /** Stops every informer. */
  @Override
  public void close() {
    for (SharedIndexInformer<?> informer : all()) {
      try {
        informer.stop();
      } catch (KubernetesClientException | IllegalStateException e) {
        LOG.debug("stopping an informer: {}", e.getMessage());
      }
    }
  }
}
