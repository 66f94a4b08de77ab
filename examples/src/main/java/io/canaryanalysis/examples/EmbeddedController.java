package io.canaryanalysis.examples;

import com.sun.net.httpserver.HttpServer;
import io.canaryanalysis.alerts.AlertProviderConfig;
import io.canaryanalysis.alerts.AlertProviders;
import io.canaryanalysis.alerts.HttpAlertSender;
import io.canaryanalysis.api.EventSink;
import io.canaryanalysis.micrometer.CanaryMeters;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import io.canaryanalysis.core.AnalysisEngine;
import io.canaryanalysis.kubernetes.CanaryController;
import io.canaryanalysis.kubernetes.CanaryResources;
import io.canaryanalysis.kubernetes.DeploymentWorkload;
import io.canaryanalysis.kubernetes.KubernetesEventSink;
import io.canaryanalysis.kubernetes.KubernetesInformers;
import io.canaryanalysis.kubernetes.KubernetesMetricTemplates;
import io.canaryanalysis.kubernetes.KubernetesRouter;
import io.canaryanalysis.kubernetes.KubernetesSecretResolver;
import io.canaryanalysis.kubernetes.PriorityRateLimiter;
import io.canaryanalysis.metrics.prometheus.PrometheusClient;
import io.canaryanalysis.metrics.prometheus.PrometheusMetrics;
import io.canaryanalysis.providers.gatewayapi.GatewayApiRouter;
import io.canaryanalysis.providers.istio.IstioRouter;
import io.canaryanalysis.providers.nginx.NginxRouter;
import io.canaryanalysis.providers.traefik.TraefikRouter;
import io.canaryanalysis.webhooks.HttpWebhookCaller;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;

/**
 * A Flagger-like controller embedded in a plain Java process: a fabric8 client from the
 * kubeconfig (or the pod's service account), the analysis engine with the Istio, Traefik and
 * NGINX routers, Prometheus metrics and MetricTemplates, HTTP webhooks, the Deployment workload
 * and Kubernetes Events, all reading from informer caches, driven by {@link CanaryController}
 * (change-triggered ticks) until Ctrl-C.
 *
 * <pre>
 * java -cp canary-runner.jar io.canaryanalysis.examples.EmbeddedController http://prometheus:9090 [namespace]
 * </pre>
 *
 * <p>Without arguments the Prometheus address comes from {@code PROMETHEUS_URL} and the namespace
 * from {@code WATCH_NAMESPACE} (unset: all namespaces). With {@code LEADER_ELECTION_NAMESPACE}
 * set, replicas elect a leader through the Lease {@code canary-analysis} in that namespace,
 * identified by {@code POD_NAME} (or {@code HOSTNAME}). The client is rate limited with
 * {@link PriorityRateLimiter} at {@code KUBE_API_QPS} (default 100) and {@code KUBE_API_BURST}
 * (default 250), Flagger's defaults, Events yielding to every other request; its effective rate
 * and the 429s received are meters ({@code bindRateLimiter}).
 */
public final class EmbeddedController {
  /** The Lease replicas compete for when leader election is on. */
  public static final String LEASE_NAME = "canary-analysis";

  private EmbeddedController() {}

  /**
   * What the example is configured with.
   *
   * @param prometheusAddress the Prometheus server for builtin and inline metrics
   * @param namespace the namespace watched, or null for all
   * @param leaseNamespace where the Lease lives, or null for no leader election
   * @param identity this replica's name in the Lease
   */
  public record Settings(String prometheusAddress, String namespace, String leaseNamespace,
      String identity) {
    public Settings {
      Objects.requireNonNull(prometheusAddress, "prometheusAddress");
    }

    /**
     * Reads {@code [prometheus-address [namespace]]} and the environment.
     *
     * @throws IllegalArgumentException when no Prometheus address is given
     */
    public static Settings from(String[] args, Map<String, String> env) {
      String prometheus = args.length > 0 ? args[0] : env.get("PROMETHEUS_URL");
      if (prometheus == null || prometheus.isBlank()) {
        throw new IllegalArgumentException("the Prometheus address is missing: pass it as the first "
            + "argument or set PROMETHEUS_URL (for example http://prometheus.istio-system:9090)");
      }
      String namespace = args.length > 1 ? args[1] : blankToNull(env.get("WATCH_NAMESPACE"));
      String leaseNamespace = blankToNull(env.get("LEADER_ELECTION_NAMESPACE"));
      String identity = blankToNull(env.getOrDefault("POD_NAME", env.get("HOSTNAME")));
      return new Settings(prometheus, namespace, leaseNamespace,
          identity == null ? "canary-analysis-" + ProcessHandle.current().pid() : identity);
    }

    private static String blankToNull(String value) {
      return value == null || value.isBlank() ? null : value;
    }
  }

