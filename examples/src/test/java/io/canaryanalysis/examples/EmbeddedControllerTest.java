package io.canaryanalysis.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.core.TickReport;
import io.canaryanalysis.kubernetes.CanaryController;
import io.canaryanalysis.kubernetes.CanaryResources;
import io.canaryanalysis.kubernetes.PriorityRateLimiter;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The example's wiring ({@link EmbeddedController#wire}) against fabric8's mock API server:
 * a podinfo Deployment and a Traefik Canary are initialized through every real component. The
 * test plays the Deployment controller (the primary's rollout completes) and the clock.
 */
@EnableKubernetesMockClient(crud = true)
class EmbeddedControllerTest {
  private static final String NAMESPACE = "test";
  private static final ResourceDefinitionContext CANARIES = new ResourceDefinitionContext.Builder()
      .withGroup("flagger.app").withVersion("v1beta1").withKind("Canary").withPlural("canaries")
      .withNamespaced(true).build();
  private static final ResourceDefinitionContext TRAEFIK_SERVICES = new ResourceDefinitionContext.Builder()
      .withGroup("traefik.io").withVersion("v1alpha1").withKind("TraefikService")
      .withPlural("traefikservices").withNamespaced(true).build();

  private static final ResourceDefinitionContext ALERT_PROVIDERS = new ResourceDefinitionContext.Builder()
      .withGroup("flagger.app").withVersion("v1beta1").withKind("AlertProvider").withPlural("alertproviders")
      .withNamespaced(true).build();

  KubernetesMockServer server;
  KubernetesClient client;

  private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2024-05-01T10:00:00Z"));

  @Test
  void initializesATraefikCanaryThroughTheExampleWiring() throws InterruptedException {
    server.expectCustomResource(new CustomResourceDefinitionContext.Builder()
        .withGroup("flagger.app").withVersion("v1beta1").withKind("Canary").withPlural("canaries")
        .withScope("Namespaced").withName("canaries.flagger.app").withStatusSubresource(true).build());
    client.resource(client.getKubernetesSerialization().unmarshal(DEPLOYMENT, Deployment.class)).create();
    rolledOut("podinfo");
    client.genericKubernetesResources(CANARIES).inNamespace(NAMESPACE).resource(
        client.getKubernetesSerialization().unmarshal(CANARY, GenericKubernetesResource.class)).create();
    // Nothing listens here: the wiring's Prometheus is probed and reported, never trusted.
    EmbeddedController.Settings settings = new EmbeddedController.Settings(
        "http://127.0.0.1:9", NAMESPACE, null, "test");
    wiring = EmbeddedController.wire(client, settings, (InstantSource) now::get);
    CanaryController controller = wiring.controller();

    TickReport first = pass(controller);
    assertThat(first.status().phase()).isEqualTo(CanaryPhase.INITIALIZING);
    rolledOut("podinfo-primary");
    TickReport second = passOnceInitialized(controller);

    assertThat(second.status().phase()).isEqualTo(CanaryPhase.INITIALIZED);
    assertThat(CanaryResources.create(client).read(NAMESPACE, "podinfo").orElseThrow().status().phase())
        .isEqualTo(CanaryPhase.INITIALIZED);
    GenericKubernetesResource traefikService = client.genericKubernetesResources(TRAEFIK_SERVICES)
        .inNamespace(NAMESPACE).withName("podinfo").get();
    assertThat(traefikService).as("the TraefikService the Traefik router owns").isNotNull();
    assertThat(client.getKubernetesSerialization().asJson(traefikService.getAdditionalProperties()
        .get("spec"))).as("all traffic to the primary").isEqualTo(
            "{\"weighted\":{\"services\":[{\"name\":\"podinfo-primary\",\"namespace\":\"test\","
            + "\"port\":9898,\"weight\":100}]}}");
    assertThat(client.services().inNamespace(NAMESPACE).withName("podinfo").get().getSpec()
        .getSelector()).isEqualTo(Map.of("app", "podinfo-primary"));
    assertThat(client.apps().deployments().inNamespace(NAMESPACE).withName("podinfo").get().getSpec()
        .getReplicas()).isZero();
    // Events go through the async lane: wait for them.
    awaitEvent("Initialization done! podinfo.test");
    assertThat(eventMessages()).anySatisfy(m -> assertThat(m).contains("request-success-rate", "not answering"));
  }

  @Test
  void metersAreFedByTheEngineAndAlertsReachTheClustersAlertProvider() throws Exception {
    List<String> slack = new java.util.concurrent.CopyOnWriteArrayList<>();
    com.sun.net.httpserver.HttpServer receiver = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/hook", exchange -> {
      slack.add(new String(exchange.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    receiver.start();
    try {
      server.expectCustomResource(new CustomResourceDefinitionContext.Builder()
          .withGroup("flagger.app").withVersion("v1beta1").withKind("Canary").withPlural("canaries")
          .withScope("Namespaced").withName("canaries.flagger.app").withStatusSubresource(true).build());
      client.resource(client.getKubernetesSerialization().unmarshal(DEPLOYMENT, Deployment.class)).create();
      rolledOut("podinfo");
      String provider = "apiVersion: flagger.app/v1beta1\nkind: AlertProvider\nmetadata:\n  name: on-call\n"
          + "  namespace: test\nspec:\n  type: slack\n  channel: general\n"
          + "  address: http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook\n";
      client.genericKubernetesResources(ALERT_PROVIDERS).inNamespace(NAMESPACE).resource(
          client.getKubernetesSerialization().unmarshal(provider, GenericKubernetesResource.class)).create();
      String canary = CANARY + "    alerts:\n      - name: on-call\n        severity: info\n"
          + "        providerRef:\n          name: on-call\n";
      client.genericKubernetesResources(CANARIES).inNamespace(NAMESPACE).resource(
          client.getKubernetesSerialization().unmarshal(canary, GenericKubernetesResource.class)).create();
      io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry =
          new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
              io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
      wiring = EmbeddedController.wire(client, new EmbeddedController.Settings(
          "http://127.0.0.1:9", NAMESPACE, null, "test"), (InstantSource) now::get, registry);
      CanaryController controller = wiring.controller();
      int before = server.getRequestCount();
      for (int i = 0; i < before; i++) {
        server.takeRequest();
      }

      pass(controller);
      rolledOut("podinfo-primary");
      assertThat(passOnceInitialized(controller).status().phase()).isEqualTo(CanaryPhase.INITIALIZED);

      assertThat(registry.scrape()).contains("flagger_canary_status{name=\"podinfo\",namespace=\"test\"} 1")
          .contains("flagger_info{");
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (slack.size() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      // Nothing answers at the wiring's Prometheus: seen at both initialization ticks, a minute
      // apart, that is an incident alert of its own.
      assertThat(slack).hasSize(2)
          .anySatisfy(body -> assertThat(body)
              .contains("New Deployment detected, initialization completed.").contains("general"))
          .anySatisfy(body -> assertThat(body).contains(
              "Metric provider failed, the metrics server for request-success-rate is not answering"));
      // The AlertProvider came from the informer cache: no tick or alert sent a GET for it.
      List<String> requests = new java.util.ArrayList<>();
      for (var r = server.takeRequest(100, java.util.concurrent.TimeUnit.MILLISECONDS); r != null;
          r = server.takeRequest(100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
        requests.add(r.getMethod() + " " + r.getPath());
      }
      assertThat(requests).isNotEmpty().noneMatch(r -> r.startsWith("GET ") && r.contains("/alertproviders/"));
    } finally {
      receiver.stop(0);
    }
  }

  @Test
  void anInvalidCanaryIsAlertedOnceToTheClustersAlertProvider() throws Exception {
    List<String> slack = new java.util.concurrent.CopyOnWriteArrayList<>();
    com.sun.net.httpserver.HttpServer receiver = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/hook", exchange -> {
      slack.add(new String(exchange.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    receiver.start();
    try {
      server.expectCustomResource(new CustomResourceDefinitionContext.Builder()
          .withGroup("flagger.app").withVersion("v1beta1").withKind("Canary").withPlural("canaries")
          .withScope("Namespaced").withName("canaries.flagger.app").withStatusSubresource(true).build());
      String provider = "apiVersion: flagger.app/v1beta1\nkind: AlertProvider\nmetadata:\n  name: on-call\n"
          + "  namespace: test\nspec:\n  type: slack\n  channel: deployments\n"
          + "  address: http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook\n";
      client.genericKubernetesResources(ALERT_PROVIDERS).inNamespace(NAMESPACE).resource(
          client.getKubernetesSerialization().unmarshal(provider, GenericKubernetesResource.class)).create();
      String canary = CANARY.replace("interval: 1m\n    threshold", "interval: 1m\n    treshold")
          + "    alerts:\n      - name: on-call\n        severity: error\n"
          + "        providerRef:\n          name: on-call\n";
      assertThat(canary).contains("treshold");
      client.genericKubernetesResources(CANARIES).inNamespace(NAMESPACE).resource(
          client.getKubernetesSerialization().unmarshal(canary, GenericKubernetesResource.class)).create();
      wiring = EmbeddedController.wire(client, new EmbeddedController.Settings(
          "http://127.0.0.1:9", NAMESPACE, null, "test"), (InstantSource) now::get);
      CanaryController controller = wiring.controller();
      for (int i = 0; i < 10; i++) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> controller.reconcile(NAMESPACE, "podinfo"))
            .isInstanceOf(io.canaryanalysis.manifest.ManifestException.class);
        now.set(now.get().plus(Duration.ofSeconds(30)));
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (slack.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Thread.sleep(200);
      assertThat(slack).singleElement().satisfies(body -> assertThat(body)
          .contains("Canary spec is invalid: spec.analysis.treshold").contains("\"color\":\"danger\"")
          .contains("deployments"));
    } finally {
      receiver.stop(0);
    }
  }

  @Test
  void theRateLimiterIsMeteredAndA429ShowsInItsMeters() {
    PriorityRateLimiter limiter = PriorityRateLimiter.of(100, 10);
    io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry =
        new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
            io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
    EmbeddedController.bindRateLimiter(registry, limiter);
    assertThat(registry.scrape()).contains("canary_analysis_kube_client_rate 100.0")
        .contains("canary_analysis_kube_client_throttled_total 0.0");

    server.expect().get().withPath("/api/v1/namespaces/test/configmaps/busy")
        .andReturn(429, new StatusBuilder().withCode(429).withReason("TooManyRequests").build())
        .withHeader("Retry-After", "0").once();
    try (KubernetesClient limited = server.createClient(b -> b.withHttpClientBuilderConsumer(
        h -> h.addOrReplaceInterceptor("priority-rate-limit", limiter)))) {
      // fabric8 retries the 429; the retry finds no such ConfigMap.
      assertThat(limited.configMaps().inNamespace(NAMESPACE).withName("busy").get()).isNull();
    }

    assertThat(registry.scrape()).contains("canary_analysis_kube_client_throttled_total 1.0");
    assertThat(registry.get("canary_analysis_kube_client_rate").gauge().value()).isLessThan(100);
  }

  @Test
  void settingsComeFromArgumentsOrTheEnvironment() {
    EmbeddedController.Settings fromArgs = EmbeddedController.Settings.from(
        new String[] {"http://prometheus:9090", "shop"}, Map.of("PROMETHEUS_URL", "http://other:9090"));
    assertThat(fromArgs.prometheusAddress()).isEqualTo("http://prometheus:9090");
    assertThat(fromArgs.namespace()).isEqualTo("shop");
    assertThat(fromArgs.leaseNamespace()).isNull();

    EmbeddedController.Settings fromEnv = EmbeddedController.Settings.from(new String[0], Map.of(
        "PROMETHEUS_URL", "http://prometheus.istio-system:9090",
        "LEADER_ELECTION_NAMESPACE", "flagger-system", "POD_NAME", "canary-analysis-7d9f"));
    assertThat(fromEnv.prometheusAddress()).isEqualTo("http://prometheus.istio-system:9090");
    assertThat(fromEnv.namespace()).isNull();
    assertThat(fromEnv.leaseNamespace()).isEqualTo("flagger-system");
    assertThat(fromEnv.identity()).isEqualTo("canary-analysis-7d9f");

    assertThatThrownBy(() -> EmbeddedController.Settings.from(new String[0], Map.of()))
        .hasMessageContaining("PROMETHEUS_URL");
  }

  private EmbeddedController.Wiring wiring;

  /** The informers and watches stop before the mock server does. */
  @AfterEach
  void tearDown() {
    if (wiring != null) {
      wiring.close();
    }
  }

  private void awaitEvent(String message) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!eventMessages().contains(message) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    assertThat(eventMessages()).contains(message);
  }

  private TickReport pass(CanaryController controller) {
    TickReport report = controller.reconcile(NAMESPACE, "podinfo").orElseThrow();
    now.set(now.get().plus(Duration.ofMinutes(1)));
    return report;
  }

  /**
   * A pass once the controller's informer has delivered the primary's rollout (on a loaded machine
   * the watch can lag the harness' write): ticks at the same instant until the canary is no longer
   * initializing, for up to 20 s, then moves the clock on as {@link #pass} does.
   */
  private TickReport passOnceInitialized(CanaryController controller) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    TickReport report = controller.reconcile(NAMESPACE, "podinfo").orElseThrow();
    while (report.status().phase() == CanaryPhase.INITIALIZING && System.nanoTime() < deadline) {
      Thread.sleep(50);
      report = controller.reconcile(NAMESPACE, "podinfo").orElseThrow();
    }
    now.set(now.get().plus(Duration.ofMinutes(1)));
    return report;
  }

  /** Plays the Deployment controller: the rollout of {@code name} is complete. */
  private void rolledOut(String name) {
    Deployment d = client.apps().deployments().inNamespace(NAMESPACE).withName(name).get();
    int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    d.setStatus(new DeploymentStatusBuilder().withObservedGeneration(d.getMetadata().getGeneration())
        .withReplicas(replicas).withUpdatedReplicas(replicas).withAvailableReplicas(replicas)
        .withReadyReplicas(replicas).build());
    client.resource(d).update();
  }

  private List<String> eventMessages() {
    return client.v1().events().inNamespace(NAMESPACE).list().getItems().stream()
        .map(Event::getMessage).collect(Collectors.toList());
  }

  private static final String DEPLOYMENT = """
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: podinfo
        namespace: test
      spec:
        replicas: 2
        selector:
          matchLabels:
            app: podinfo
        template:
          metadata:
            labels:
              app: podinfo
          spec:
            containers:
              - name: podinfod
                image: ghcr.io/stefanprodan/podinfo:6.0.0
                ports:
                  - name: http
                    containerPort: 9898
      """;

  private static final String CANARY = """
      apiVersion: flagger.app/v1beta1
      kind: Canary
      metadata:
        name: podinfo
        namespace: test
      spec:
        provider: traefik
        targetRef:
          apiVersion: apps/v1
          kind: Deployment
          name: podinfo
        service:
          port: 9898
        analysis:
          interval: 1m
          threshold: 5
          maxWeight: 50
          stepWeight: 10
          metrics:
            - name: request-success-rate
              interval: 1m
              thresholdRange:
                min: 99
      """;
}
