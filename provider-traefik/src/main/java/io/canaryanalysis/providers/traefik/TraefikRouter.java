package io.canaryanalysis.providers.traefik;

import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Canary;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes a canary's traffic through a Traefik weighted {@code TraefikService} named after the
 * apex service, which the user's {@code IngressRoute} references. The router creates and owns that
 * object, keeps an in-flight split across spec changes, and writes with optimistic locking.
 *
 * <p>Weights only: header/cookie A/B routing, mirroring and session affinity are rejected by
 * {@link #validate(Canary)}. A zero weight really means no traffic: the canary entry is left out
 * at canary weight 0 (Traefik refuses a TraefikService whose Service has no endpoints) and the
 * primary entry is kept with an explicit {@code weight: 0}, which Traefik's weighted round robin
 * skips (an omitted weight would count as 1).
 */
public final class TraefikRouter implements TrafficRouter {
  private static final Logger LOG = LoggerFactory.getLogger(TraefikRouter.class);
  private static final int HTTP_NOT_FOUND = 404;
  private static final int HTTP_CONFLICT = 409;

  /** The API group of the TraefikService CRD. */
  public enum ApiGroup {
    /** Traefik v3, and v2 from 2.10 on. */
    TRAEFIK_IO("traefik.io"),
    /** Traefik v2 before 2.10 (deprecated in later v2 releases, removed in v3). */
    TRAEFIK_CONTAINO_US("traefik.containo.us");

    private final String group;

    ApiGroup(String group) {
      this.group = group;
    }

    /** The group name, for example {@code traefik.io}. */
    public String group() {
      return group;
    }

    /** {@code <group>/v1alpha1}. */
    public String apiVersion() {
      return group + "/" + TraefikServiceShape.VERSION;
    }
  }

  private final KubernetesClient client;
  private final ApiGroup apiGroup;
  private final ResourceDefinitionContext context;
  private final int maxConflictRetries;

  private TraefikRouter(Builder builder) {
    this.client = builder.client;
    this.apiGroup = builder.apiGroup;
    this.maxConflictRetries = builder.maxConflictRetries;
    this.context = new ResourceDefinitionContext.Builder()
        .withGroup(apiGroup.group())
        .withVersion(TraefikServiceShape.VERSION)
        .withKind(TraefikServiceShape.KIND)
        .withPlural(TraefikServiceShape.PLURAL)
        .withNamespaced(true)
        .build();
  }

  /** A router for {@code traefik.io/v1alpha1} with default retries. */
  public static TraefikRouter create(KubernetesClient client) {
    return builder(client).build();
  }

  public static Builder builder(KubernetesClient client) {
    return new Builder(client);
  }

  /** Configures a {@link TraefikRouter}. */
  public static final class Builder {
    private final KubernetesClient client;
    private ApiGroup apiGroup = ApiGroup.TRAEFIK_IO;
    private int maxConflictRetries = 4;

    private Builder(KubernetesClient client) {
      this.client = Objects.requireNonNull(client, "client");
    }

    /** The TraefikService API group; default {@link ApiGroup#TRAEFIK_IO}. */
    public Builder apiGroup(ApiGroup apiGroup) {
      this.apiGroup = Objects.requireNonNull(apiGroup, "apiGroup");
      return this;
    }

    /**
     * How many times a write that lost a race (HTTP 409) is retried on a fresh read before the call
     * fails with a retriable {@link ProviderException}; default 4.
     */
    public Builder maxConflictRetries(int maxConflictRetries) {
      if (maxConflictRetries < 0) {
        throw new IllegalArgumentException(
            "maxConflictRetries must be 0 or more, got " + maxConflictRetries);
      }
      this.maxConflictRetries = maxConflictRetries;
      return this;
    }

    public TraefikRouter build() {
      return new TraefikRouter(this);
    }
  }

  /** {@code spec.provider: traefik}. */
  @Override
  public String kind() {
    return "traefik";
  }

  @Override
  public RouterCapabilities capabilities() {
    return RouterCapabilities.WEIGHTS_ONLY;
  }

  @Override
  public List<SpecProblem> validate(Canary canary) {
    return TraefikSpecValidator.validate(canary);
  }

  @Override
  public void reconcile(Canary canary) {
    converge(canary, "reconcile", true,
        current -> current == null
            ? TrafficSplit.ALL_PRIMARY
            : TraefikServiceShape.effectiveSplit(spec(current), canary));
  }

  @Override
  public void setRoutes(Canary canary, TrafficSplit split) {
    Objects.requireNonNull(split, "split");
    if (split.mirrored()) {
      throw new ProviderException("TraefikService " + describe(canary)
          + ": traffic mirroring is not supported by the traefik router (mirror requested)", false);
    }
    converge(canary, "set routes", true, current -> split);
  }

  @Override
  public TrafficSplit getRoutes(Canary canary) {
    GenericKubernetesResource current = read(canary);
    if (current == null) {
      throw new ProviderException("TraefikService " + describe(canary)
          + " not found; reconcile creates it", true);
    }
    TraefikServiceShape.Reading reading =
        TraefikServiceShape.read(spec(current), canary);
    if (reading.problem() != null) {
      throw new ProviderException("TraefikService " + describe(canary) + " "
          + reading.problem() + "; reconcile restores it", true);
    }
    return reading.split();
  }

  @Override
  public void finalizeRoutes(Canary canary) {
    converge(canary, "finalize", false, current -> TrafficSplit.ALL_PRIMARY);
  }

  /**
   * Reads the object, computes the desired one and writes it only if it differs: a create when it
   * is missing (and {@code createIfMissing}), else a full update guarded by its resourceVersion.
   * A write that loses a race is retried on a fresh read.
   */
  private void converge(Canary canary, String operation, boolean createIfMissing,
      Function<GenericKubernetesResource, TrafficSplit> splitFor) {
    KubernetesClientException lastConflict = null;
    for (int attempt = 0; attempt <= maxConflictRetries; attempt++) {
      GenericKubernetesResource current = read(canary);
      if (current == null && !createIfMissing) {
        LOG.debug("TraefikService {} is absent, nothing to {}", describe(canary), operation);
        return;
      }
      TrafficSplit split = splitFor.apply(current);
      GenericKubernetesResource desired = current == null
          ? newObject(canary, split)
          : updatedObject(current, canary, split);
      if (desired == null) {
        LOG.debug("TraefikService {} already routes primary={} canary={}; no write for {}",
            describe(canary), split.primaryWeight(), split.canaryWeight(), operation);
        return;
      }
      try {
        if (current == null) {
          client.genericKubernetesResources(context).inNamespace(canary.namespace())
              .resource(desired).create();
          LOG.info("Created TraefikService {} for {} routing primary={} canary={}",
              describe(canary), operation, split.primaryWeight(), split.canaryWeight());
        } else {
          client.genericKubernetesResources(context).inNamespace(canary.namespace())
              .resource(desired).update();
          LOG.info("Updated TraefikService {} for {} routing primary={} canary={}",
              describe(canary), operation, split.primaryWeight(), split.canaryWeight());
        }
        return;
      } catch (KubernetesClientException e) {
        boolean lostRace = e.getCode() == HTTP_CONFLICT
            || (current != null && e.getCode() == HTTP_NOT_FOUND);
        if (!lostRace) {
          throw failure(canary, operation, e);
        }
        lastConflict = e;
        if (attempt < maxConflictRetries) {
          LOG.warn("TraefikService {} changed while writing for {} (HTTP {}), retrying on a "
              + "fresh read (retry {} of {})", describe(canary), operation, e.getCode(),
              attempt + 1, maxConflictRetries);
        }
      }
    }
    throw new ProviderException("TraefikService " + describe(canary) + ": " + operation
        + " gave up after " + (maxConflictRetries + 1)
        + " attempts that conflicted with other writers (HTTP 409)", true, lastConflict);
  }

  private GenericKubernetesResource read(Canary canary) {
    try {
      return client.genericKubernetesResources(context).inNamespace(canary.namespace())
          .withName(canary.spec().serviceName()).get();
    } catch (KubernetesClientException e) {
      throw failure(canary, "read", e);
    }
  }

  private GenericKubernetesResource newObject(Canary canary, TrafficSplit split) {
    GenericKubernetesResource resource = new GenericKubernetesResource();
    resource.setApiVersion(apiGroup.apiVersion());
    resource.setKind(TraefikServiceShape.KIND);
    resource.setMetadata(new ObjectMetaBuilder()
        .withName(canary.spec().serviceName())
        .withNamespace(canary.namespace())
        .withLabels(nullIfEmpty(TraefikServiceShape.apexLabels(canary)))
        .withAnnotations(nullIfEmpty(TraefikServiceShape.apexAnnotations(canary)))
        .withOwnerReferences(canary.uid() == null ? null : List.of(ownerReference(canary)))
        .build());
    resource.setAdditionalProperty("spec", TraefikServiceShape.desiredSpec(canary, split));
    return resource;
  }

  /** The stored object brought to the desired state, or null when it already is. */
  private GenericKubernetesResource updatedObject(
      GenericKubernetesResource current, Canary canary, TrafficSplit split) {
    ObjectMeta meta = current.getMetadata();
    Map<String, String> labels = TraefikServiceShape.apexLabels(canary);
    Map<String, String> annotations = TraefikServiceShape.apexAnnotations(canary);
    List<OwnerReference> owners = desiredOwners(meta.getOwnerReferences(), canary);
    Map<String, Object> spec = TraefikServiceShape.desiredSpec(canary, split);
    boolean upToDate = labels.equals(orEmpty(meta.getLabels()))
        && annotations.equals(orEmpty(meta.getAnnotations()))
        && sameOwners(owners, meta.getOwnerReferences())
        && spec.equals(spec(current));
    if (upToDate) {
      return null;
    }
    GenericKubernetesResource updated = new GenericKubernetesResource();
    updated.setApiVersion(current.getApiVersion());
    updated.setKind(current.getKind());
    updated.setMetadata(new ObjectMetaBuilder(meta)
        .withLabels(nullIfEmpty(labels))
        .withAnnotations(nullIfEmpty(annotations))
        .withOwnerReferences(owners.isEmpty() ? null : owners)
        .build());
    Map<String, Object> body = new LinkedHashMap<>(current.getAdditionalProperties());
    body.put("spec", spec);
    updated.setAdditionalProperties(body);
    return updated;
  }

  /** Other owners are kept; the Canary's controller reference is set (when it has a uid). */
  private static List<OwnerReference> desiredOwners(List<OwnerReference> current, Canary canary) {
    List<OwnerReference> owners = new ArrayList<>();
    if (current != null) {
      for (OwnerReference owner : current) {
        boolean canaryOwner = Canary.API_VERSION.equals(owner.getApiVersion())
            && Canary.KIND.equals(owner.getKind());
        if (!canaryOwner || canary.uid() == null) {
          owners.add(owner);
        }
      }
    }
    if (canary.uid() != null) {
      owners.add(ownerReference(canary));
    }
    return owners;
  }

  private static OwnerReference ownerReference(Canary canary) {
    return new OwnerReferenceBuilder()
        .withApiVersion(Canary.API_VERSION)
        .withKind(Canary.KIND)
        .withName(canary.name())
        .withUid(canary.uid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  private static boolean sameOwners(List<OwnerReference> desired, List<OwnerReference> current) {
    List<OwnerReference> actual = current == null ? List.of() : current;
    if (desired.size() != actual.size()) {
      return false;
    }
    for (int i = 0; i < desired.size(); i++) {
      OwnerReference a = desired.get(i);
      OwnerReference b = actual.get(i);
      boolean same = Objects.equals(a.getApiVersion(), b.getApiVersion())
          && Objects.equals(a.getKind(), b.getKind())
          && Objects.equals(a.getName(), b.getName())
          && Objects.equals(a.getUid(), b.getUid())
          && Objects.equals(a.getController(), b.getController())
          && Objects.equals(a.getBlockOwnerDeletion(), b.getBlockOwnerDeletion());
      if (!same) {
        return false;
      }
    }
    return true;
  }

  private ProviderException failure(Canary canary, String operation, KubernetesClientException e) {
    int code = e.getCode();
    boolean retriable = code == 0 || code == 408 || code == HTTP_CONFLICT || code == 429
        || code >= 500;
    String reason = e.getStatus() != null && e.getStatus().getMessage() != null
        ? e.getStatus().getMessage()
        : e.getMessage();
    return new ProviderException("TraefikService " + describe(canary) + " (" + apiGroup.apiVersion()
        + "): " + operation + " failed" + (code == 0 ? "" : " with HTTP " + code) + ": " + reason,
        retriable, e);
  }

  private static Object spec(GenericKubernetesResource resource) {
    return resource.getAdditionalProperties().get("spec");
  }

  private static String describe(Canary canary) {
    return canary.namespace() + "/" + canary.spec().serviceName();
  }

  private static Map<String, String> orEmpty(Map<String, String> values) {
    return values == null ? Map.of() : values;
  }

  private static Map<String, String> nullIfEmpty(Map<String, String> values) {
    return values.isEmpty() ? null : values;
  }
}
