package io.canaryanalysis.examples.demo;

import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.examples.demo.TrafficSimulator.Counters;
import io.canaryanalysis.examples.demo.TrafficSimulator.PodCounters;
import io.canaryanalysis.examples.demo.TrafficSimulator.Split;
import io.canaryanalysis.kubernetes.KubernetesRouter;
import io.canaryanalysis.providers.gatewayapi.GatewayApiRouter;
import io.canaryanalysis.providers.istio.IstioRouter;
import io.canaryanalysis.providers.nginx.NginxRouter;
import io.canaryanalysis.providers.traefik.TraefikRouter;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * One router in the demo: how to build it, the objects the user would already have (the Ingress
 * ingress-nginx clones, the Gateway an HTTPRoute attaches to), the shape of the podinfo Deployment
 * (replicas, pod labels), how to read the split back from the objects the router wrote, and the
 * Prometheus series in the shapes the metric queries read. Adding a provider is one more entry in
 * {@link #TABLE}.
 *
 * @param split the split as the router's objects say it is now, empty when they are not there yet
 * @param pods for the replica-ratio router: the pods the Service routes to once they are ready
 *     ({@code 4 primary / 1 canary pods}), else null
 */
record DemoProvider(
    String kind,
    Function<KubernetesClient, TrafficRouter> router,
    Function<DemoTarget, List<String>> userObjects,
    int replicas,
    Function<DemoTarget, Map<String, String>> podLabels,
    BiFunction<KubernetesClient, DemoTarget, Optional<Split>> split,
    BiFunction<KubernetesClient, DemoTarget, String> pods,
    SeriesWriter series) {

  /** Writes the Prometheus text exposition lines of the simulator's counters. */
  interface SeriesWriter {
    void write(DemoTarget target, TrafficSimulator traffic, StringBuilder out);
  }

  /** Writes one side's counters, for the providers whose proxy reports per backend. */
  interface SideWriter {
    void write(DemoTarget target, boolean canary, Counters counters, StringBuilder out);
  }

  /** Flagger's default {@code -mesh-provider}: the router of a Canary that names none. */
  static final String FLAGGER_DEFAULT = "istio";

  static final ResourceDefinitionContext TRAEFIK_SERVICES = new ResourceDefinitionContext.Builder()
      .withGroup("traefik.io").withVersion("v1alpha1").withKind("TraefikService")
      .withPlural("traefikservices").withNamespaced(true).build();
  static final ResourceDefinitionContext VIRTUAL_SERVICES = new ResourceDefinitionContext.Builder()
      .withGroup("networking.istio.io").withVersion("v1beta1").withKind("VirtualService")
      .withPlural("virtualservices").withNamespaced(true).build();
  static final ResourceDefinitionContext HTTP_ROUTES = gatewayApi("HTTPRoute", "httproutes", true);
  static final ResourceDefinitionContext GATEWAYS = gatewayApi("Gateway", "gateways", true);
  static final ResourceDefinitionContext GATEWAY_CLASSES = gatewayApi("GatewayClass", "gatewayclasses", false);
  static final ResourceDefinitionContext INGRESSES = new ResourceDefinitionContext.Builder()
      .withGroup("networking.k8s.io").withVersion("v1").withKind("Ingress").withPlural("ingresses")
      .withNamespaced(true).build();

  /** The demo's Gateway: Istio's, as in Flagger's Gateway API end-to-end test. */
  static final String GATEWAY_NAMESPACE = "istio-ingress";
  static final String GATEWAY_NAME = "gateway";
  static final String GATEWAY_CLASS = "istio";
  static final String HOST = "app.example.com";

  /** The providers the demo runs, by {@code spec.provider}; the first is the default. */
  static final Map<String, DemoProvider> TABLE = table(
      new DemoProvider("gatewayapi", c -> GatewayApiRouter.builder(c).build(), DemoProvider::gatewayObjects,
          2, t -> Map.of(), weighted(DemoProvider::httpRouteWeight), (c, t) -> null,
          perSide(DemoProvider::gatewaySeries)),
      new DemoProvider("istio", c -> IstioRouter.builder(c).build(), t -> List.of(), 2, t -> Map.of(),
          weighted(DemoProvider::istioWeight), (c, t) -> null, perSide(DemoProvider::istioSeries)),
      new DemoProvider("traefik", TraefikRouter::create, t -> List.of(), 2, t -> Map.of(),
          weighted(DemoProvider::traefikWeight), (c, t) -> null, perSide(DemoProvider::traefikSeries)),
      new DemoProvider("nginx", c -> NginxRouter.builder(c).build(), DemoProvider::nginxIngress, 2, t -> Map.of(),
          weighted(DemoProvider::nginxWeight), (c, t) -> null, perSide(DemoProvider::nginxSeries)),
      new DemoProvider(KubernetesRouter.KIND, KubernetesRouter::create, t -> List.of(), 4,
          t -> Map.of(KubernetesRouter.TRAFFIC_LABEL, t.target()), (c, t) -> podSplit(c, t, true),
          (c, t) -> podSplit(c, t, false).map(Split::describe).orElse(null), DemoProvider::podSeries));

  /** The default provider of the embedded demo: Gateway API, the path most new users take. */
  static final String DEFAULT = TABLE.keySet().iterator().next();

  private static Map<String, DemoProvider> table(DemoProvider... providers) {
    Map<String, DemoProvider> m = new LinkedHashMap<>();
    for (DemoProvider p : providers) {
      m.put(p.kind(), p);
    }
    return m;
  }

  /** The provider for {@code kind}, also under Flagger's other spelling {@code gatewayapi:v1}. */
  static Optional<DemoProvider> find(String kind) {
    String k = kind == null ? "" : kind.strip().toLowerCase(Locale.ROOT);
    return Optional.ofNullable(TABLE.get(k.equals("gatewayapi:v1") ? "gatewayapi" : k));
  }

  static DemoProvider of(String kind) {
    return find(kind).orElseThrow(() -> new IllegalArgumentException("--provider must be one of "
        + String.join(", ", TABLE.keySet()) + ", got " + kind));
  }

  /** The context to create one of the {@link #userObjects} with. */
  static ResourceDefinitionContext contextOf(GenericKubernetesResource object) {
    for (ResourceDefinitionContext c : List.of(INGRESSES, GATEWAYS, GATEWAY_CLASSES)) {
      if ((c.getGroup() + "/" + c.getVersion()).equals(object.getApiVersion()) && c.getKind().equals(object.getKind())) {
        return c;
      }
    }
    throw new IllegalArgumentException("the demo does not create " + object.getApiVersion() + " " + object.getKind());
  }

  private static ResourceDefinitionContext gatewayApi(String kind, String plural, boolean namespaced) {
    return new ResourceDefinitionContext.Builder().withGroup("gateway.networking.k8s.io").withVersion("v1")
        .withKind(kind).withPlural(plural).withNamespaced(namespaced).build();
  }

  private static BiFunction<KubernetesClient, DemoTarget, Optional<Split>> weighted(
      BiFunction<KubernetesClient, DemoTarget, OptionalInt> weight) {
    return (client, target) -> {
      OptionalInt w = weight.apply(client, target);
      return w.isPresent() ? Optional.of(Split.weight(w.getAsInt())) : Optional.empty();
    };
  }

  private static SeriesWriter perSide(SideWriter side) {
    return (target, traffic, out) -> {
      Counters[] c = traffic.counters();
      side.write(target, false, c[0], out);
      side.write(target, true, c[1], out);
    };
  }

  // ---- Gateway API on Istio: the HTTPRoute's backendRef weights, the gateway proxy's istio_* series

  private static List<String> gatewayObjects(DemoTarget t) {
    return List.of("""
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata:
          name: %s
        spec:
          controllerName: istio.io/gateway-controller
        """.formatted(GATEWAY_CLASS), """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata:
          name: %s
          namespace: %s
        spec:
          gatewayClassName: %s
          listeners:
            - name: http
              hostname: "*.example.com"
              port: 80
              protocol: HTTP
              allowedRoutes:
                namespaces:
                  from: All
        """.formatted(GATEWAY_NAME, GATEWAY_NAMESPACE, GATEWAY_CLASS));
  }

  private static OptionalInt httpRouteWeight(KubernetesClient client, DemoTarget t) {
    GenericKubernetesResource route = client.genericKubernetesResources(HTTP_ROUTES)
        .inNamespace(t.namespace()).withName(t.target()).get();
    if (route == null || !(spec(route).get("rules") instanceof List<?> rules)) {
      return OptionalInt.empty();
    }
    for (Object rule : rules) {
      if (!(rule instanceof Map<?, ?> r) || !(r.get("backendRefs") instanceof List<?> refs)) {
        continue;
      }
      int canary = 0;
      int total = 0;
      boolean found = false;
      for (Object ref : refs) {
        if (ref instanceof Map<?, ?> m) {
          int w = m.get("weight") instanceof Number n ? n.intValue() : 1;
          total += w;
          if (t.canaryService().equals(m.get("name"))) {
            canary += w;
            found = true;
          }
        }
      }
      if (found && isCatchAll(r.get("matches"))) {
        return OptionalInt.of(total == 0 ? 0 : canary * 100 / total);
      }
    }
    return OptionalInt.empty();
  }

  /** A rule without header or query matches: the one ordinary requests take (not an A/B rule). */
  private static boolean isCatchAll(Object matches) {
    if (!(matches instanceof List<?> list)) {
      return true;
    }
    for (Object match : list) {
      if (match instanceof Map<?, ?> m && (m.get("headers") != null || m.get("queryParams") != null)) {
        return false;
      }
    }
    return true;
  }

  /** The gateway proxy (Istio's {@code gateway-istio}) reports each request to a backend Service. */
  private static void gatewaySeries(DemoTarget t, boolean canary, Counters c, StringBuilder out) {
    String service = canary ? t.canaryService() : t.primary();
    for (int code = 0; code < TrafficSimulator.CODES.length; code++) {
      String labels = "reporter=\"source\",source_workload=\"" + GATEWAY_NAME + "-" + GATEWAY_CLASS
          + "\",source_workload_namespace=\"" + GATEWAY_NAMESPACE + "\",destination_service=\"" + service + "."
          + t.namespace() + ".svc.cluster.local\",destination_service_name=\"" + service
          + "\",destination_service_namespace=\"" + t.namespace() + "\",destination_workload=\""
          + (canary ? t.target() : t.primary()) + "\",destination_workload_namespace=\"" + t.namespace()
          + "\",response_code=\"" + TrafficSimulator.CODES[code] + "\"";
      out.append("istio_requests_total{").append(labels).append("} ").append(c.requests[code]).append('\n');
      histogram(out, "istio_request_duration_milliseconds", labels, c, code, 1.0, 1000.0);
    }
  }

  // ---- kubernetes: the ready pods the apex Service selects, each pod's own http_request_duration_seconds

  /**
   * The pods behind the apex Service, as kube-proxy sees them: the replicas ({@code ready}: the
   * ready ones) of the primary and canary Deployments whose pod labels match its selector; the
   * others are idle.
   */
  static Optional<Split> podSplit(KubernetesClient client, DemoTarget t, boolean ready) {
    Service apex = client.services().inNamespace(t.namespace()).withName(t.target()).get();
    Map<String, String> selector = apex == null || apex.getSpec() == null ? null : apex.getSpec().getSelector();
    if (selector == null || selector.isEmpty()) {
      return Optional.empty();
    }
    List<String> idle = new ArrayList<>();
    List<String> primary = pods(client, t.namespace(), t.primary(), selector, ready, idle);
    List<String> canary = pods(client, t.namespace(), t.target(), selector, ready, idle);
    return Optional.of(Split.pods(primary, canary, idle));
  }

  /** The pods of Deployment {@code name} the selector selects; adds the others to {@code idle}. */
  private static List<String> pods(KubernetesClient client, String namespace, String name,
      Map<String, String> selector, boolean ready, List<String> idle) {
    Deployment d = client.apps().deployments().inNamespace(namespace).withName(name).get();
    if (d == null || d.getSpec() == null || d.getSpec().getTemplate() == null) {
      return List.of();
    }
    var metadata = d.getSpec().getTemplate().getMetadata();
    Map<String, String> labels = metadata == null || metadata.getLabels() == null ? Map.of() : metadata.getLabels();
    Integer count = ready ? (d.getStatus() == null ? null : d.getStatus().getReadyReplicas()) : d.getSpec().getReplicas();
    String hash = podTemplateHash(client, d);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < (count == null ? 0 : count); i++) {
      names.add(name + "-" + hash + "-" + safe(digest(hash + "/" + i), 5));
    }
    if (!labels.entrySet().containsAll(selector.entrySet())) {
      idle.addAll(names);
      return List.of();
    }
    return names;
  }

  /** Like the ReplicaSet's {@code pod-template-hash}: changes with the pod template. */
  private static String podTemplateHash(KubernetesClient client, Deployment d) {
    return safe(digest(client.getKubernetesSerialization().asJson(d.getSpec().getTemplate())), 10);
  }

  private static byte[] digest(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Kubernetes' safe-encode alphabet (no vowels, no look-alikes), as pod names use. */
  private static String safe(byte[] bytes, int length) {
    String alphabet = "bcdfghjklmnpqrstvwxz2456789";
    StringBuilder s = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      s.append(alphabet.charAt((bytes[i] & 0xff) % alphabet.length()));
    }
    return s.toString();
  }

  /**
   * Each pod's own metrics, as podinfo exports them and Prometheus's pod discovery labels them
   * ({@code kubernetes_namespace}, {@code kubernetes_pod_name}): what Flagger's query for the
   * {@code kubernetes} provider reads.
   */
  private static void podSeries(DemoTarget t, TrafficSimulator traffic, StringBuilder out) {
    for (PodCounters pod : traffic.podCounters()) {
      Counters c = pod.counters();
      for (int code = 0; code < TrafficSimulator.CODES.length; code++) {
        String labels = "kubernetes_namespace=\"" + t.namespace() + "\",kubernetes_pod_name=\"" + pod.pod()
            + "\",method=\"GET\",path=\"/\",status=\"" + TrafficSimulator.CODES[code] + "\"";
        histogram(out, "http_request_duration_seconds", labels, c, code, 1000.0, 1.0);
      }
    }
  }

  // ---- Istio: VirtualService routes, istio_requests_total and istio_request_duration_milliseconds

  private static OptionalInt istioWeight(KubernetesClient client, DemoTarget t) {
    GenericKubernetesResource vs = client.genericKubernetesResources(VIRTUAL_SERVICES)
        .inNamespace(t.namespace()).withName(t.name()).get();
    if (vs == null) {
      return OptionalInt.empty();
    }
    Object http = spec(vs).get("http");
    if (!(http instanceof List<?> routes)) {
      return OptionalInt.empty();
    }
    for (Object route : routes) {
      Object destinations = route instanceof Map<?, ?> m ? m.get("route") : null;
      if (destinations instanceof List<?> list) {
        int canary = 0;
        int total = 0;
        boolean found = false;
        for (Object d : list) {
          if (d instanceof Map<?, ?> dm && dm.get("destination") instanceof Map<?, ?> dest) {
            int w = dm.get("weight") instanceof Number n ? n.intValue() : 0;
            total += w;
            if (t.canaryService().equals(dest.get("host"))) {
              canary += w;
              found = true;
            }
          }
        }
        if (found) {
          return OptionalInt.of(total == 0 ? 0 : canary * 100 / total);
        }
      }
    }
    return OptionalInt.empty();
  }

  private static void istioSeries(DemoTarget t, boolean canary, Counters c, StringBuilder out) {
    String workload = canary ? t.target() : t.primary();
    for (int code = 0; code < TrafficSimulator.CODES.length; code++) {
      String labels = "reporter=\"destination\",destination_workload=\"" + workload
          + "\",destination_workload_namespace=\"" + t.namespace() + "\",destination_service=\""
          + (canary ? t.canaryService() : t.primary()) + "." + t.namespace()
          + ".svc.cluster.local\",response_code=\"" + TrafficSimulator.CODES[code] + "\"";
      out.append("istio_requests_total{").append(labels).append("} ").append(c.requests[code]).append('\n');
      histogram(out, "istio_request_duration_milliseconds", labels, c, code, 1.0, 1000.0);
    }
  }

  // ---- Traefik: TraefikService weights, traefik_service_request_duration_seconds

  private static OptionalInt traefikWeight(KubernetesClient client, DemoTarget t) {
    GenericKubernetesResource ts = client.genericKubernetesResources(TRAEFIK_SERVICES)
        .inNamespace(t.namespace()).withName(t.name()).get();
    if (ts == null || !(spec(ts).get("weighted") instanceof Map<?, ?> weighted)
        || !(weighted.get("services") instanceof List<?> services)) {
      return OptionalInt.empty();
    }
    int canary = 0;
    int total = 0;
    for (Object s : services) {
      if (s instanceof Map<?, ?> m) {
        int w = m.get("weight") instanceof Number n ? n.intValue() : 0;
        total += w;
        if (t.canaryService().equals(m.get("name"))) {
          canary += w;
        }
      }
    }
    return OptionalInt.of(total == 0 ? 0 : canary * 100 / total);
  }

  private static void traefikSeries(DemoTarget t, boolean canary, Counters c, StringBuilder out) {
    String service = t.namespace() + "-" + (canary ? t.canaryService() : t.primary()) + "-" + t.port()
        + "@kubernetescrd";
    for (int code = 0; code < TrafficSimulator.CODES.length; code++) {
      String labels = "code=\"" + TrafficSimulator.CODES[code] + "\",method=\"GET\",protocol=\"http\",service=\""
          + service + "\"";
      out.append("traefik_service_requests_total{").append(labels).append("} ").append(c.requests[code]).append('\n');
      histogram(out, "traefik_service_request_duration_seconds", labels, c, code, 1000.0, 1.0);
    }
  }

  // ---- ingress-nginx: the canary Ingress's annotations, nginx_ingress_controller_*

  private static List<String> nginxIngress(DemoTarget t) {
    return List.of("""
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: %s
          namespace: %s
          labels:
            app: %s
        spec:
          ingressClassName: nginx
          rules:
            - host: app.example.com
              http:
                paths:
                  - path: /
                    pathType: Prefix
                    backend:
                      service:
                        name: %s
                        port:
                          number: %d
        """.formatted(t.ingress(), t.namespace(), t.target(), t.target(), t.port()));
  }

  private static OptionalInt nginxWeight(KubernetesClient client, DemoTarget t) {
    Ingress canary = client.network().v1().ingresses().inNamespace(t.namespace())
        .withName(t.ingress() + "-canary").get();
    if (canary == null || canary.getMetadata().getAnnotations() == null) {
      return OptionalInt.empty();
    }
    Map<String, String> a = canary.getMetadata().getAnnotations();
    String prefix = NginxRouter.DEFAULT_ANNOTATION_PREFIX + "/";
    if (!"true".equals(a.get(prefix + "canary"))) {
      return OptionalInt.of(0);
    }
    try {
      int weight = Integer.parseInt(a.getOrDefault(prefix + "canary-weight", "0"));
      int total = Integer.parseInt(a.getOrDefault(prefix + "canary-weight-total", "100"));
      return OptionalInt.of(weight * 100 / total);
    } catch (NumberFormatException e) {
      return OptionalInt.empty();
    }
  }

  private static void nginxSeries(DemoTarget t, boolean canary, Counters c, StringBuilder out) {
    String service = canary ? t.canaryService() : t.target();
    for (int code = 0; code < TrafficSimulator.CODES.length; code++) {
      String labels = "namespace=\"" + t.namespace() + "\",ingress=\"" + t.ingress() + "\",service=\""
          + service + "\",host=\"app.example.com\",method=\"GET\",path=\"/\",status=\""
          + TrafficSimulator.CODES[code] + "\""
          + (canary ? ",canary=\"" + t.namespace() + "-" + t.canaryService() + "-" + t.port() + "\"" : "");
      out.append("nginx_ingress_controller_requests{").append(labels).append("} ").append(c.requests[code]).append('\n');
      histogram(out, "nginx_ingress_controller_response_duration_seconds", labels, c, code, 1000.0, 1.0);
    }
  }

  // ---- helpers

  /**
   * A cumulative histogram {@code name_bucket/_sum/_count}; bucket bounds are milliseconds divided
   * by {@code leDivisor}, the sum is seconds multiplied by {@code sumFactor}.
   */
  private static void histogram(StringBuilder out, String name, String labels, Counters c, int code,
      double leDivisor, double sumFactor) {
    long cumulative = 0;
    for (int b = 0; b < TrafficSimulator.BUCKETS_MS.length; b++) {
      cumulative += c.buckets[code][b];
      out.append(name).append("_bucket{").append(labels).append(",le=\"")
          .append(number(TrafficSimulator.BUCKETS_MS[b] / leDivisor)).append("\"} ").append(cumulative).append('\n');
    }
    out.append(name).append("_bucket{").append(labels).append(",le=\"+Inf\"} ").append(c.requests[code]).append('\n');
    out.append(name).append("_sum{").append(labels).append("} ").append(c.sumSeconds[code] * sumFactor).append('\n');
    out.append(name).append("_count{").append(labels).append("} ").append(c.requests[code]).append('\n');
  }

  private static String number(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> spec(GenericKubernetesResource r) {
    Object spec = r.getAdditionalProperties().get("spec");
    return spec instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }
}
