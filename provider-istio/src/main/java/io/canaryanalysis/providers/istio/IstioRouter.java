package io.canaryanalysis.providers.istio;

import static io.canaryanalysis.providers.istio.IstioObjects.DESTINATION_RULE;
import static io.canaryanalysis.providers.istio.IstioObjects.KUBECTL_LAST_APPLIED;
import static io.canaryanalysis.providers.istio.IstioObjects.MANAGED_BY_CANARY;
import static io.canaryanalysis.providers.istio.IstioObjects.ORIGINAL_CONFIGURATION;
import static io.canaryanalysis.providers.istio.IstioObjects.VIRTUAL_SERVICE;

import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.ObjectMetadata;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes a canary through Istio, as Flagger's Istio provider does: DestinationRules
 * {@code <service>-primary} and {@code <service>-canary} and a VirtualService {@code <service>}
 * whose HTTP (or TCP) route splits traffic by weight, with A/B header matching, mirroring and
 * cookie session affinity.
 *
 * <p>Unlike Flagger it keeps an in-flight split when the spec changes, writes nothing when the
 * objects already match, guards every write with {@code resourceVersion} (retrying conflicts on a
 * fresh read) and stores the user's VirtualService spec only once, at takeover.
 */
public final class IstioRouter implements TrafficRouter, AutoCloseable {
  /** Istio's {@code v1beta1} networking API, the default (Flagger's). */
  public static final String API_VERSION_V1BETA1 = "networking.istio.io/v1beta1";
  /** Istio's {@code v1} networking API (Istio 1.22 and later). */
  public static final String API_VERSION_V1 = "networking.istio.io/v1";

  private static final Logger LOG = LoggerFactory.getLogger(IstioRouter.class);
  private static final RouterCapabilities CAPABILITIES =
      new RouterCapabilities(true, true, true, true, true);
  private static final int MAX_WRITE_ATTEMPTS = 4;
  private static final String COOKIE_LETTERS =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  private static final int COOKIE_LENGTH = 10;

  private final KubernetesClient client;
  private final IstioObjects objects;
  private final RouteRenderer renderer;
  private final KubernetesSerialization json;
  private final IstioCache cache;

  IstioRouter(KubernetesClient client, String version, Supplier<String> cookieValues) {
    this(client, version, cookieValues, false, null);
  }

  private IstioRouter(KubernetesClient client, String version, Supplier<String> cookieValues,
      boolean informers, String namespace) {
    this.client = Objects.requireNonNull(client, "client");
    this.objects = new IstioObjects(version);
    this.renderer = new RouteRenderer(cookieValues);
    this.json = client.getKubernetesSerialization();
    this.cache = informers ? new IstioCache(client, objects, namespace, Duration.ofMinutes(5),
        Duration.ofSeconds(60)) : null;
  }

  /** The informer caches, or null; for tests. */
  IstioCache cache() {
    return cache;
  }

  IstioObjects objects() {
    return objects;
  }

  /** Stops the informers, if the router was built with {@link Builder#informers}. */
  @Override
  public void close() {
    if (cache != null) {
      cache.close();
    }
  }

  /** Starts a router on {@code client}, writing {@value #API_VERSION_V1BETA1} objects by default. */
  public static Builder builder(KubernetesClient client) {
    return new Builder(client);
  }

  /** The API version of the objects this router reads and writes. */
  public String apiVersion() {
    return objects.apiVersion();
  }

  /** {@code spec.provider: istio}. */
  @Override
  public String kind() {
    return "istio";
  }

  @Override
  public RouterCapabilities capabilities() {
    return CAPABILITIES;
  }

  @Override
  public List<SpecProblem> validate(Canary canary) {
    return IstioSpecValidator.validate(canary);
  }

  @Override
  public void reconcile(Canary canary) {
    ensureDestinationRule(canary, RouteRenderer.primaryName(canary));
    ensureDestinationRule(canary, RouteRenderer.canaryName(canary));
    writeVirtualService(canary, existing -> splitToKeep(canary, existing));
  }

  @Override
  public void setRoutes(Canary canary, TrafficSplit split) {
    Objects.requireNonNull(split, "split");
    if (split.mirrored() && RouteRenderer.isTcp(canary)) {
      throw new ProviderException("VirtualService " + vsKey(canary)
          + ": mirroring needs an HTTP route, but spec.service.appProtocol is tcp", false);
    }
    if (writeVirtualService(canary, existing -> split)) {
      ensureDestinationRule(canary, RouteRenderer.primaryName(canary));
      ensureDestinationRule(canary, RouteRenderer.canaryName(canary));
    }
  }

