package io.canaryanalysis.providers.gatewayapi;

import static io.canaryanalysis.providers.gatewayapi.GatewayObjects.KUBECTL_LAST_APPLIED;
import static io.canaryanalysis.providers.gatewayapi.GatewayObjects.MANAGED_BY_CANARY;
import static io.canaryanalysis.providers.gatewayapi.GatewayObjects.ORIGINAL_CONFIGURATION;

import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.GatewayRef;
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
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes a canary through the Kubernetes Gateway API, as Flagger's {@code gatewayapi} provider
 * does: an HTTPRoute {@code <service>} attached to {@code spec.service.gatewayRefs} whose rule
 * splits traffic between the Services {@code <service>-primary} and {@code <service>-canary},
 * with A/B matches, request mirroring and cookie session affinity. A gRPC service gets a GRPCRoute
 * instead (see {@link #ROUTE_KIND_ANNOTATION}); a canary naming the user's own route in
 * {@link #HTTP_ROUTE_ANNOTATION} or {@link #GRPC_ROUTE_ANNOTATION} gets only that route's
 * backendRef weights patched.
 *
 * <p>Unlike Flagger it keeps an in-flight split when the spec changes, writes nothing when the
 * route already matches, guards every write with {@code resourceVersion} (retrying conflicts on a
 * fresh read), keeps and restores a user's route it takes over, and refuses at validation what the
 * parent Gateway's implementation does not support.
 */
public final class GatewayApiRouter implements TrafficRouter {
  /** The Gateway API {@code v1} (Flagger's {@code gatewayapi:v1}, the default). */
  public static final String API_VERSION_V1 = "gateway.networking.k8s.io/v1";
  /** The Gateway API {@code v1beta1}, for clusters older than Gateway API v1.0. */
  public static final String API_VERSION_V1BETA1 = "gateway.networking.k8s.io/v1beta1";
  /** Canary annotation naming the user's own HTTPRoute, of which only weights are changed. */
  public static final String HTTP_ROUTE_ANNOTATION = "canary-analysis.io/httproute";
  /** Canary annotation naming the user's own GRPCRoute, of which only weights are changed. */
  public static final String GRPC_ROUTE_ANNOTATION = "canary-analysis.io/grpcroute";
  /**
   * Canary annotation choosing the route kind, {@code HTTPRoute} or {@code GRPCRoute}; without it
   * a service whose {@code appProtocol} is {@code grpc} gets a GRPCRoute.
   */
  public static final String ROUTE_KIND_ANNOTATION = "canary-analysis.io/route-kind";

  private static final Logger LOG = LoggerFactory.getLogger(GatewayApiRouter.class);
  /** The most any implementation can do; {@link #validate} narrows it to the parent Gateway's. */
  private static final RouterCapabilities CAPABILITIES =
      new RouterCapabilities(true, true, true, true, true);
  private static final int MAX_WRITE_ATTEMPTS = 4;
  private static final String COOKIE_LETTERS =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  private static final int COOKIE_LENGTH = 10;

  private final KubernetesClient client;
  private final GatewayObjects objects;
  private final RouteRenderer renderer;
  private final KubernetesSerialization json;
  /** Gateways already warned about, so validation on every tick does not repeat the warning. */
  private final Set<String> warnedGateways = ConcurrentHashMap.newKeySet();

  GatewayApiRouter(KubernetesClient client, String version, Supplier<String> cookieValues) {
    this.client = Objects.requireNonNull(client, "client");
    this.objects = new GatewayObjects(version);
    this.renderer = new RouteRenderer(cookieValues);
    this.json = client.getKubernetesSerialization();
  }

  /** Starts a router on {@code client}, writing {@value #API_VERSION_V1} routes by default. */
  public static Builder builder(KubernetesClient client) {
    return new Builder(client);
  }

  /** The {@code v1} router also serves {@code gatewayapi:v1}, Flagger's other spelling. */
  @Override
  public java.util.Set<String> aliases() {
    return "gatewayapi".equals(kind()) ? java.util.Set.of("gatewayapi:v1") : java.util.Set.of();
  }

  /**
   * The {@code spec.provider} value this router serves: {@code gatewayapi} for {@code v1} (Flagger
   * also spells it {@code gatewayapi:v1}), {@code gatewayapi:v1beta1} for {@code v1beta1}.
   */
  @Override
  public String kind() {
    return "v1".equals(objects.version()) ? "gatewayapi" : "gatewayapi:" + objects.version();
  }

  /** The API version of the HTTPRoutes this router reads and writes. */
  public String apiVersion() {
    return GatewayObjects.GROUP + "/" + objects.version();
  }

  @Override
  public RouterCapabilities capabilities() {
    return CAPABILITIES;
  }

  /**
   * What the Gateway API cannot express of the spec, and every extended feature the spec needs
   * that the implementation of a parent Gateway (found through its GatewayClass
   * {@code controllerName}) does not support. A Gateway that cannot be read, or an unknown
   * controller, gets the core features only, with a warning.
   */
  @Override
  public List<SpecProblem> validate(Canary canary) {
    List<SpecProblem> problems = new ArrayList<>(GatewaySpecValidator.validate(canary));
    List<GatewaySpecValidator.Need> needs = GatewaySpecValidator.needs(canary);
    if (needs.isEmpty()) {
      return problems;
    }
    for (ParentImplementation parent : parentImplementations(canary)) {
      for (GatewaySpecValidator.Need need : needs) {
        if (!parent.implementation().supports(need.feature())) {
          problems.add(new SpecProblem(need.path(), "Gateway " + parent.gateway() + " is served by "
              + parent.implementation().displayName() + " (controllerName "
              + parent.controllerName() + "), which does not support " + need.feature().description()
              + " (" + need.feature().conformanceName() + " is not in its Gateway API conformance report)"));
        }
      }
    }
    return problems;
  }

  /**
   * The implementation serving the canary's first parent Gateway, for example to choose the
   * builtin metric queries; {@link GatewayImplementation#UNKNOWN} when it cannot be told.
   */
  public GatewayImplementation implementation(Canary canary) {
    List<ParentImplementation> parents = parentImplementations(canary);
    return parents.isEmpty() ? GatewayImplementation.UNKNOWN : parents.get(0).implementation();
  }

  private record ParentImplementation(
      String gateway, String controllerName, GatewayImplementation implementation) {}

  private List<ParentImplementation> parentImplementations(Canary canary) {
    List<ParentImplementation> result = new ArrayList<>();
    for (GatewayRef ref : canary.spec().service().gatewayRefs()) {
      if ((ref.group() != null && !GatewayObjects.GROUP.equals(ref.group()))
          || (ref.kind() != null && !GatewayObjects.GATEWAY.equals(ref.kind()))) {
        continue;
      }
      String namespace = ref.namespace() == null ? canary.namespace() : ref.namespace();
      String gateway = namespace + "/" + ref.name();
      String controllerName = null;
      try {
        GenericKubernetesResource gw = client.genericKubernetesResources(objects.gateways())
            .inNamespace(namespace).withName(ref.name()).get();
        String className = gw == null ? null
            : JsonTrees.string(gw.getAdditionalProperties().get("spec"), "gatewayClassName");
        GenericKubernetesResource gatewayClass = className == null ? null
            : client.genericKubernetesResources(objects.gatewayClasses()).withName(className).get();
        controllerName = gatewayClass == null ? null
            : JsonTrees.string(gatewayClass.getAdditionalProperties().get("spec"), "controllerName");
      } catch (KubernetesClientException e) {
        LOG.debug("Canary {}: cannot read Gateway {} or its GatewayClass (HTTP {}); assuming core "
            + "Gateway API features only", canary.key(), gateway, e.getCode());
      }
      GatewayImplementation implementation = GatewayImplementation.ofControllerName(controllerName);
      if (implementation == GatewayImplementation.UNKNOWN
          && warnedGateways.add(canary.key() + " " + gateway + " " + controllerName)) {
        LOG.warn("Canary {}: Gateway {} has {} controller {}; only core Gateway API features "
            + "(weights, exact header matches) are allowed", canary.key(), gateway,
            controllerName == null ? "no readable" : "the unknown", controllerName);
      }
      result.add(new ParentImplementation(gateway,
          controllerName == null ? "unknown" : controllerName, implementation));
    }
    return result;
  }

  @Override
  public void reconcile(Canary canary) {
    if (RouteKind.ownRoute(canary) != null) {
      patchOwnRoute(canary, null);
      return;
    }
    writeRoute(canary, existing -> splitToKeep(canary, existing));
  }

  @Override
  public void setRoutes(Canary canary, TrafficSplit split) {
    Objects.requireNonNull(split, "split");
    if (RouteKind.ownRoute(canary) != null) {
      if (split.mirrored()) {
        throw new ProviderException(describe(canary) + ": mirroring needs a generated route, not the"
            + " user's own", false);
      }
      patchOwnRoute(canary, split);
      return;
    }
    writeRoute(canary, existing -> split);
  }

  @Override
  public TrafficSplit getRoutes(Canary canary) {
    GenericKubernetesResource route = get(canary, routeName(canary));
    if (route == null) {
      throw new ProviderException(describe(canary) + " not found", true);
    }
    Map<String, Object> tree = tree(route);
    Long generation = route.getMetadata().getGeneration();
    RouteReader.checkAccepted(describe(canary), tree, generation == null ? 0 : generation);
    Map<String, Object> spec = JsonTrees.map(tree, "spec");
    if (RouteKind.ownRoute(canary) != null) {
      return ownRouteSplit(canary, spec);
    }
    return RouteReader.split(describe(canary), spec == null ? Map.of() : spec,
        RouteRenderer.primaryName(canary), RouteRenderer.canaryName(canary));
  }

  /**
   * Restores the user's route spec when one was stored at takeover; otherwise, when the route is
   * this canary's (or the user's own, named in the annotation), routes all traffic to the primary.
   */
  @Override
  public void finalizeRoutes(Canary canary) {
    String name = routeName(canary);
    if (RouteKind.ownRoute(canary) != null) {
      if (get(canary, name) != null) {
        patchOwnRoute(canary, TrafficSplit.ALL_PRIMARY);
      }
      return;
    }
    GenericKubernetesResource route = get(canary, name);
    if (route == null) {
      LOG.info("Canary {}: {} not found, nothing to revert", canary.key(), describe(canary));
      return;
    }
    Map<String, Object> original = storedOriginalSpec(canary, annotations(route));
    if (original == null) {
      if (isManaged(route, canary)) {
        setRoutes(canary, TrafficSplit.ALL_PRIMARY);
      } else {
        LOG.info("Canary {}: {} is not managed by this canary, nothing to revert",
            canary.key(), describe(canary));
      }
      return;
    }
    withConflictRetry(canary, "restore", attempt -> {
      GenericKubernetesResource current = attempt == 1 ? route : get(canary, name);
      if (current == null) {
        return null;
      }
      Map<String, String> annotations = annotations(current);
      Map<String, String> restored = new LinkedHashMap<>(annotations);
      List.of(MANAGED_BY_CANARY, ORIGINAL_CONFIGURATION, GatewayObjects.CANARY_COOKIE,
          GatewayObjects.PRIMARY_COOKIE, GatewayObjects.PREVIOUS_CANARY_COOKIE)
          .forEach(restored::remove);
      if (JsonTrees.equivalent(current.getAdditionalProperties().get("spec"), original)
          && restored.equals(annotations)) {
        return null;
      }
      GenericKubernetesResource copy = json.clone(current);
      copy.getMetadata().setAnnotations(restored);
      copy.setAdditionalProperty("spec", JsonTrees.copyOfMap(original));
      routes(canary).resource(copy).update();
      LOG.info("Canary {}: {} restored to its original spec", canary.key(), describe(canary));
      return null;
    });
  }

  /** The split reconcile keeps: the one the route applies now, if it is ours and readable. */
  private TrafficSplit splitToKeep(Canary canary, GenericKubernetesResource existing) {
    if (existing == null || !isManaged(existing, canary)) {
      return TrafficSplit.ALL_PRIMARY;
    }
    try {
      Map<String, Object> spec = JsonTrees.map(tree(existing), "spec");
      return RouteReader.split(describe(canary), spec == null ? Map.of() : spec,
          RouteRenderer.primaryName(canary), RouteRenderer.canaryName(canary));
    } catch (ProviderException e) {
      LOG.warn("Canary {}: {}; resetting the routes to the primary", canary.key(), e.getMessage());
      return TrafficSplit.ALL_PRIMARY;
    }
  }

  private void writeRoute(Canary canary, Function<GenericKubernetesResource, TrafficSplit> splitFor) {
    String name = RouteRenderer.apexName(canary);
    RouteKind kind = RouteKind.of(canary);
    withConflictRetry(canary, "write", attempt -> {
      GenericKubernetesResource existing = get(canary, name);
      TrafficSplit split = splitFor.apply(existing);
      if (existing == null) {
        routes(canary).resource(newRoute(canary, kind, split)).create();
        LOG.info("Canary {}: {} created with primary={} canary={} mirrored={}", canary.key(),
            describe(canary), split.primaryWeight(), split.canaryWeight(), split.mirrored());
        return null;
      }
      GenericKubernetesResource updated = updatedRoute(canary, kind, existing, split);
      if (updated != null) {
        routes(canary).resource(updated).update();
        LOG.info("Canary {}: {} updated to primary={} canary={} mirrored={}", canary.key(),
            describe(canary), split.primaryWeight(), split.canaryWeight(), split.mirrored());
      }
      return null;
    });
  }

  private GenericKubernetesResource newRoute(Canary canary, RouteKind kind, TrafficSplit split) {
    RouteRenderer.Rendered rendered = renderer.render(canary, kind, split, SessionCookies.NONE);
    Map<String, String> annotations = new LinkedHashMap<>();
    Map<String, String> labels = new LinkedHashMap<>();
    applyApexMetadata(canary, labels, annotations);
    rendered.cookies().writeTo(annotations);
    ObjectMeta metadata = new ObjectMeta();
    metadata.setName(RouteRenderer.apexName(canary));
    metadata.setNamespace(canary.namespace());
    metadata.setLabels(labels);
    metadata.setAnnotations(annotations);
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
    GenericKubernetesResource resource = new GenericKubernetesResource();
    resource.setApiVersion(objects.apiVersion(kind));
    resource.setKind(kind.kind());
    resource.setMetadata(metadata);
    resource.setAdditionalProperty("spec", rendered.spec());
    return resource;
  }

  /** The route as it must be, or null when it already is. */
  private GenericKubernetesResource updatedRoute(
      Canary canary, RouteKind kind, GenericKubernetesResource existing, TrafficSplit split) {
    Map<String, String> existingAnnotations = annotations(existing);
    Map<String, String> existingLabels = labels(existing);
    Map<String, String> annotations = new LinkedHashMap<>(existingAnnotations);
    Map<String, String> labels = new LinkedHashMap<>(existingLabels);
    Object existingSpec = existing.getAdditionalProperties().get("spec");
    if (!isManaged(existing, canary) && !annotations.containsKey(KUBECTL_LAST_APPLIED)
        && !annotations.containsKey(ORIGINAL_CONFIGURATION)) {
      annotations.put(ORIGINAL_CONFIGURATION, json.asJson(existingSpec == null ? Map.of() : existingSpec));
      LOG.info("Canary {}: taking over {}; its spec is kept in annotation {}",
          canary.key(), describe(canary), ORIGINAL_CONFIGURATION);
    }
    RouteRenderer.Rendered rendered =
        renderer.render(canary, kind, split, SessionCookies.fromAnnotations(annotations));
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

  /**
   * Bring-your-own route: in every rule of the user's route with a backendRef to
   * {@code <service>-primary}, adds a backendRef to {@code <service>-canary} (weight 0) when it
   * has none and, when {@code split} is given, sets the two weights. One JSON Patch whose first
   * operation tests {@code metadata.resourceVersion}, so nothing else of the route is written and
   * a concurrent change makes the patch fail and be retried on a fresh read.
   */
  private void patchOwnRoute(Canary canary, TrafficSplit split) {
    String name = routeName(canary);
    String primary = RouteRenderer.primaryName(canary);
    String canaryName = RouteRenderer.canaryName(canary);
    withConflictRetry(canary, "patch", attempt -> {
      GenericKubernetesResource route = get(canary, name);
      if (route == null) {
        throw new ProviderException(describe(canary) + ", named in annotation "
            + RouteKind.of(canary).ownRouteAnnotation() + ", not found", true);
      }
      List<?> rules = JsonTrees.list(route.getAdditionalProperties().get("spec"), "rules");
      List<Map<String, Object>> ops = new ArrayList<>();
      boolean owned = false;
      for (int i = 0; i < rules.size(); i++) {
        List<?> refs = JsonTrees.list(rules.get(i), "backendRefs");
        int p = indexOf(refs, primary);
        if (p < 0) {
          continue;
        }
        owned = true;
        int c = indexOf(refs, canaryName);
        String base = "/spec/rules/" + i + "/backendRefs/";
        if (split != null && RouteReader.weight(refs.get(p)) != split.primaryWeight()) {
          ops.add(op("add", base + p + "/weight", split.primaryWeight()));
        }
        if (c < 0) {
          Map<String, Object> canaryRef = new LinkedHashMap<>();
          canaryRef.put("group", "");
          canaryRef.put("kind", "Service");
          canaryRef.put("name", canaryName);
          Object port = refs.get(p) instanceof Map<?, ?> m ? m.get("port") : null;
          canaryRef.put("port", port == null ? canary.spec().service().port() : port);
          canaryRef.put("weight", split == null ? 0 : split.canaryWeight());
          ops.add(op("add", base + "-", canaryRef));
        } else if (split != null && RouteReader.weight(refs.get(c)) != split.canaryWeight()) {
          ops.add(op("add", base + c + "/weight", split.canaryWeight()));
        }
      }
      if (!owned) {
        throw new ProviderException(describe(canary) + " has no backendRef to " + primary
            + "; add one to each rule the canary should take part in", false);
      }
      if (ops.isEmpty()) {
        return null;
      }
      ops.add(0, op("test", "/metadata/resourceVersion", route.getMetadata().getResourceVersion()));
      routes(canary).withName(name).patch(PatchContext.of(PatchType.JSON), json.asJson(ops));
      LOG.info("Canary {}: {} backendRef weights patched{}", canary.key(), describe(canary),
          split == null ? "" : " to primary=" + split.primaryWeight() + " canary=" + split.canaryWeight());
      return null;
    });
  }

  private TrafficSplit ownRouteSplit(Canary canary, Map<String, Object> spec) {
    String primary = RouteRenderer.primaryName(canary);
    List<?> rules = JsonTrees.list(spec, "rules");
    for (int i = 0; i < rules.size(); i++) {
      RouteReader.WeightedRule rule =
          RouteReader.weightedRule(rules, i, primary, RouteRenderer.canaryName(canary));
      if (rule != null) {
        return RouteReader.percentages(describe(canary), rule.primaryWeight(), rule.canaryWeight(), false);
      }
      if (indexOf(JsonTrees.list(rules.get(i), "backendRefs"), primary) >= 0) {
        return TrafficSplit.ALL_PRIMARY;
      }
    }
    throw new ProviderException(describe(canary) + " has no backendRef to " + primary, false);
  }

  private static int indexOf(List<?> refs, String name) {
    for (int j = 0; j < refs.size(); j++) {
      if (name.equals(JsonTrees.string(refs.get(j), "name"))) {
        return j;
      }
    }
    return -1;
  }

  private static Map<String, Object> op(String op, String path, Object value) {
    Map<String, Object> operation = new LinkedHashMap<>();
    operation.put("op", op);
    operation.put("path", path);
    operation.put("value", value);
    return operation;
  }

  /** Ours: named by our annotation, or owned by the Canary (also true of Flagger's routes). */
  private static boolean isManaged(GenericKubernetesResource route, Canary canary) {
    if (canary.name().equals(annotations(route).get(MANAGED_BY_CANARY))) {
      return true;
    }
    List<OwnerReference> owners = route.getMetadata().getOwnerReferences();
    return owners != null && owners.stream().anyMatch(owner -> Canary.KIND.equals(owner.getKind())
        && canary.name().equals(owner.getName())
        && owner.getApiVersion() != null && owner.getApiVersion().startsWith("flagger.app/"));
  }

  private Map<String, Object> storedOriginalSpec(Canary canary, Map<String, String> annotations) {
    String key = annotations.containsKey(KUBECTL_LAST_APPLIED) ? KUBECTL_LAST_APPLIED
        : annotations.containsKey(ORIGINAL_CONFIGURATION) ? ORIGINAL_CONFIGURATION : null;
    if (key == null) {
      return null;
    }
    Map<?, ?> parsed;
    try {
      parsed = json.unmarshal(annotations.get(key), Map.class);
    } catch (RuntimeException e) {
      throw new ProviderException(describe(canary) + ": annotation " + key
          + " is not a JSON object, cannot restore the original spec", false, e);
    }
    Object spec = KUBECTL_LAST_APPLIED.equals(key) && parsed != null ? parsed.get("spec") : parsed;
    if (!(spec instanceof Map<?, ?> map)) {
      throw new ProviderException(describe(canary) + ": annotation " + key
          + " holds no spec to restore", false);
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> typed = (Map<String, Object>) map;
    return JsonTrees.copyOfMap(typed);
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

  private static Map<String, String> annotations(GenericKubernetesResource resource) {
    Map<String, String> annotations = resource.getMetadata().getAnnotations();
    return annotations == null ? Map.of() : annotations;
  }

  private static Map<String, String> labels(GenericKubernetesResource resource) {
    Map<String, String> labels = resource.getMetadata().getLabels();
    return labels == null ? Map.of() : labels;
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> tree(GenericKubernetesResource resource) {
    return json.convertValue(resource, Map.class);
  }

  private static String routeName(Canary canary) {
    String own = RouteKind.ownRoute(canary);
    return own != null ? own : RouteRenderer.apexName(canary);
  }

  private NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList,
      Resource<GenericKubernetesResource>> routes(Canary canary) {
    ResourceDefinitionContext context = objects.routes(RouteKind.of(canary));
    return client.genericKubernetesResources(context).inNamespace(canary.namespace());
  }

  private GenericKubernetesResource get(Canary canary, String name) {
    try {
      return routes(canary).withName(name).get();
    } catch (KubernetesClientException e) {
      throw failure(e, canary, "read");
    }
  }

  /** One read-decide-write step, retried on a fresh read when the write meets a conflict. */
  private interface WriteStep<T> {
    T run(int attempt);
  }

  private <T> T withConflictRetry(Canary canary, String action, WriteStep<T> step) {
    for (int attempt = 1; ; attempt++) {
      try {
        return step.run(attempt);
      } catch (KubernetesClientException e) {
        // 422 too: a JSON Patch whose resourceVersion test failed is refused as Unprocessable.
        boolean conflict = e.getCode() == 409
            || (e.getCode() == 422 && RouteKind.ownRoute(canary) != null);
        if (!conflict || attempt >= MAX_WRITE_ATTEMPTS) {
          throw failure(e, canary, action);
        }
        LOG.debug("Canary {}: {} changed while writing (attempt {}), retrying on a fresh read",
            canary.key(), describe(canary), attempt);
      }
    }
  }

  private ProviderException failure(KubernetesClientException e, Canary canary, String action) {
    int code = e.getCode();
    String reason = e.getStatus() != null && e.getStatus().getMessage() != null
        ? e.getStatus().getMessage() : e.getMessage();
    StringBuilder message = new StringBuilder().append(describe(canary)).append(' ')
        .append(action).append(" failed");
    if (code > 0) {
      message.append(" (HTTP ").append(code).append(')');
    }
    message.append(": ").append(reason);
    if (code == 404) {
      message.append(" (is the Gateway API ").append(objects.apiVersion(RouteKind.of(canary)))
          .append(' ').append(RouteKind.of(canary).kind()).append(" CRD installed?)");
    }
    boolean retriable = code <= 0 || code == 409 || code == 422 || code == 429 || code >= 500;
    return new ProviderException(message.toString(), retriable, e);
  }

  private static String describe(Canary canary) {
    return RouteKind.of(canary).kind() + " " + routeName(canary) + "." + canary.namespace();
  }

  private static String randomCookieValue(SecureRandom random) {
    StringBuilder value = new StringBuilder(COOKIE_LENGTH);
    for (int i = 0; i < COOKIE_LENGTH; i++) {
      value.append(COOKIE_LETTERS.charAt(random.nextInt(COOKIE_LETTERS.length())));
    }
    return value.toString();
  }

  /** Configures a {@link GatewayApiRouter}. */
  public static final class Builder {
    private final KubernetesClient client;
    private String apiVersion = API_VERSION_V1;

    private Builder(KubernetesClient client) {
      this.client = Objects.requireNonNull(client, "client");
    }

    /**
     * The Gateway API version of HTTPRoute, Gateway and GatewayClass: {@value #API_VERSION_V1}
     * (default) or {@value #API_VERSION_V1BETA1}. GRPCRoutes are always {@code v1}.
     */
    public Builder apiVersion(String apiVersion) {
      if (!API_VERSION_V1.equals(apiVersion) && !API_VERSION_V1BETA1.equals(apiVersion)) {
        throw new IllegalArgumentException("apiVersion must be " + API_VERSION_V1 + " or "
            + API_VERSION_V1BETA1 + ", got " + apiVersion);
      }
      this.apiVersion = apiVersion;
      return this;
    }

    public GatewayApiRouter build() {
      SecureRandom random = new SecureRandom();
      return new GatewayApiRouter(client, apiVersion.substring(apiVersion.indexOf('/') + 1),
          () -> randomCookieValue(random));
    }
  }
}