  /** The version published in {@code flagger_info}. */
  static final String VERSION = "0.1.0";

  /**
   * The running wiring: the controller and what it reads from. {@link #close} stops the controller
   * first, then the event lane, the Istio router's informers and the shared informers.
   */
  public record Wiring(CanaryController controller, KubernetesInformers informers,
      KubernetesEventSink eventSink, IstioRouter istio) implements AutoCloseable {
    @Override
    public void close() {
      controller.close();
      eventSink.close();
      istio.close();
      informers.close();
    }
  }

  /**
   * The whole wiring, as the README's Scale section shows: one set of informer caches (Canaries,
   * MetricTemplates, AlertProviders, Deployments, Services, ConfigMaps, Secrets) behind the
   * workload, the status store, the event sink, the MetricTemplates, the AlertProviders and the
   * controller's change-triggered ticks; the Istio router with informers of its own; events on
   * the async lane. Every provider is registered explicitly. Starts the informers (their first
   * list); the caller starts the controller and closes the wiring (and the client).
   */
  public static Wiring wire(KubernetesClient client, Settings settings, InstantSource clock) {
    return wire(client, settings, clock, new SimpleMeterRegistry());
  }

  /**
   * The same wiring with Flagger's meters registered in {@code registry} (fed by the engine as its
   * observer) and alerts delivered to the AlertProviders stored in the cluster.
   */
  public static Wiring wire(KubernetesClient client, Settings settings, InstantSource clock,
      MeterRegistry registry) {
    KubernetesInformers informers = KubernetesInformers.builder(client).namespace(settings.namespace()).start();
    CanaryMeters meters = CanaryMeters.builder(registry).info(VERSION, "istio").build();
    HttpAlertSender alerts = HttpAlertSender.builder()
        .providers(clusterAlertProviders(client, informers))
        .secrets(KubernetesSecretResolver.create(client))
        .listener(d -> meters.recordProviderCall("alert", d.elapsed(), !d.delivered()))
        .build();
    KubernetesEventSink kubernetesEvents = KubernetesEventSink.builder(client).informers(informers)
        .async(EVENTS_PER_SECOND, EVENT_QUEUE).build();
    EventSink events = meters.eventSink(alerts.alongside(kubernetesEvents));
    IstioRouter istio = IstioRouter.builder(client).informers(settings.namespace()).build();
    AnalysisEngine engine = AnalysisEngine.builder()
        .router(istio)
        .router(TraefikRouter.create(client))
        .router(GatewayApiRouter.builder(client).build())
        .router(GatewayApiRouter.builder(client).apiVersion(GatewayApiRouter.API_VERSION_V1BETA1).build())
        .router(NginxRouter.builder(client).build())
        .router(KubernetesRouter.builder(client).informers(informers).build())
        .defaultRouterKind("istio")
        .workload(DeploymentWorkload.builder(client).informers(informers).build())
        .statusStore(CanaryResources.create(client, informers))
        .metrics(PrometheusMetrics.backend(PrometheusClient.builder(settings.prometheusAddress()).build(),
            KubernetesSecretResolver.create(client),
            System.getenv().getOrDefault("GATEWAY_IMPLEMENTATION", "unknown")))
        .metricTemplateSource(KubernetesMetricTemplates.create(client, informers))
        .webhookCaller(HttpWebhookCaller.create())
        .eventSink(events)
        .observer(meters)
        .clock(clock)
        .build();
    CanaryController.Builder controller = CanaryController.builder(client, engine)
        .namespace(settings.namespace())
        .informers(informers)
        .eventSink(events)
        .maxWorkers(16);
    if (settings.leaseNamespace() != null) {
      controller.leaderElection(settings.leaseNamespace(), LEASE_NAME, settings.identity());
    }
    return new Wiring(controller.build(), informers, kubernetesEvents, istio);
  }

  /** The async event lane: events per second, and the queue beyond which the oldest are dropped. */
  static final double EVENTS_PER_SECOND = 50;
  static final int EVENT_QUEUE = 10_000;

