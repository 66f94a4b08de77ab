package io.canaryanalysis.examples.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.MetricBackend;
import io.canaryanalysis.api.MetricProvider;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.core.AnalysisEngine;
import io.canaryanalysis.kubernetes.CanaryController;
import io.canaryanalysis.kubernetes.CanaryResources;
import io.canaryanalysis.kubernetes.DeploymentWorkload;
import io.canaryanalysis.kubernetes.KubernetesEventSink;
import io.canaryanalysis.kubernetes.KubernetesMetricTemplates;
import io.canaryanalysis.kubernetes.KubernetesSecretResolver;
import io.canaryanalysis.manifest.CanaryManifests;
import io.canaryanalysis.manifest.ManifestException;
import io.canaryanalysis.metrics.prometheus.GatewayApiBuiltinQueries;
import io.canaryanalysis.metrics.prometheus.PrometheusBuiltinQueries;
import io.canaryanalysis.metrics.prometheus.PrometheusClient;
import io.canaryanalysis.metrics.prometheus.PrometheusMetrics;
import io.canaryanalysis.providers.gatewayapi.GatewayApiRouter;
import io.canaryanalysis.webhooks.HttpWebhookCaller;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code canary-runner demo}: the real {@link CanaryController}, {@link DeploymentWorkload} and a
 * router against fabric8's mock Kubernetes API in CRUD mode, with a traffic simulator playing the
 * users (split by the weights read back from the router's objects) and the Deployment controller
 * (ready replicas). The checks run Flagger's builtin PromQL against a real Prometheus scraping the
 * simulator when a {@code prometheus} binary is on PATH, else they read the simulator directly.
 * With {@code --kubeconfig} the same controller runs against a real cluster, without simulator.
 */
public final class Demo {
  /** The rollout ended as expected: promoted, or rolled back when a regression was asked for. */
  public static final int EXIT_EXPECTED = 0;
  /** It ended otherwise, or did not end before the timeout. */
  public static final int EXIT_UNEXPECTED = 1;
  /** Bad usage or an invalid Canary. */
  public static final int EXIT_USAGE = 2;

  static final String CANARY_RESOURCE = "canaries.flagger.app";
  static final ResourceDefinitionContext CANARIES = new ResourceDefinitionContext.Builder()
      .withGroup("flagger.app").withVersion("v1beta1").withKind("Canary").withPlural("canaries")
      .withNamespaced(true).build();
  private static final long STEP_MILLIS = 100;
  private static final long SAMPLE_EVERY_MILLIS = 500;
  private static final long SAMPLE_WINDOW_MILLIS = 2000;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The mock server logs every request through java.util.logging at INFO; kept quiet (held strongly). */
  private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  private final DemoOptions options;
  private final PrintStream out;
  private final PrintStream err;

  private Demo(DemoOptions options, PrintStream out, PrintStream err) {
    this.options = options;
    this.out = out;
    this.err = err;
  }

  /** Runs {@code demo [options]} and returns the exit code; prints only to {@code out} and {@code err}. */
  public static int run(List<String> args, PrintStream out, PrintStream err) {
    DemoOptions options;
    try {
      options = DemoOptions.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      err.print(DemoOptions.USAGE);
      return EXIT_USAGE;
    }
    if (options.help()) {
      out.print(DemoOptions.USAGE);
      return EXIT_EXPECTED;
    }
    Demo demo = new Demo(options, out, err);
    try {
      return options.kubeconfig() != null ? demo.cluster() : demo.embedded();
    } catch (ManifestException e) {
      err.println("error: " + e.getMessage());
      return EXIT_USAGE;
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return EXIT_USAGE;
    } catch (IOException e) {
      err.println("error: " + e.getMessage());
      return EXIT_USAGE;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("interrupted");
      return EXIT_UNEXPECTED;
    }
  }

  // ---------------------------------------------------------------- the embedded demo

  private int embedded() throws IOException, InterruptedException {
    String manifest = options.canary() == null ? null : Files.readString(options.canary(), StandardCharsets.UTF_8);
    String providerKind = options.provider();
    if (manifest == null) {
      providerKind = providerKind == null ? DemoProvider.DEFAULT : providerKind;
    }
    Duration metricWindow = Duration.ofSeconds(Math.max(5, (long) Math.ceil(options.interval().toMillis() * 2.5 / 1000)));
    if (manifest == null) {
      manifest = defaultCanary(DemoProvider.of(providerKind), metricWindow);
    }
    Canary canary = CanaryManifests.readCanary(new StringReader(manifest), "test").canary();
    if (providerKind != null && !providerKind.equals(canary.spec().provider())) {
      manifest = withProvider(manifest, providerKind);
      canary = CanaryManifests.readCanary(new StringReader(manifest), "test").canary();
    }
    String kind = canary.spec().provider() == null ? DemoProvider.FLAGGER_DEFAULT : canary.spec().provider();
    DemoProvider provider = DemoProvider.find(kind).orElseThrow(() -> new IllegalArgumentException(options.canary()
        + ": spec.provider: the demo runs " + String.join(", ", DemoProvider.TABLE.keySet())
        + " (or give --provider), got " + kind));
    DemoTarget target = new DemoTarget(canary.namespace(), canary.name(), canary.spec().targetRef().name(),
        canary.spec().service() == null || canary.spec().service().port() == 0 ? 9898 : canary.spec().service().port(),
        canary.spec().ingressRef() == null ? canary.name() : canary.spec().ingressRef().name());
    Duration analysisInterval = canary.spec().analysis() == null || canary.spec().analysis().interval() == null
        ? Duration.ofSeconds(60) : canary.spec().analysis().interval();
    if (analysisInterval.compareTo(Duration.ofSeconds(10)) < 0) {
      analysisInterval = Duration.ofSeconds(10);
    }
    double speed = (double) analysisInterval.toMillis() / options.interval().toMillis();

    KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesMixedDispatcher(new HashMap<>()), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    server.expectCustomResource(new CustomResourceDefinitionContext.Builder()
        .withGroup("flagger.app").withVersion("v1beta1").withKind("Canary").withPlural("canaries")
        .withScope("Namespaced").withName(CANARY_RESOURCE).withStatusSubresource(true).build());
    long setupStart = System.nanoTime();
    KubernetesClient client = server.createClient();
    ScheduledExecutorService simulator = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "demo-simulator");
      t.setDaemon(true);
      return t;
    });
    ScheduledThreadPoolExecutor controllerPool = null;
    MetricsEndpoint endpoint = null;
    PrometheusProcess prometheus = null;
    CanaryController controller = null;
    try {
      TrafficSimulator traffic = new TrafficSimulator(options.rate(), options.seed(),
          () -> readSplit(provider, client, target), 120_000);
      if (options.fail()) {
        traffic.canaryProfile(TrafficSimulator.Profile.REGRESSED);
      }
      endpoint = MetricsEndpoint.start(provider, target, traffic);
      String metricsPath;
      MetricBackend backend;
      var binary = options.noPrometheus() ? java.util.Optional.<Path>empty() : PrometheusProcess.onPath();
      boolean mean = provider.kind().equals("nginx");
      // Prometheus starts while the objects are created (both take seconds on a busy machine).
      String scrapeTarget = endpoint.address();
      java.util.concurrent.CompletableFuture<PrometheusProcess> starting = binary.isEmpty() ? null
          : java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
              return PrometheusProcess.start(binary.get(), scrapeTarget);
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          });
      createObjects(client, provider, target);
      client.genericKubernetesResources(CANARIES).inNamespace(target.namespace()).resource(
          client.getKubernetesSerialization().unmarshal(manifest, GenericKubernetesResource.class)).create();

      if (starting != null) {
        try {
          prometheus = starting.join();
        } catch (java.util.concurrent.CompletionException e) {
          Throwable cause = e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause() : e.getCause();
          throw new IOException("cannot start prometheus: " + cause.getMessage(), cause);
        }
      }
      // Gateway API builtins depend on the implementation serving the Gateway (Istio for the demo's).
      String gatewayImplementation = provider.kind().equals("gatewayapi")
          ? GatewayApiRouter.builder(client).build().implementation(canary).id() : "unknown";
      String queries = queries(canary, provider, gatewayImplementation);
      if (prometheus != null) {
        MetricBackend real = PrometheusMetrics.backend(PrometheusClient.builder(prometheus.url()).build(),
            KubernetesSecretResolver.create(client), gatewayImplementation);
        metricsPath = "prometheus";
        backend = real;
      } else {
        metricsPath = "simulator";
        PrometheusBuiltinQueries routers = new PrometheusBuiltinQueries();
        GatewayApiBuiltinQueries gateways = new GatewayApiBuiltinQueries(gatewayImplementation);
        backend = new MetricBackend(new SimulatorMetrics(traffic, System::currentTimeMillis, mean),
            (name, router) -> routers.template(name, router).or(() -> gateways.template(name, router)), null);
      }
      Observers.MeasuringProvider measuring = new Observers.MeasuringProvider(backend.defaultProvider());
      backend = new MetricBackend(measuring, backend.builtinQueries(), backend.templateProviders());

      RolloutRecord record = new RolloutRecord("podinfo canary demo: " + target.name() + "." + target.namespace()
          + (options.expectsRollback() ? " with a regression" : ""), provider.kind(),
          metricsPath.equals("prometheus") ? "real Prometheus (" + queries + ")" : "the simulator (no prometheus on PATH)",
          RolloutRecord.bound(canary, MetricCheck.REQUEST_SUCCESS_RATE, true),
          RolloutRecord.bound(canary, MetricCheck.REQUEST_DURATION, false),
          mean ? "P99 (the nginx check reads the mean)" : "P99");
      DemoClock clock = new DemoClock(Instant.now(), speed);
      Live live = new Live(record, clock, measuring, () -> pods(provider, client, target));
      start(live, provider, target, server, speed, metricsPath, queries, prometheus, endpoint,
          (System.nanoTime() - setupStart) / 1e9);

      controllerPool = clock.scheduler(2, live::flush);
      controller = controller(client, provider, backend, live, clock, controllerPool, analysisInterval, target.namespace());
      long[] lastSample = {0};
      boolean[] simulatorStopping = {false};
      long[] lastStep = {System.currentTimeMillis()};
      simulator.scheduleAtFixedRate(() -> {
        try {
          long now = System.currentTimeMillis();
          playDeployments(client, target.namespace());
          traffic.step(now, now - lastStep[0]);
          lastStep[0] = now;
          Integer failAt = options.failAt();
          if (failAt != null && traffic.lastWeight() >= failAt
              && traffic.canaryProfile() == TrafficSimulator.Profile.HEALTHY) {
            traffic.canaryProfile(TrafficSimulator.Profile.REGRESSED);
            live.note("Regression", "the simulator makes the canary regress at weight " + traffic.lastWeight()
                + "%: 8% errors, P99 about 900ms");
          }
          if (now - lastSample[0] >= SAMPLE_EVERY_MILLIS) {
            lastSample[0] = now;
            TrafficSimulator.Counters[] served = traffic.counters();
            record.sample(new RolloutRecord.Sample(clock.wallSeconds(), traffic.lastWeight(),
                side(traffic.stats(false, now, SAMPLE_WINDOW_MILLIS)),
                side(traffic.stats(true, now, SAMPLE_WINDOW_MILLIS)), served[0].total(), served[1].total()));
          }
        } catch (RuntimeException e) {
          if (!simulatorStopping[0]) {
            live.problem("simulator step failed: " + e.getMessage()
                + (e.getCause() == null ? "" : " (" + e.getCause().getMessage() + ")"));
          }
        }
      }, 0, STEP_MILLIS, TimeUnit.MILLISECONDS);
      if (options.fail()) {
        live.note("Regression", "the simulator makes the canary regress from the start: 8% errors, P99 about 900ms");
      }
      controller.start();

      long deadline = System.nanoTime() + options.timeout().toNanos();
      boolean bumped = false;
      CanaryPhase phase = null;
      while (System.nanoTime() < deadline) {
        phase = live.lastPhase();
        if (!bumped && phase == CanaryPhase.INITIALIZED) {
          String image = newRevision(client, target);
          live.note("NewRevision", "the demo deploys a new revision of " + target.target() + ": " + image);
          bumped = true;
        }
        if (bumped && (phase == CanaryPhase.SUCCEEDED || phase == CanaryPhase.FAILED)) {
          break;
        }
        Thread.sleep(50);
      }
      // The tick's events follow its status write; let them land.
      Thread.sleep(Math.min(500, options.interval().toMillis() / 2));
      simulatorStopping[0] = true;
      controller.close();
      controller = null;
      live.flushAll();
      simulator.shutdownNow();
      String outcome = phase == CanaryPhase.SUCCEEDED ? "Succeeded" : phase == CanaryPhase.FAILED ? "Failed"
          : "Timed out (" + (phase == null ? "no tick" : phase.flaggerName()) + ")";
      record.finish(outcome, clock.wallSeconds());
      TrafficSimulator.Counters[] counters = traffic.counters();
      live.summary(outcome, counters, options.report());
      HtmlReport.write(record, options.report());
      boolean expected = options.expectsRollback() ? phase == CanaryPhase.FAILED : phase == CanaryPhase.SUCCEEDED;
      return expected ? EXIT_EXPECTED : EXIT_UNEXPECTED;
    } finally {
      if (controller != null) {
        controller.close();
      }
      simulator.shutdownNow();
      if (controllerPool != null) {
        controllerPool.shutdownNow();
      }
      if (prometheus != null) {
        prometheus.close();
      }
      if (endpoint != null) {
        endpoint.close();
      }
      client.close();
      server.destroy();
    }
  }

  private static TrafficSimulator.Split readSplit(DemoProvider provider, KubernetesClient client, DemoTarget target) {
    try {
      return provider.split().apply(client, target).orElse(TrafficSimulator.Split.ALL_PRIMARY);
    } catch (KubernetesClientException e) {
      return TrafficSimulator.Split.ALL_PRIMARY;
    }
  }

  /** What the checks run, for the output: the builtin PromQL of the router, or the Canary's own. */
  static String queries(Canary canary, DemoProvider provider, String gatewayImplementation) {
    boolean inline = canary.spec().analysis() != null && canary.spec().analysis().metrics() != null
        && canary.spec().analysis().metrics().stream().anyMatch(m -> m.query() != null);
    if (inline) {
      return "the Canary's inline PromQL";
    }
    if (!provider.kind().equals("gatewayapi")) {
      return "Flagger's builtin PromQL";
    }
    return new GatewayApiBuiltinQueries(gatewayImplementation).whyNone()
        .map(why -> "Flagger's app-level builtin PromQL for Gateway API: " + why)
        .orElse("the builtin PromQL for Gateway API on " + gatewayImplementation);
  }

  private CanaryController controller(KubernetesClient client, DemoProvider chosen, MetricBackend backend, Live live,
      java.time.InstantSource clock, ScheduledExecutorService pool, Duration resync, String namespace) {
    KubernetesEventSink events = KubernetesEventSink.create(client);
    AnalysisEngine.Builder engine = AnalysisEngine.builder();
    for (DemoProvider p : DemoProvider.TABLE.values()) {
      engine.router(p.router().apply(client));
    }
    AnalysisEngine built = engine.defaultRouterKind(chosen.kind())
        .workload(DeploymentWorkload.create(client))
        .statusStore(Observers.recording(CanaryResources.create(client), live::tick))
        .metrics(backend)
        .metricTemplateSource(KubernetesMetricTemplates.create(client))
        .webhookCaller(HttpWebhookCaller.create())
        .eventSink(Observers.teeing(events, live::event))
        .clock(clock)
        .build();
    CanaryController.Builder b = CanaryController.builder(client, built)
        .eventSink(Observers.teeing(events, live::event))
        .executor(pool)
        .resyncInterval(resync);
    if (namespace != null) {
      b.namespace(namespace);
    }
    return b.build();
  }

  private void start(Live live, DemoProvider provider, DemoTarget target, KubernetesMockServer server,
      double speed, String metricsPath, String queries, PrometheusProcess prometheus, MetricsEndpoint endpoint,
      double setupSeconds) {
    Map<String, Object> start = new LinkedHashMap<>();
    start.put("type", "start");
    start.put("provider", provider.kind());
    start.put("canary", target.name() + "." + target.namespace());
    start.put("kubernetes", "embedded " + "https://127.0.0.1:" + server.getPort());
    start.put("metrics", metricsPath);
    start.put("prometheus", prometheus == null ? null : prometheus.url());
    start.put("simulator", "http://" + endpoint.address() + "/metrics");
    start.put("intervalSeconds", options.interval().toMillis() / 1000.0);
    start.put("speed", speed);
    start.put("setupSeconds", round(setupSeconds));
    if (options.json()) {
      live.json(start);
      return;
    }
    out.printf(Locale.ROOT, "canary-runner demo: %s canary %s.%s on an embedded Kubernetes API (fabric8 mock server, %s)%n",
        provider.kind(), target.name(), target.namespace(), "https://127.0.0.1:" + server.getPort());
    out.printf(Locale.ROOT, "analysis clock %.1fx wall time: one analysis interval every %s; traffic %.0f req/s; "
        + "set up in %.1fs%n", speed, human(options.interval()), options.rate(), setupSeconds);
    if (prometheus != null) {
      out.println("metrics: real Prometheus at " + prometheus.url() + " scraping the simulator (http://"
          + endpoint.address() + "/metrics) every " + PrometheusProcess.SCRAPE_INTERVAL.toSeconds()
          + "s; the checks run " + queries);
    } else {
      out.println("metrics: " + (options.noPrometheus() ? "--no-prometheus given" : "no prometheus binary on PATH")
          + "; the checks read the simulator directly (install Debian's prometheus to run the real PromQL)");
    }
    out.println();
  }

  private static String human(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }

  private static RolloutRecord.Side side(TrafficSimulator.SideStats s) {
    return new RolloutRecord.Side(s.rps(), s.successRate(), s.p99Ms());
  }

  /** Creates what the user would already have: the provider's objects and the podinfo Deployment. */
  static void createObjects(KubernetesClient client, DemoProvider provider, DemoTarget target) {
    for (String object : provider.userObjects().apply(target)) {
      GenericKubernetesResource resource = client.getKubernetesSerialization().unmarshal(object,
          GenericKubernetesResource.class);
      ResourceDefinitionContext context = DemoProvider.contextOf(resource);
      if (context.isNamespaceScoped()) {
        client.genericKubernetesResources(context).inNamespace(resource.getMetadata().getNamespace())
            .resource(resource).create();
      } else {
        client.genericKubernetesResources(context).resource(resource).create();
      }
    }
    client.resource(client.getKubernetesSerialization().unmarshal(deployment(target, provider), Deployment.class))
        .create();
  }

  /** Plays the Deployment controller: every Deployment's rollout completes at once. */
  static void playDeployments(KubernetesClient client, String namespace) {
    for (Deployment d : client.apps().deployments().inNamespace(namespace).list().getItems()) {
      int desired = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
      Long generation = d.getMetadata().getGeneration();
      var s = d.getStatus();
      if (s != null && Objects.equals(s.getObservedGeneration(), generation)
          && Objects.equals(s.getReadyReplicas(), desired) && Objects.equals(s.getUpdatedReplicas(), desired)
          && Objects.equals(s.getReplicas(), desired)) {
        continue;
      }
      d.setStatus(new DeploymentStatusBuilder().withObservedGeneration(generation)
          .withReplicas(desired).withUpdatedReplicas(desired).withAvailableReplicas(desired)
          .withReadyReplicas(desired).build());
      try {
        client.apps().deployments().inNamespace(namespace).resource(d).updateStatus();
      } catch (KubernetesClientException e) {
        // a conflict with the controller's own write: played again on the next step
      }
    }
  }

  /** Changes the target's image tag, which is what a user's deploy does; returns the new image. */
  static String newRevision(KubernetesClient client, DemoTarget target) {
    for (int attempt = 1; ; attempt++) {
      try {
        return editImage(client, target);
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= 20) {
          throw e;
        }
      }
    }
  }

  private static String editImage(KubernetesClient client, DemoTarget target) {
    String[] image = new String[1];
    client.apps().deployments().inNamespace(target.namespace()).withName(target.target()).edit(d -> {
      var container = d.getSpec().getTemplate().getSpec().getContainers().get(0);
      String current = container.getImage() == null ? "podinfo" : container.getImage();
      int colon = current.lastIndexOf(':');
      String base = colon > current.lastIndexOf('/') ? current.substring(0, colon) : current;
      image[0] = base + ":6.0.1";
      if (image[0].equals(current)) {
        image[0] = base + ":6.0.2";
      }
      container.setImage(image[0]);
      return d;
    });
    return image[0];
  }

  static String deployment(DemoTarget t, DemoProvider provider) {
    StringBuilder labels = new StringBuilder();
    provider.podLabels().apply(t).forEach((k, v) -> labels.append("\n        ").append(k).append(": ").append(v));
    return """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: %1$s
          namespace: %2$s
          labels:
            app: %1$s
        spec:
          replicas: %4$d
          selector:
            matchLabels:
              app: %1$s
          template:
            metadata:
              labels:
                app: %1$s%5$s
            spec:
              containers:
                - name: podinfod
                  image: ghcr.io/stefanprodan/podinfo:6.0.0
                  ports:
                    - name: http
                      containerPort: %3$d
        """.formatted(t.target(), t.namespace(), t.port(), provider.replicas(), labels);
  }

  /**
   * The bundled Canary: Flagger's podinfo example with a 10s interval and short metric windows;
   * Gateway API attaches to the demo's Gateway and ingress-nginx names its Ingress; every provider,
   * {@code kubernetes} too, runs the builtin metrics unchanged.
   */
  static String defaultCanary(DemoProvider provider, Duration metricWindow) {
    String ingressRef = provider.kind().equals("nginx") ? """
          ingressRef:
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            name: podinfo
        """ : "";
    String gatewayRefs = provider.kind().equals("gatewayapi") ? """
            hosts:
              - %s
            gatewayRefs:
              - name: %s
                namespace: %s
        """.formatted(DemoProvider.HOST, DemoProvider.GATEWAY_NAME, DemoProvider.GATEWAY_NAMESPACE) : "";
    return """
        apiVersion: flagger.app/v1beta1
        kind: Canary
        metadata:
          name: podinfo
          namespace: test
        spec:
          provider: %s
          targetRef:
            apiVersion: apps/v1
            kind: Deployment
            name: podinfo
        %s  service:
            port: 9898
        %s  analysis:
            interval: 10s
            threshold: 2
            maxWeight: 50
            stepWeight: 10
            metrics:
              - name: request-success-rate
                interval: %ds
                thresholdRange:
                  min: 99
              - name: request-duration
                interval: %ds
                thresholdRange:
                  max: 500
        """.formatted(provider.kind(), ingressRef, gatewayRefs, metricWindow.toSeconds(),
        metricWindow.toSeconds());
  }

  private static String withProvider(String manifest, String provider) {
    @SuppressWarnings("unchecked")
    Map<String, Object> tree;
    try {
      tree = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readValue(manifest, Map.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the Canary manifest is not YAML: " + e.getOriginalMessage(), e);
    }
    Object spec = tree.computeIfAbsent("spec", k -> new LinkedHashMap<>());
    if (spec instanceof Map<?, ?>) {
      @SuppressWarnings("unchecked")
      Map<String, Object> s = (Map<String, Object>) spec;
      s.put("provider", provider);
    }
    try {
      return JSON.writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---------------------------------------------------------------- a real cluster

  private int cluster() throws IOException, InterruptedException {
    String kubeconfig = Files.readString(options.kubeconfig(), StandardCharsets.UTF_8);
    Config config = Config.fromKubeconfig(kubeconfig);
    DemoClock clock = new DemoClock(Instant.now(), 1.0);
    java.util.concurrent.atomic.AtomicReference<Runnable> flush = new java.util.concurrent.atomic.AtomicReference<>(() -> { });
    ScheduledThreadPoolExecutor pool = clock.scheduler(2, () -> flush.get().run());
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
      MetricBackend real = PrometheusMetrics.backend(options.prometheus(), KubernetesSecretResolver.create(client));
      Observers.MeasuringProvider measuring = new Observers.MeasuringProvider(real.defaultProvider());
      MetricBackend backend = new MetricBackend(measuring, real.builtinQueries(), real.templateProviders());
      RolloutRecord record = new RolloutRecord("canaries on " + client.getMasterUrl(), "per canary",
          "Prometheus at " + options.prometheus(), Double.NaN, Double.NaN, "P99");
      Live live = new Live(record, clock, measuring, () -> null);
      flush.set(live::flush);
      DemoProvider chosen = DemoProvider.of(options.provider() == null ? DemoProvider.FLAGGER_DEFAULT : options.provider());
      CanaryController controller = controller(client, chosen, backend, live, clock, pool, Duration.ofSeconds(10),
          options.namespace());
      if (!options.json()) {
        out.println("canary-runner demo: the controller on the cluster at " + client.getMasterUrl()
            + (options.namespace() == null ? " (all namespaces)" : " (namespace " + options.namespace() + ")")
            + ", metrics from " + options.prometheus() + "; no traffic simulator. Stops when a run ends or after "
            + human(options.timeout()) + ".");
      }
      controller.start();
      long deadline = System.nanoTime() + options.timeout().toNanos();
      boolean active = false;
      CanaryPhase phase = null;
      while (System.nanoTime() < deadline) {
        phase = live.lastPhase();
        active |= phase != null && phase.isRunActive();
        if (active && (phase == CanaryPhase.SUCCEEDED || phase == CanaryPhase.FAILED)) {
          break;
        }
        Thread.sleep(200);
      }
      controller.close();
      live.flushAll();
      String outcome = phase == CanaryPhase.SUCCEEDED || phase == CanaryPhase.FAILED ? phase.flaggerName()
          : "Stopped (" + (phase == null ? "no tick" : phase.flaggerName()) + ")";
      record.finish(outcome, clock.wallSeconds());
      live.summary(outcome, null, options.report());
      HtmlReport.write(record, options.report());
      return phase == CanaryPhase.SUCCEEDED || phase == CanaryPhase.FAILED ? EXIT_EXPECTED : EXIT_UNEXPECTED;
    } finally {
      pool.shutdownNow();
    }
  }

  // ---------------------------------------------------------------- output

  /** The pods behind the Service for the replica-ratio router, else null; null when they cannot be read. */
  private static String pods(DemoProvider provider, KubernetesClient client, DemoTarget target) {
    try {
      return provider.pods().apply(client, target);
    } catch (KubernetesClientException e) {
      return null;
    }
  }

  /**
   * The live view: a line (or JSON object) per decided tick, the events, and the summary. A tick's
   * line is printed when its controller task ends ({@link #flush}, after the router acted), so it
   * shows the split the tick left behind.
   */
  private final class Live {
    private final RolloutRecord record;
    private final DemoClock clock;
    private final Observers.MeasuringProvider measuring;
    private final java.util.function.Supplier<String> pods;
    /** The decided tick of the controller task running on each thread, printed by {@link #flush}. */
    private final Map<Thread, Runnable> pending = new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicLong ticks = new AtomicLong();
    private volatile CanaryPhase lastPhase;
    private volatile int maxWeight;
    private volatile int failedChecks;

    Live(RolloutRecord record, DemoClock clock, Observers.MeasuringProvider measuring,
        java.util.function.Supplier<String> pods) {
      this.record = record;
      this.clock = clock;
      this.measuring = measuring;
      this.pods = pods;
    }

    /** Prints the tick the controller task on this thread decided; called when the task ends. */
    void flush() {
      Runnable line = pending.remove(Thread.currentThread());
      if (line != null) {
        line.run();
      }
    }

    /** Prints what no task end printed (the controller has stopped). */
    void flushAll() {
      for (Thread thread : List.copyOf(pending.keySet())) {
        Runnable line = pending.remove(thread);
        if (line != null) {
          line.run();
        }
      }
    }

    CanaryPhase lastPhase() {
      return lastPhase;
    }

    void tick(Canary canary, CanaryStatus status) {
      Map<String, Double> measured = measuring.take();
      double sr = measured.getOrDefault(MetricCheck.REQUEST_SUCCESS_RATE, Double.NaN);
      double latency = measured.getOrDefault(MetricCheck.REQUEST_DURATION, Double.NaN);
      double t = clock.wallSeconds();
      record.tick(new RolloutRecord.Tick(t, status.phase().flaggerName(), status.canaryWeight(),
          status.failedChecks(), sr, latency));
      ticks.incrementAndGet();
      maxWeight = Math.max(maxWeight, status.canaryWeight());
      failedChecks = status.failedChecks();
      flush();
      pending.put(Thread.currentThread(), () -> print(canary, status, t, sr, latency, pods.get()));
    }

    private void print(Canary canary, CanaryStatus status, double t, double sr, double latency, String split) {
      if (options.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "tick");
        m.put("t", round(t));
        m.put("canary", canary.name() + "." + canary.namespace());
        m.put("phase", status.phase().flaggerName());
        m.put("canaryWeight", status.canaryWeight());
        if (split != null) {
          m.put("pods", split);
        }
        m.put("failedChecks", status.failedChecks());
        m.put("iterations", status.iterations());
        m.put("successRate", finite(sr));
        m.put("latencyMs", finite(latency));
        json(m);
      } else {
        out.printf(Locale.ROOT, "%6.1fs  %-16s %s %3d%%%s  success %-8s latency %-8s failed checks %d%n", t,
            status.phase().flaggerName(), bar(status.canaryWeight()), status.canaryWeight(),
            split == null ? "" : String.format(Locale.ROOT, "  %-26s", split),
            Double.isFinite(sr) ? String.format(Locale.ROOT, "%.2f%%", sr) : "-",
            Double.isFinite(latency) ? String.format(Locale.ROOT, "%.0fms", latency) : "-",
            status.failedChecks());
      }
      lastPhase = status.phase();
    }

    void event(CanaryEvent event) {
      double t = clock.wallSeconds();
      record.event(new RolloutRecord.Event(t, event.type().name().charAt(0)
          + event.type().name().substring(1).toLowerCase(Locale.ROOT), event.reason(), event.message()));
      if (options.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "event");
        m.put("t", round(t));
        m.put("eventType", event.type().name());
        m.put("reason", event.reason());
        m.put("message", event.message());
        json(m);
      }
    }

    /** Something the demo itself did (a new revision, a regression). */
    void note(String reason, String message) {
      double t = clock.wallSeconds();
      record.event(new RolloutRecord.Event(t, "Demo", reason, message));
      if (options.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "note");
        m.put("t", round(t));
        m.put("reason", reason);
        m.put("message", message);
        json(m);
      } else {
        out.printf(Locale.ROOT, "%6.1fs  -- %s%n", t, message);
      }
    }

    void problem(String message) {
      err.println("demo: " + message);
    }

    void summary(String outcome, TrafficSimulator.Counters[] counters, Path report) {
      List<RolloutRecord.Event> events = record.events();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("type", "summary");
      m.put("outcome", outcome);
      m.put("wallSeconds", round(record.duration()));
      m.put("ticks", ticks.get());
      m.put("maxCanaryWeight", maxWeight);
      m.put("failedChecks", failedChecks);
      m.put("metrics", record.metricsPath());
      if (counters != null) {
        m.put("primaryRequests", counters[0].total());
        m.put("primaryErrors", counters[0].requests[TrafficSimulator.ERROR]);
        m.put("canaryRequests", counters[1].total());
        m.put("canaryErrors", counters[1].requests[TrafficSimulator.ERROR]);
      }
      m.put("report", report.toAbsolutePath().toString());
      if (options.json()) {
        json(m);
        return;
      }
      out.println();
      out.println("Events:");
      for (RolloutRecord.Event e : events) {
        out.printf(Locale.ROOT, "%6.1fs  %-8s %-18s %s%n", e.t(), e.type(), e.reason(), e.message());
      }
      out.println();
      out.println("Summary:");
      out.printf(Locale.ROOT, "  outcome         %s%n", outcome);
      out.printf(Locale.ROOT, "  wall time       %.1fs, %d ticks%n", record.duration(), ticks.get());
      out.printf(Locale.ROOT, "  canary weight   up to %d%%, %d failed checks at the end%n", maxWeight, failedChecks);
      out.printf(Locale.ROOT, "  metrics from    %s%n", record.metricsPath());
      if (counters != null) {
        out.printf(Locale.ROOT, "  requests        primary %d (%d errors), canary %d (%d errors)%n",
            counters[0].total(), counters[0].requests[TrafficSimulator.ERROR],
            counters[1].total(), counters[1].requests[TrafficSimulator.ERROR]);
      }
      out.printf(Locale.ROOT, "  report          %s%n", report.toAbsolutePath());
    }

    void json(Map<String, Object> m) {
      try {
        out.println(JSON.writeValueAsString(m));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  static String bar(int weight) {
    int filled = Math.max(0, Math.min(20, Math.round(weight / 5f)));
    return "[" + "#".repeat(filled) + ".".repeat(20 - filled) + "]";
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  private static Object finite(double v) {
    return Double.isFinite(v) ? round(v) : null;
  }

  static List<String> providers() {
    return new ArrayList<>(DemoProvider.TABLE.keySet());
  }
}
