package io.canaryanalysis.examples;

import io.canaryanalysis.core.AnalysisEngine;
import io.canaryanalysis.kubernetes.CanaryController;
import io.canaryanalysis.kubernetes.CanaryResources;
import io.canaryanalysis.kubernetes.DeploymentWorkload;
import io.canaryanalysis.kubernetes.KubernetesEventSink;
import io.canaryanalysis.kubernetes.KubernetesMetricTemplates;
import io.canaryanalysis.kubernetes.KubernetesSecretResolver;
import io.canaryanalysis.metrics.prometheus.PrometheusMetrics;
import io.canaryanalysis.providers.istio.IstioRouter;
import io.canaryanalysis.providers.nginx.NginxRouter;
import io.canaryanalysis.providers.traefik.TraefikRouter;
import io.canaryanalysis.webhooks.HttpWebhookCaller;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;

/**
 * A Flagger-like controller embedded in a plain Java process: a fabric8 client from the
 * kubeconfig (or the pod's service account), the analysis engine with the Istio, Traefik and
 * NGINX routers, Prometheus metrics and MetricTemplates, HTTP webhooks, the Deployment workload
 * and Kubernetes Events, driven by {@link CanaryController} until Ctrl-C.
 *
 * <pre>
 * java -cp canary-runner.jar io.canaryanalysis.examples.EmbeddedController http://prometheus:9090 [namespace]
 * </pre>
 *
 * <p>Without arguments the Prometheus address comes from {@code PROMETHEUS_URL} and the namespace
 * from {@code WATCH_NAMESPACE} (unset: all namespaces). With {@code LEADER_ELECTION_NAMESPACE}
 * set, replicas elect a leader through the Lease {@code canary-analysis} in that namespace,
 * identified by {@code POD_NAME} (or {@code HOSTNAME}).
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

  /**
   * The whole wiring: every provider registered explicitly on the engine, and the controller
   * loop around it. The caller starts the controller and closes it (and the client).
   */
  public static CanaryController controller(KubernetesClient client, Settings settings,
      InstantSource clock) {
    KubernetesEventSink events = KubernetesEventSink.create(client);
    AnalysisEngine engine = AnalysisEngine.builder()
        .router(IstioRouter.builder(client).build())
        .router(TraefikRouter.create(client))
        .router(NginxRouter.builder(client).build())
        .defaultRouterKind("istio")
        .workload(DeploymentWorkload.create(client))
        .statusStore(CanaryResources.create(client))
        .metrics(PrometheusMetrics.backend(settings.prometheusAddress(), KubernetesSecretResolver.create(client)))
        .metricTemplateSource(KubernetesMetricTemplates.create(client))
        .webhookCaller(HttpWebhookCaller.create())
        .eventSink(events)
        .clock(clock)
        .build();
    CanaryController.Builder controller = CanaryController.builder(client, engine)
        .namespace(settings.namespace())
        .eventSink(events);
    if (settings.leaseNamespace() != null) {
      controller.leaderElection(settings.leaseNamespace(), LEASE_NAME, settings.identity());
    }
    return controller.build();
  }

  public static void main(String[] args) throws InterruptedException {
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
    KubernetesClient client = new KubernetesClientBuilder().build();
    CanaryController controller = controller(client, settings, InstantSource.system());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      controller.close();
      client.close();
      stopped.countDown();
    }, "canary-analysis-shutdown"));
    controller.start();
    out.println("Analysing canaries in " + (settings.namespace() == null ? "all namespaces"
        : "namespace " + settings.namespace()) + " of " + client.getMasterUrl()
        + (settings.leaseNamespace() == null ? "" : " (leader election on lease "
            + settings.leaseNamespace() + "/" + LEASE_NAME + " as " + settings.identity() + ")")
        + "; Ctrl-C to stop");
    stopped.await();
  }
}
