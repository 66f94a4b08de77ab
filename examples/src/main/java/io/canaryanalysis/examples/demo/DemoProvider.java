package io.canaryanalysis.examples.demo;

import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.examples.demo.TrafficSimulator.Counters;
import io.canaryanalysis.providers.istio.IstioRouter;
import io.canaryanalysis.providers.nginx.NginxRouter;
import io.canaryanalysis.providers.traefik.TraefikRouter;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * One router in the demo: how to build it, the objects the user would already have (the Ingress
 * ingress-nginx clones), how to read the canary weight back from the objects the router wrote, and
 * the proxy's Prometheus series in the shapes Flagger's builtin queries read. Adding a provider
 * (gatewayapi, kubernetes) is one more entry in {@link #TABLE}.
 */
record DemoProvider(
    String kind,
    Function<KubernetesClient, TrafficRouter> router,
    Function<DemoTarget, List<String>> userObjects,
    BiFunction<KubernetesClient, DemoTarget, OptionalInt> canaryWeight,
    SeriesWriter series) {

  /** Writes one side's counters as Prometheus text exposition lines. */
  interface SeriesWriter {
    void write(DemoTarget target, boolean canary, Counters counters, StringBuilder out);
  }

  static final ResourceDefinitionContext TRAEFIK_SERVICES = new ResourceDefinitionContext.Builder()
      .withGroup("traefik.io").withVersion("v1alpha1").withKind("TraefikService")
      .withPlural("traefikservices").withNamespaced(true).build();
  static final ResourceDefinitionContext VIRTUAL_SERVICES = new ResourceDefinitionContext.Builder()
      .withGroup("networking.istio.io").withVersion("v1beta1").withKind("VirtualService")
      .withPlural("virtualservices").withNamespaced(true).build();

  /** The providers the demo runs, by {@code spec.provider}. */
  static final Map<String, DemoProvider> TABLE = table(
      new DemoProvider("istio", c -> IstioRouter.builder(c).build(), t -> List.of(),
          DemoProvider::istioWeight, DemoProvider::istioSeries),
      new DemoProvider("traefik", TraefikRouter::create, t -> List.of(),
          DemoProvider::traefikWeight, DemoProvider::traefikSeries),
      new DemoProvider("nginx", c -> NginxRouter.builder(c).build(), DemoProvider::nginxIngress,
          DemoProvider::nginxWeight, DemoProvider::nginxSeries));

  private static Map<String, DemoProvider> table(DemoProvider... providers) {
    Map<String, DemoProvider> m = new LinkedHashMap<>();
    for (DemoProvider p : providers) {
      m.put(p.kind(), p);
    }
    return m;
  }

  static DemoProvider of(String kind) {
    DemoProvider p = TABLE.get(kind == null ? "" : kind.toLowerCase(Locale.ROOT));
    if (p == null) {
      throw new IllegalArgumentException("--provider must be one of " + String.join(", ", TABLE.keySet())
          + " (gatewayapi and kubernetes join when their routers land), got " + kind);
    }
    return p;
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
