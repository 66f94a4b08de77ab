package io.canaryanalysis.providers.nginx;

import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.spec.Canary;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPathBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackendBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.IngressSpec;
import io.fabric8.kubernetes.api.model.networking.v1.IngressSpecBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressTLS;
import io.fabric8.kubernetes.api.model.networking.v1.IngressTLSBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.ServiceBackendPort;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds the objects the router wants from the user's Ingress: the canary clone
 * {@code <ingress>-canary} and the optional preview Ingress {@code <ingress>-preview}.
 */
final class IngressCloner {
  /** Marks a preview Ingress as this router's, so it never overwrites or deletes a user object. */
  static final String PREVIEW_OF = "canaryanalysis.io/preview-of";

  private final CanaryAnnotations annotations;

  IngressCloner(CanaryAnnotations annotations) {
    this.annotations = annotations;
  }

  static String canaryName(Canary canary) {
    return canary.spec().ingressName() + "-canary";
  }

  static String previewName(Canary canary) {
    return canary.spec().ingressName() + "-preview";
  }

  static String describe(String namespace, String name) {
    return "Ingress " + namespace + "/" + name;
  }

  /** The canary Ingress: the user's spec with every backend of the service moved to its canary. */
  Ingress canaryIngress(Ingress source, Canary canary, CanaryRouting routing) {
    requireMainIngress(source);
    Map<String, String> metadataAnnotations =
        annotations.withRouting(annotations.userAnnotations(source.getMetadata().getAnnotations()),
            routing);
    return new IngressBuilder()
        .withNewMetadata()
        .withName(canaryName(canary))
        .withNamespace(canary.namespace())
        .withLabels(copy(source.getMetadata().getLabels()))
        .withAnnotations(metadataAnnotations)
        .withOwnerReferences(ownerReferences(canary))
        .endMetadata()
        .withSpec(canarySpec(source, canary))
        .build();
  }

  /**
   * The preview Ingress: an ordinary (non-canary) Ingress with one rule for {@code host} whose
   * paths are the user's paths to the service, all sent to the canary. A separate Ingress because
   * ingress-nginx merges a canary Ingress only into hosts some main Ingress already serves.
   */
  Ingress previewIngress(Ingress source, Canary canary, String host) {
    requireMainIngress(source);
    IngressSpec rewritten = canarySpec(source, canary);
    String service = canary.spec().serviceName();
    for (IngressRule rule : list(source.getSpec().getRules())) {
      if (host.equals(rule.getHost())) {
        throw new ProviderException(where(source) + " already has a rule for the preview host "
            + host + "; the preview Ingress would collide with it, so choose another preview host",
            false);
      }
    }
    List<HTTPIngressPath> paths = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    String canaryService = service + "-canary";
    for (IngressRule rule : list(rewritten.getRules())) {
      if (rule.getHttp() == null) {
        continue;
      }
      for (HTTPIngressPath path : list(rule.getHttp().getPaths())) {
        if (routesTo(path.getBackend(), canaryService)
            && seen.add(path.getPath() + " " + path.getPathType())) {
          paths.add(new HTTPIngressPathBuilder(path).build());
        }
      }
    }
    if (paths.isEmpty()) {
      paths.add(new HTTPIngressPathBuilder()
          .withPath("/")
          .withPathType("Prefix")
          .withBackend(new IngressBackendBuilder(rewritten.getDefaultBackend()).build())
          .build());
    }
    Map<String, String> metadataAnnotations =
        annotations.userAnnotations(source.getMetadata().getAnnotations());
    metadataAnnotations.put(PREVIEW_OF, canary.name());
    IngressSpecBuilder spec = new IngressSpecBuilder()
        .withIngressClassName(source.getSpec().getIngressClassName())
        .addNewRule()
        .withHost(host)
        .withNewHttp()
        .withPaths(paths)
        .endHttp()
        .endRule();
    String secret = tlsSecretFor(source, host);
    if (secret != null) {
      spec.withTls(new IngressTLSBuilder().withHosts(host).withSecretName(secret).build());
    }
    return new IngressBuilder()
        .withNewMetadata()
        .withName(previewName(canary))
        .withNamespace(canary.namespace())
        .withLabels(copy(source.getMetadata().getLabels()))
        .withAnnotations(metadataAnnotations)
        .withOwnerReferences(ownerReferences(canary))
        .endMetadata()
        .withSpec(spec.build())
        .build();
  }