  @Override
  public TrafficSplit getRoutes(Canary canary) {
    GenericKubernetesResource vs = get(objects.virtualServices(), canary, VIRTUAL_SERVICE,
        RouteRenderer.apexName(canary));
    if (vs == null) {
      throw new ProviderException("VirtualService " + vsKey(canary) + " not found", true);
    }
    return RouteReader.split(canary, vs);
  }

  /**
   * Restores the user's VirtualService spec when one was stored at takeover (from
   * {@code kubectl.kubernetes.io/last-applied-configuration} or
   * {@code flagger.kubernetes.io/original-configuration}); otherwise, when the VirtualService is
   * this canary's, routes all traffic to the primary. A VirtualService that is not (or no longer)
   * managed by the canary is left alone.
   */
  @Override
  public void finalizeRoutes(Canary canary) {
    String name = RouteRenderer.apexName(canary);
    GenericKubernetesResource vs = get(objects.virtualServices(), canary, VIRTUAL_SERVICE, name);
    if (vs == null) {
      LOG.info("Canary {}: VirtualService {} not found, nothing to revert", canary.key(), vsKey(canary));
      return;
    }
    Map<String, Object> original = storedOriginalSpec(canary, annotations(vs));
    if (original == null) {
      if (isManaged(vs, canary)) {
        setRoutes(canary, TrafficSplit.ALL_PRIMARY);
      } else {
        LOG.info("Canary {}: VirtualService {} is not managed by this canary, nothing to revert",
            canary.key(), vsKey(canary));
      }
      return;
    }
    withConflictRetry(canary, VIRTUAL_SERVICE, name, "restore", attempt -> {
      GenericKubernetesResource current = attempt == 1 ? vs
          : get(objects.virtualServices(), canary, VIRTUAL_SERVICE, name, true);
      if (current == null) {
        return null;
      }
      Map<String, String> annotations = annotations(current);
      Map<String, String> restoredAnnotations = new LinkedHashMap<>(annotations);
      List.of(MANAGED_BY_CANARY, ORIGINAL_CONFIGURATION, IstioObjects.CANARY_COOKIE,
          IstioObjects.PRIMARY_COOKIE, IstioObjects.PREVIOUS_CANARY_COOKIE)
          .forEach(restoredAnnotations::remove);
      if (JsonTrees.equivalent(current.getAdditionalProperties().get("spec"), original)
          && restoredAnnotations.equals(annotations)) {
        return null;
      }
      GenericKubernetesResource restored = json.clone(current);
      restored.getMetadata().setAnnotations(restoredAnnotations);
      restored.setAdditionalProperty("spec", JsonTrees.copyOfMap(original));
      written(objects.virtualServices(),
          resources(objects.virtualServices(), canary).resource(restored).update());
      LOG.info("Canary {}: VirtualService {} restored to its original spec", canary.key(), vsKey(canary));
      return null;
    });
  }

  /** The split reconcile keeps: the one the VirtualService applies now, if it is ours and readable. */
  private TrafficSplit splitToKeep(Canary canary, GenericKubernetesResource existing) {
    if (existing == null || !isManaged(existing, canary)) {
      return TrafficSplit.ALL_PRIMARY;
    }
    try {
      return RouteReader.split(canary, existing);
    } catch (ProviderException e) {
      LOG.warn("Canary {}: {}; resetting the routes to the primary", canary.key(), e.getMessage());
      return TrafficSplit.ALL_PRIMARY;
    }
  }

