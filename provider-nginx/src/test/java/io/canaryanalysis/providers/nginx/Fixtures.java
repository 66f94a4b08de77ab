package io.canaryanalysis.providers.nginx;

import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.spec.ObjectReference;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPathBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The user's objects the NGINX tests start from: a podinfo Ingress and Canaries pointing at it. */
final class Fixtures {
  static final String NAMESPACE = "test";
  static final String PREFIX = "nginx.ingress.kubernetes.io";
  static final String UID = "6f1f3c9e-2b6d-4c55-9a51-0d1d2c3b4a5f";

  private Fixtures() {}

  /**
   * The user's main Ingress: two hosts, a second service on another path, TLS, a class, user
   * annotations, and leftovers the clone must not copy (a canary annotation, kubectl's copy).
   */
  static Ingress userIngress() {
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(PREFIX + "/proxy-body-size", "8m");
    annotations.put("example.com/team", "payments");
    annotations.put(PREFIX + "/canary-by-header", "x-stale");
    annotations.put("kubectl.kubernetes.io/last-applied-configuration", "{\"kind\":\"Ingress\"}");
    return new IngressBuilder()
        .withNewMetadata()
        .withName("podinfo")
        .withNamespace(NAMESPACE)
        .withLabels(Map.of("app", "podinfo", "team", "payments"))
        .withAnnotations(annotations)
        .endMetadata()
        .withNewSpec()
        .withIngressClassName("nginx")
        .addNewTl().withHosts("app.example.com", "*.preview.example.com")
        .withSecretName("app-tls").endTl()
        .addNewRule()
        .withHost("app.example.com")
        .withNewHttp()
        .addToPaths(path("/", "podinfo", 9898))
        .addToPaths(path("/static", "assets", 80))
        .endHttp()
        .endRule()
        .addNewRule()
        .withHost("www.example.com")
        .withNewHttp()
        .addToPaths(path("/api", "podinfo", 9898))
        .endHttp()
        .endRule()
        .endSpec()
        .build();
  }

  static HTTPIngressPath path(String path, String service, int port) {
    return new HTTPIngressPathBuilder()
        .withPath(path)
        .withPathType("Prefix")
        .withNewBackend()
        .withNewService().withName(service).withNewPort().withNumber(port).endPort().endService()
        .endBackend()
        .build();
  }

  static Ingress createUserIngress(KubernetesClient client) {
    return client.network().v1().ingresses().inNamespace(NAMESPACE).resource(userIngress())
        .create();
  }

  static Canary canary(Analysis analysis) {
    CanarySpec spec = CanarySpec.builder()
        .deployment("podinfo")
        .ingressRef(ObjectReference.ingress("podinfo"))
        .service(CanaryService.ofPort(9898))
        .provider("nginx")
        .analysis(analysis)
        .build();
    return new Canary("podinfo", NAMESPACE, UID, Map.of(), Map.of(), spec);
  }

  static Canary weightedCanary() {
    return canary(Analysis.builder().interval(Duration.ofMinutes(1)).stepWeight(5)
        .maxWeight(50).build());
  }

  static Ingress get(KubernetesClient client, String name) {
    return client.network().v1().ingresses().inNamespace(NAMESPACE).withName(name).get();
  }

  static String ingressPath(String name) {
    return "/apis/networking.k8s.io/v1/namespaces/" + NAMESPACE + "/ingresses/" + name;
  }

  /** Makes the next PUT to the named Ingress fail with the API server's 409 Conflict. */
  static void failNextPut(KubernetesMockServer server, String name, int times) {
    server.expect().put().withPath(ingressPath(name))
        .andReturn(409, new StatusBuilder()
            .withApiVersion("v1").withKind("Status").withStatus("Failure").withCode(409)
            .withReason("Conflict")
            .withMessage("Operation cannot be fulfilled on ingresses.networking.k8s.io \"" + name
                + "\": the object has been modified; please apply your changes to the latest "
                + "version and try again")
            .build())
        .times(times);
  }
}
