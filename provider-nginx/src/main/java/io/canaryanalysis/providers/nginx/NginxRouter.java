package io.canaryanalysis.providers.nginx;

import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.ObjectReference;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link TrafficRouter} for ingress-nginx: clones the Ingress named by {@code spec.ingressRef} as
 * {@code <ingress>-canary}, pointed at {@code <service>-canary}, and moves traffic with
 * ingress-nginx's canary annotations ({@code canary-weight}, or {@code canary-by-header} and
 * {@code canary-by-cookie} for A/B testing).
 *
 * <p>Unlike Flagger it rejects, at validation, any match ingress-nginx cannot express instead of
 * silently keeping one header and one cookie; keeps the split and the user's annotations when it
 * syncs the clone; and can publish a preview host that always reaches the canary
 * ({@link Builder#previewHost}) through a separate Ingress {@code <ingress>-preview}, because
 * ingress-nginx applies a canary Ingress only to hosts a main Ingress already serves.
 */
public final class NginxRouter implements TrafficRouter {
  /** ingress-nginx's default annotation prefix ({@code --annotations-prefix}). */
  public static final String DEFAULT_ANNOTATION_PREFIX = "nginx.ingress.kubernetes.io";

  private static final Logger log = LoggerFactory.getLogger(NginxRouter.class);
  private static final RouterCapabilities CAPABILITIES =
      new RouterCapabilities(true, true, true, false, false);

  private final CanaryAnnotations annotations;
  private final IngressCloner cloner;
  private final IngressStore store;
  private final String previewHost;

  private NginxRouter(Builder builder) {
    this.annotations = new CanaryAnnotations(builder.annotationPrefix, builder.canaryWeightTotal);
    this.cloner = new IngressCloner(annotations);
    this.store = new IngressStore(builder.client);
    this.previewHost = builder.previewHost;
  }

  /** A builder bound to the host's Kubernetes client. */
  public static Builder builder(KubernetesClient client) {
    return new Builder(client);
  }

  /** {@code spec.provider: nginx}. */
  @Override
  public String kind() {
    return "nginx";
  }

  @Override
  public RouterCapabilities capabilities() {
    return CAPABILITIES;
  }

  @Override
  public List<SpecProblem> validate(Canary canary) {
    List<SpecProblem> problems = new ArrayList<>();
    ObjectReference ref = canary.spec().ingressRef();
    if (ref == null) {
      problems.add(new SpecProblem("spec.ingressRef", "the nginx router needs the Ingress to "
          + "clone as the canary Ingress; set spec.ingressRef"));
    } else {
      if (ref.kind() != null && !"Ingress".equals(ref.kind())) {
        problems.add(new SpecProblem("spec.ingressRef.kind", "must be Ingress, found "
            + ref.kind()));
      }
      // Like Flagger, the Ingress is always read as networking.k8s.io/v1 whatever apiVersion
      // says (extensions/v1beta1 manifests keep working); the core validator warns about it.
    }
    problems.addAll(NginxMatch.translate(canary.spec().analysis()).problems());
    return problems;
  }

  @Override
  public void reconcile(Canary canary) {
    Ingress source = requireSource(canary);
    AbRoute specRoute = isAbTesting(canary) ? NginxMatch.translate(canary.spec().analysis()).route()
        : null;
    store.converge(canary.namespace(), IngressCloner.canaryName(canary), current ->
        cloner.canaryIngress(source, canary, keptRouting(current, specRoute)));
    if (previewHost != null) {
      String name = IngressCloner.previewName(canary);
      store.converge(canary.namespace(), name, current -> {
        if (current != null && !isOurPreview(current, canary)) {
          throw new ProviderException(IngressCloner.describe(canary.namespace(), name)
              + " exists and was not created by this router for canary " + canary.key()
              + " (no " + IngressCloner.PREVIEW_OF + " annotation naming it); rename or remove "
              + "it to use the preview host", false);
        }
        return cloner.previewIngress(source, canary, previewHost);
      });
    }
  }

  @Override
  public void setRoutes(Canary canary, TrafficSplit split) {
    Objects.requireNonNull(split, "split");
    if (split.mirrored()) {
      throw new ProviderException("ingress-nginx cannot mirror traffic to the canary; canary "
          + canary.key() + " asked for a mirrored split (analysis.mirror is not supported by the "
          + "nginx router)", false);
    }
    CanaryRouting routing = routingFor(canary, split);
    store.converge(canary.namespace(), IngressCloner.canaryName(canary), current -> {
      if (current == null) {
        return cloner.canaryIngress(requireSource(canary), canary, routing);
      }
      return withRouting(current, routing);
    });
    log.debug("Canary {} routed: {}", canary.key(), routing);
  }

  @Override
  public TrafficSplit getRoutes(Canary canary) {
    String name = IngressCloner.canaryName(canary);
    String where = IngressCloner.describe(canary.namespace(), name);
    Ingress current = store.get(canary.namespace(), name);
    if (current == null) {
      throw new ProviderException(where + " does not exist, so the current split is unknown; "
          + "reconcile creates it", true);
    }
    Map<String, String> values = current.getMetadata().getAnnotations();
    if (!annotations.isMarkedCanary(values)) {
      throw new ProviderException(where + " lacks " + annotations.canary + ": \"true\", so "
          + "ingress-nginx treats it as a main Ingress; reconcile repairs it", true);
    }
    return annotations.read(values, where).split();
  }

  @Override
  public void finalizeRoutes(Canary canary) {
    store.converge(canary.namespace(), IngressCloner.canaryName(canary), current ->
        current == null ? null : withRouting(current, CanaryRouting.ALL_PRIMARY));
    store.deleteIf(canary.namespace(), IngressCloner.previewName(canary),
        current -> isOurPreview(current, canary));
  }

  private CanaryRouting routingFor(Canary canary, TrafficSplit split) {
    if (!isAbTesting(canary)) {
      return CanaryRouting.weighted(split.canaryWeight());
    }
    if (split.equals(TrafficSplit.ALL_PRIMARY)) {
      return CanaryRouting.ALL_PRIMARY;
    }
    if (!split.equals(TrafficSplit.ALL_CANARY)) {
      throw new ProviderException("canary " + canary.key() + " uses A/B testing, where "
          + "ingress-nginx sends matching requests to the canary and the rest to the primary; "
          + "a split of " + split.canaryWeight() + "% cannot be applied (only 0 or 100)", false);
    }
    NginxMatch.Result match = NginxMatch.translate(canary.spec().analysis());
    if (match.route() == null) {
      throw new ProviderException("canary " + canary.key() + ": ingress-nginx cannot express "
          + "spec.analysis.match: " + match.problems(), false);
    }
    return CanaryRouting.matching(match.route());
  }

  /**
   * The routing to keep on reconcile: what the current clone applies, with A/B conditions
   * refreshed from the spec. Unreadable annotations fall back to all traffic on the primary.
   */
  private CanaryRouting keptRouting(Ingress current, AbRoute specRoute) {
    if (current == null) {
      return CanaryRouting.ALL_PRIMARY;
    }
    String where = IngressCloner.describe(current.getMetadata().getNamespace(),
        current.getMetadata().getName());
    CanaryRouting routing;
    try {
      routing = annotations.read(current.getMetadata().getAnnotations(), where);
    } catch (ProviderException e) {
      log.warn("{}; resetting it to all traffic on the primary", e.getMessage());
      return CanaryRouting.ALL_PRIMARY;
    }
    if (routing.abRoute() != null && specRoute != null) {
      return CanaryRouting.matching(specRoute);
    }
    return routing;
  }

  private Ingress withRouting(Ingress current, CanaryRouting routing) {
    return new IngressBuilder(current)
        .editMetadata()
        .withAnnotations(annotations.withRouting(current.getMetadata().getAnnotations(), routing))
        .endMetadata()
        .build();
  }

  private Ingress requireSource(Canary canary) {
    if (canary.spec().ingressRef() == null) {
      throw new ProviderException("canary " + canary.key() + " has no spec.ingressRef; the nginx "
          + "router needs the Ingress to clone", false);
    }
    String name = canary.spec().ingressRef().name();
    Ingress source = store.get(canary.namespace(), name);
    if (source == null) {
      throw new ProviderException(IngressCloner.describe(canary.namespace(), name)
          + " (spec.ingressRef of canary " + canary.key() + ") does not exist", true);
    }
    return source;
  }

  private static boolean isAbTesting(Canary canary) {
    return canary.spec().analysis() != null && !canary.spec().analysis().match().isEmpty();
  }

  private static boolean isOurPreview(Ingress ingress, Canary canary) {
    Map<String, String> values = ingress.getMetadata().getAnnotations();
    return values != null && canary.name().equals(values.get(IngressCloner.PREVIEW_OF));
  }

  /** Configures an {@link NginxRouter}. */
  public static final class Builder {
    private static final Pattern HOST = Pattern.compile(
        "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*");
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?");

    private final KubernetesClient client;
    private String annotationPrefix = DEFAULT_ANNOTATION_PREFIX;
    private Integer canaryWeightTotal;
    private String previewHost;

    private Builder(KubernetesClient client) {
      this.client = Objects.requireNonNull(client, "client");
    }

    /** The prefix ingress-nginx runs with ({@code --annotations-prefix}); default {@code nginx.ingress.kubernetes.io}. */
    public Builder annotationPrefix(String prefix) {
      Objects.requireNonNull(prefix, "prefix");
      if (!PREFIX.matcher(prefix).matches()) {
        throw new IllegalArgumentException("annotation prefix must be a DNS-style name without "
            + "a trailing slash, for example " + DEFAULT_ANNOTATION_PREFIX + "; got \"" + prefix
            + "\"");
      }
      this.annotationPrefix = prefix;
      return this;
    }

    /**
     * Writes {@code canary-weight-total} and scales {@code canary-weight} to it, for finer
     * weights than ingress-nginx's default of 100. At least 100, so every percent the engine
     * asks for maps to its own weight and reads back exactly.
     */
    public Builder canaryWeightTotal(int total) {
      if (total < 100 || total > 1_000_000) {
        throw new IllegalArgumentException("canary-weight-total must be between 100 and "
            + "1000000 so every percent has its own weight; got " + total);
      }
      this.canaryWeightTotal = total;
      return this;
    }

    /**
     * A host that always reaches {@code <service>-canary} while the canary exists, for testing a
     * canary on purpose. Served by a separate Ingress {@code <ingress>-preview}, created by
     * {@code reconcile} and removed by {@code finalizeRoutes}.
     */
    public Builder previewHost(String host) {
      Objects.requireNonNull(host, "host");
      if (host.length() > 253 || !HOST.matcher(host).matches()) {
        throw new IllegalArgumentException("preview host must be a lowercase DNS name such as "
            + "canary.example.com (no wildcard, no port); got \"" + host + "\"");
      }
      this.previewHost = host;
      return this;
    }

    public NginxRouter build() {
      return new NginxRouter(this);
    }
  }
}