  /** Creates or updates the VirtualService; true when it was created. */
  private boolean writeVirtualService(
      Canary canary, Function<GenericKubernetesResource, TrafficSplit> splitFor) {
    String name = RouteRenderer.apexName(canary);
    Boolean created = withConflictRetry(canary, VIRTUAL_SERVICE, name, "write", attempt -> {
      GenericKubernetesResource existing =
          get(objects.virtualServices(), canary, VIRTUAL_SERVICE, name, attempt > 1);
      TrafficSplit split = splitFor.apply(existing);
      if (existing == null) {
        written(objects.virtualServices(), resources(objects.virtualServices(), canary)
            .resource(newVirtualService(canary, split)).create());
        LOG.info("Canary {}: VirtualService {} created with primary={} canary={} mirrored={}",
            canary.key(), vsKey(canary), split.primaryWeight(), split.canaryWeight(), split.mirrored());
        return true;
      }
      GenericKubernetesResource updated = updatedVirtualService(canary, existing, split);
      if (updated != null) {
        written(objects.virtualServices(),
            resources(objects.virtualServices(), canary).resource(updated).update());
        LOG.info("Canary {}: VirtualService {} updated to primary={} canary={} mirrored={}",
            canary.key(), vsKey(canary), split.primaryWeight(), split.canaryWeight(), split.mirrored());
      }
      return false;
    });
    return Boolean.TRUE.equals(created);
  }

  private GenericKubernetesResource newVirtualService(Canary canary, TrafficSplit split) {
    RouteRenderer.Rendered rendered =
        renderer.virtualServiceSpec(canary, split, SessionCookies.NONE);
    Map<String, String> annotations = new LinkedHashMap<>();
    Map<String, String> labels = new LinkedHashMap<>();
    applyApexMetadata(canary, labels, annotations);
    rendered.cookies().writeTo(annotations);
    ObjectMeta metadata = newMetadata(canary, RouteRenderer.apexName(canary));
    metadata.setLabels(labels);
    metadata.setAnnotations(annotations);
    return newResource(VIRTUAL_SERVICE, metadata, rendered.spec());
  }

  /** The VirtualService as it must be, or null when it already is. */
  private GenericKubernetesResource updatedVirtualService(
      Canary canary, GenericKubernetesResource existing, TrafficSplit split) {
    Map<String, String> existingAnnotations = annotations(existing);
    Map<String, String> existingLabels = labels(existing);
    Map<String, String> annotations = new LinkedHashMap<>(existingAnnotations);
    Map<String, String> labels = new LinkedHashMap<>(existingLabels);
    Object existingSpec = existing.getAdditionalProperties().get("spec");
    if (!isManaged(existing, canary) && !annotations.containsKey(KUBECTL_LAST_APPLIED)
        && !annotations.containsKey(ORIGINAL_CONFIGURATION)) {
      annotations.put(ORIGINAL_CONFIGURATION,
          json.asJson(existingSpec == null ? Map.of() : existingSpec));
      LOG.info("Canary {}: taking over VirtualService {}; its spec is kept in annotation {}",
          canary.key(), vsKey(canary), ORIGINAL_CONFIGURATION);
    }
    RouteRenderer.Rendered rendered = renderer.virtualServiceSpec(
        canary, split, SessionCookies.fromAnnotations(annotations));
    rendered.cookies().writeTo(annotations);
    applyApexMetadata(canary, labels, annotations);
    if (JsonTrees.equivalent(existingSpec, rendered.spec())
        && annotations.equals(existingAnnotations) && labels.equals(existingLabels)) {
      return null;
    }
    GenericKubernetesResource updated = json.clone(existing);
    updated.getMetadata().setAnnotations(annotations);
    updated.getMetadata().setLabels(labels);
    updated.setAdditionalProperty("spec", rendered.spec());
    return updated;
  }

  private void ensureDestinationRule(Canary canary, String name) {
    withConflictRetry(canary, DESTINATION_RULE, name, "write", attempt -> {
      GenericKubernetesResource existing =
          get(objects.destinationRules(), canary, DESTINATION_RULE, name, attempt > 1);
      Map<String, Object> spec = RouteRenderer.destinationRuleSpec(canary, name);
      if (existing == null) {
        written(objects.destinationRules(), resources(objects.destinationRules(), canary)
            .resource(newResource(DESTINATION_RULE, newMetadata(canary, name), spec)).create());
        LOG.info("Canary {}: DestinationRule {}.{} created", canary.key(), name, canary.namespace());
      } else if (!JsonTrees.equivalent(existing.getAdditionalProperties().get("spec"), spec)) {
        GenericKubernetesResource updated = json.clone(existing);
        updated.setAdditionalProperty("spec", spec);
        written(objects.destinationRules(),
            resources(objects.destinationRules(), canary).resource(updated).update());
        LOG.info("Canary {}: DestinationRule {}.{} updated", canary.key(), name, canary.namespace());
      }
      return null;
    });
  }