  /**
   * AlertProviders ({@code flagger.app/v1beta1}) found when an alert names one: from the informer
   * cache, or with a GET for a namespace the informers do not cover.
   */
  static AlertProviders clusterAlertProviders(KubernetesClient client, KubernetesInformers informers) {
    ResourceDefinitionContext kind = new ResourceDefinitionContext.Builder().withGroup("flagger.app")
        .withVersion("v1beta1").withKind("AlertProvider").withPlural("alertproviders").withNamespaced(true)
        .build();
    return (namespace, name) -> {
      if (informers.cachesAlertProviders(namespace)) {
        return informers.alertProviderSpec(namespace, name)
            .map(spec -> AlertProviderConfig.fromManifest(name, namespace, spec));
      }
      GenericKubernetesResource resource =
          client.genericKubernetesResources(kind).inNamespace(namespace).withName(name).get();
      if (resource == null) {
        return Optional.empty();
      }
      @SuppressWarnings("unchecked")
      Map<String, ?> spec = (Map<String, ?>) resource.getAdditionalProperties().getOrDefault("spec", Map.of());
      return Optional.of(AlertProviderConfig.fromManifest(name, namespace, spec));
    };
  }

  /**
   * Shows the client's rate limiter in {@code registry}: {@code canary_analysis_kube_client_rate}
   * (the effective requests per second, below the configured rate after 429s) and
   * {@code canary_analysis_kube_client_throttled_total} (429 Too Many Requests received).
   */
  static void bindRateLimiter(MeterRegistry registry, PriorityRateLimiter limiter) {
    Gauge.builder("canary_analysis_kube_client_rate", limiter, PriorityRateLimiter::effectiveRate)
        .description("Requests per second the client's rate limiter grants now")
        .register(registry);
    FunctionCounter.builder("canary_analysis_kube_client_throttled", limiter, l -> l.throttledResponses())
        .description("429 Too Many Requests responses the client received")
        .register(registry);
  }

  /** Serves {@code registry}'s Prometheus exposition on {@code /metrics} at {@code port} (0: none). */
  static HttpServer serveMetrics(PrometheusMeterRegistry registry, int port) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
    server.createContext("/metrics", exchange -> {
      byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      exchange.sendResponseHeaders(200, body.length);
      try (var os = exchange.getResponseBody()) {
        os.write(body);
      }
    });
    server.start();
    return server;
  }

  public static void main(String[] args) throws InterruptedException, IOException {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    Settings settings;
    try {
      settings = Settings.from(args, System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println("Usage: java -cp canary-runner.jar " + EmbeddedController.class.getName()
          + " <prometheus-address> [namespace]");
      System.exit(2);
      return;
    }
    // Flagger's client defaults (-kubeconfig-qps 100, -kubeconfig-burst 250), with Events yielding.
    double qps = Double.parseDouble(System.getenv().getOrDefault("KUBE_API_QPS", "100"));
    int burst = Integer.parseInt(System.getenv().getOrDefault("KUBE_API_BURST", "250"));
    PriorityRateLimiter limiter = PriorityRateLimiter.of(qps, burst);
    KubernetesClient client = new KubernetesClientBuilder()
        .withHttpClientBuilderConsumer(h -> h.addOrReplaceInterceptor("priority-rate-limit", limiter))
        .build();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    bindRateLimiter(registry, limiter);
    int metricsPort = Integer.parseInt(System.getenv().getOrDefault("METRICS_PORT", "8080"));
    HttpServer metrics = serveMetrics(registry, metricsPort);
    Wiring wiring = wire(client, settings, InstantSource.system(), registry);
    CanaryController controller = wiring.controller();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      wiring.close();
      metrics.stop(0);
      client.close();
      stopped.countDown();
    }, "canary-analysis-shutdown"));
    controller.start();
    out.println("Analysing canaries in " + (settings.namespace() == null ? "all namespaces"
        : "namespace " + settings.namespace()) + " of " + client.getMasterUrl()
        + (settings.leaseNamespace() == null ? "" : " (leader election on lease "
            + settings.leaseNamespace() + "/" + LEASE_NAME + " as " + settings.identity() + ")")
        + "; Flagger's meters on :" + metrics.getAddress().getPort() + "/metrics; Ctrl-C to stop");
    stopped.await();
  }
}