  private void requireMainIngress(Ingress source) {
    if (annotations.isMarkedCanary(source.getMetadata().getAnnotations())) {
      throw new ProviderException(where(source) + " is itself a canary Ingress ("
          + annotations.prefix() + "/canary: \"true\"); spec.ingressRef must name the main Ingress",
          false);
    }
  }

  private IngressSpec canarySpec(Ingress source, Canary canary) {
    if (source.getSpec() == null) {
      throw noBackend(source, canary, List.of());
    }
    String service = canary.spec().serviceName();
    String canaryService = service + "-canary";
    IngressSpec spec = new IngressSpecBuilder(source.getSpec()).build();
    List<String> found = new ArrayList<>();
    int rewritten = 0;
    if (spec.getDefaultBackend() != null) {
      found.add("defaultBackend " + describe(spec.getDefaultBackend()));
      if (routesTo(spec.getDefaultBackend(), service)) {
        spec.setDefaultBackend(moveTo(spec.getDefaultBackend(), canaryService));
        rewritten++;
      }
    }
    for (IngressRule rule : list(spec.getRules())) {
      if (rule.getHttp() == null) {
        continue;
      }
      for (HTTPIngressPath path : list(rule.getHttp().getPaths())) {
        if (path.getBackend() == null) {
          continue;
        }
        found.add(describe(path.getBackend()));
        if (routesTo(path.getBackend(), service)) {
          path.setBackend(moveTo(path.getBackend(), canaryService));
          rewritten++;
        }
      }
    }
    if (rewritten == 0) {
      throw noBackend(source, canary, found);
    }
    return spec;
  }

  private static ProviderException noBackend(Ingress source, Canary canary, List<String> found) {
    String service = canary.spec().serviceName();
    return new ProviderException(where(source) + " has no backend for service " + service
        + ", so there is nothing to send to " + service + "-canary; backends found: "
        + (found.isEmpty() ? "none" : String.join(", ", new LinkedHashSet<>(found))), false);
  }

  private static String tlsSecretFor(Ingress source, String host) {
    for (IngressTLS tls : list(source.getSpec().getTls())) {
      for (String pattern : list(tls.getHosts())) {
        if (covers(pattern, host)) {
          return tls.getSecretName();
        }
      }
    }
    return null;
  }

  /** Exact host, or a wildcard {@code *.example.com} covering exactly one more label. */
  static boolean covers(String pattern, String host) {
    if (pattern == null) {
      return false;
    }
    if (pattern.startsWith("*.")) {
      String suffix = pattern.substring(1);
      return host.endsWith(suffix) && host.indexOf('.') == host.length() - suffix.length();
    }
    return pattern.equalsIgnoreCase(host);
  }

  private static boolean routesTo(IngressBackend backend, String service) {
    return backend != null && backend.getService() != null
        && service.equals(backend.getService().getName());
  }

  private static IngressBackend moveTo(IngressBackend backend, String service) {
    return new IngressBackendBuilder(backend).editService().withName(service).endService().build();
  }

  private static String describe(IngressBackend backend) {
    if (backend.getService() == null) {
      return backend.getResource() == null ? "(empty)"
          : "resource " + backend.getResource().getKind() + "/" + backend.getResource().getName();
    }
    ServiceBackendPort port = backend.getService().getPort();
    String portText = port == null ? "" : ":" + (port.getName() != null && !port.getName().isEmpty()
        ? port.getName() : Objects.toString(port.getNumber()));
    return backend.getService().getName() + portText;
  }

  private static List<OwnerReference> ownerReferences(Canary canary) {
    if (canary.uid() == null || canary.uid().isBlank()) {
      return new ArrayList<>();
    }
    List<OwnerReference> result = new ArrayList<>();
    result.add(new OwnerReferenceBuilder()
        .withApiVersion(Canary.API_VERSION)
        .withKind(Canary.KIND)
        .withName(canary.name())
        .withUid(canary.uid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build());
    return result;
  }

  private static String where(Ingress ingress) {
    return describe(ingress.getMetadata().getNamespace(), ingress.getMetadata().getName());
  }

  private static Map<String, String> copy(Map<String, String> map) {
    return map == null ? new LinkedHashMap<>() : new LinkedHashMap<>(map);
  }

  private static <T> List<T> list(List<T> values) {
    return values == null ? List.of() : values;
  }
}