  /** Ours: named by our annotation, or owned by the Canary (also true of Flagger's objects). */
  private static boolean isManaged(GenericKubernetesResource vs, Canary canary) {
    if (canary.name().equals(annotations(vs).get(MANAGED_BY_CANARY))) {
      return true;
    }
    List<OwnerReference> owners = vs.getMetadata().getOwnerReferences();
    return owners != null && owners.stream().anyMatch(owner -> Canary.KIND.equals(owner.getKind())
        && canary.name().equals(owner.getName())
        && owner.getApiVersion() != null && owner.getApiVersion().startsWith("flagger.app/"));
  }

  private Map<String, Object> storedOriginalSpec(Canary canary, Map<String, String> annotations) {
    if (annotations.containsKey(KUBECTL_LAST_APPLIED)) {
      Map<?, ?> applied = parseAnnotation(canary, KUBECTL_LAST_APPLIED, annotations);
      if (!(applied.get("spec") instanceof Map<?, ?> spec)) {
        throw new ProviderException("VirtualService " + vsKey(canary) + ": annotation "
            + KUBECTL_LAST_APPLIED + " holds no spec to restore", false);
      }
      return JsonTrees.copyOfMap(castMap(spec));
    }
    if (annotations.containsKey(ORIGINAL_CONFIGURATION)) {
      return JsonTrees.copyOfMap(castMap(parseAnnotation(canary, ORIGINAL_CONFIGURATION, annotations)));
    }
    return null;
  }

