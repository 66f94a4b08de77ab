package io.canaryanalysis.examples;

import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.providers.gatewayapi.GatewayApiRouter;
import io.canaryanalysis.kubernetes.KubernetesRouter;
import io.canaryanalysis.providers.istio.IstioRouter;
import io.canaryanalysis.providers.nginx.NginxRouter;
import io.canaryanalysis.providers.traefik.TraefikRouter;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The providers' real routers, for validating a scenario's canary exactly as a cluster would. They
 * sit on a client configured for an address that is never dialled (no kubeconfig is read): the
 * runner only asks them for their capabilities and {@link TrafficRouter#validate}, which touch
 * no cluster, while the routes themselves are simulated.
 */
final class ValidationRouters {
  private static final class Holder {
    static final KubernetesClient OFFLINE = new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder(Config.empty()).withMasterUrl("https://127.0.0.1:1/")
            .withRequestRetryBackoffLimit(0).withRequestTimeout(1000).build())
        .build();
    static final Map<String, TrafficRouter> ROUTERS = Map.of(
        "gatewayapi", GatewayApiRouter.builder(OFFLINE).build(),
        "gatewayapi:v1", GatewayApiRouter.builder(OFFLINE).build(),
        "gatewayapi:v1beta1", GatewayApiRouter.builder(OFFLINE).apiVersion(GatewayApiRouter.API_VERSION_V1BETA1).build(),
        "istio", IstioRouter.builder(OFFLINE).build(),
        "kubernetes", KubernetesRouter.create(OFFLINE),
        "nginx", NginxRouter.builder(OFFLINE).build(),
        "traefik", TraefikRouter.create(OFFLINE));
  }

  /** The router kinds the runner simulates. */
  static final Set<String> KINDS = Set.of("gatewayapi", "gatewayapi:v1", "gatewayapi:v1beta1", "istio",
      "kubernetes", "nginx", "traefik");

  private ValidationRouters() {}

  /** The real router of {@code kind}, or empty for a kind the runner does not simulate. */
  static Optional<TrafficRouter> of(String kind) {
    return kind != null && KINDS.contains(kind) ? Optional.of(Holder.ROUTERS.get(kind)) : Optional.empty();
  }

  /** The kinds, sorted, for messages. */
  static String list() {
    return String.join(", ", new TreeSet<>(KINDS));
  }
}