  private Map<?, ?> parseAnnotation(Canary canary, String key, Map<String, String> annotations) {
    try {
      Map<?, ?> parsed = json.unmarshal(annotations.get(key), Map.class);
      if (parsed == null) {
        throw new IllegalArgumentException("empty");
      }
      return parsed;
    } catch (RuntimeException e) {
      throw new ProviderException("VirtualService " + vsKey(canary) + ": annotation " + key
          + " is not a JSON object, cannot restore the original spec", false, e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Map<?, ?> map) {
    return (Map<String, Object>) map;
  }

  /** Apex labels and annotations, without Flux's toolkit keys (Flagger strips them too). */
  private static void applyApexMetadata(
      Canary canary, Map<String, String> labels, Map<String, String> annotations) {
    ObjectMetadata apex = canary.spec().service().apex();
    apex.labels().forEach((k, v) -> {
      if (!k.contains("toolkit.fluxcd.io")) {
        labels.put(k, v);
      }
    });
    apex.annotations().forEach((k, v) -> {
      if (!k.contains("toolkit.fluxcd.io")) {
        annotations.put(k, v);
      }
    });
    annotations.put(MANAGED_BY_CANARY, canary.name());
  }

  private static ObjectMeta newMetadata(Canary canary, String name) {
    ObjectMeta metadata = new ObjectMeta();
    metadata.setName(name);
    metadata.setNamespace(canary.namespace());
    if (canary.uid() != null) {
      metadata.setOwnerReferences(List.of(new OwnerReferenceBuilder()
          .withApiVersion(Canary.API_VERSION)
          .withKind(Canary.KIND)
          .withName(canary.name())
          .withUid(canary.uid())
          .withController(true)
          .withBlockOwnerDeletion(true)
          .build()));
    }
    return metadata;
  }

  private GenericKubernetesResource newResource(
      String kind, ObjectMeta metadata, Map<String, Object> spec) {
    GenericKubernetesResource resource = new GenericKubernetesResource();
    resource.setApiVersion(objects.apiVersion());
    resource.setKind(kind);
    resource.setMetadata(metadata);
    resource.setAdditionalProperty("spec", spec);
    return resource;
  }

  private static Map<String, String> annotations(GenericKubernetesResource resource) {
    Map<String, String> annotations = resource.getMetadata().getAnnotations();
    return annotations == null ? Map.of() : annotations;
  }

  private static Map<String, String> labels(GenericKubernetesResource resource) {
    Map<String, String> labels = resource.getMetadata().getLabels();
    return labels == null ? Map.of() : labels;
  }

  private NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList,
      Resource<GenericKubernetesResource>> resources(ResourceDefinitionContext context, Canary canary) {
    return client.genericKubernetesResources(context).inNamespace(canary.namespace());
  }

  private GenericKubernetesResource get(
      ResourceDefinitionContext context, Canary canary, String kind, String name) {
    return get(context, canary, kind, name, false);
  }

  /** From the informer cache when there is one, unless {@code live} (a retry after a conflict). */
  private GenericKubernetesResource get(
      ResourceDefinitionContext context, Canary canary, String kind, String name, boolean live) {
    if (cache != null && !live && cache.covers(canary.namespace())) {
      return cache.get(context, canary.namespace(), name);
    }
    try {
      return resources(context, canary).withName(name).get();
    } catch (KubernetesClientException e) {
      throw failure(e, kind, name, canary, "read");
    }
  }

  private void written(ResourceDefinitionContext context, GenericKubernetesResource object) {
    if (cache != null) {
      cache.written(context, object);
    }
  }

  /** One read-decide-write step, retried on a fresh read when the write meets a 409 Conflict. */
  private interface WriteStep<T> {
    T run(int attempt);
  }

  private <T> T withConflictRetry(
      Canary canary, String kind, String name, String action, WriteStep<T> step) {
    for (int attempt = 1; ; attempt++) {
      try {
        return step.run(attempt);
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= MAX_WRITE_ATTEMPTS) {
          throw failure(e, kind, name, canary, action);
        }
        LOG.debug("Canary {}: {} {}.{} changed while writing (attempt {}), retrying on a fresh read",
            canary.key(), kind, name, canary.namespace(), attempt);
      }
    }
  }

  private ProviderException failure(
      KubernetesClientException e, String kind, String name, Canary canary, String action) {
    int code = e.getCode();
    String reason = e.getStatus() != null && e.getStatus().getMessage() != null
        ? e.getStatus().getMessage() : e.getMessage();
    StringBuilder message = new StringBuilder()
        .append(kind).append(' ').append(name).append('.').append(canary.namespace())
        .append(' ').append(action).append(" failed");
    if (code > 0) {
      message.append(" (HTTP ").append(code).append(')');
    }
    message.append(": ").append(reason);
    if (code == 404) {
      message.append(" (is Istio's ").append(objects.apiVersion()).append(' ').append(kind)
          .append(" API installed?)");
    }
    boolean retriable = code == 0 || code == 409 || code == 429 || code >= 500;
    return new ProviderException(message.toString(), retriable, e);
  }

  private static String vsKey(Canary canary) {
    return RouteRenderer.apexName(canary) + "." + canary.namespace();
  }

  private static String randomCookieValue(SecureRandom random) {
    StringBuilder value = new StringBuilder(COOKIE_LENGTH);
    for (int i = 0; i < COOKIE_LENGTH; i++) {
      value.append(COOKIE_LETTERS.charAt(random.nextInt(COOKIE_LETTERS.length())));
    }
    return value.toString();
  }

  /** Configures an {@link IstioRouter}. */
  public static final class Builder {
    private final KubernetesClient client;
    private String apiVersion = API_VERSION_V1BETA1;
    private boolean informers;
    private String namespace;

    private Builder(KubernetesClient client) {
      this.client = Objects.requireNonNull(client, "client");
    }

    /**
     * Reads VirtualServices and DestinationRules from informer caches of {@code namespace} (null:
     * all namespaces; needs list and watch on them) instead of a GET each, so a steady tick costs
     * no request; {@link IstioRouter#build} waits for the first list. Close the router to stop them.
     */
    public Builder informers(String namespace) {
      this.informers = true;
      this.namespace = namespace;
      return this;
    }

    /**
     * The Istio networking API to use: {@value IstioRouter#API_VERSION_V1BETA1} (default) or
     * {@value IstioRouter#API_VERSION_V1}.
     */
    public Builder apiVersion(String apiVersion) {
      if (!API_VERSION_V1BETA1.equals(apiVersion) && !API_VERSION_V1.equals(apiVersion)) {
        throw new IllegalArgumentException("apiVersion must be " + API_VERSION_V1BETA1 + " or "
            + API_VERSION_V1 + ", got " + apiVersion);
      }
      this.apiVersion = apiVersion;
      return this;
    }

    public IstioRouter build() {
      SecureRandom random = new SecureRandom();
      return new IstioRouter(client, apiVersion.substring(apiVersion.indexOf('/') + 1),
          () -> randomCookieValue(random), informers, namespace);
    }
  }
}
