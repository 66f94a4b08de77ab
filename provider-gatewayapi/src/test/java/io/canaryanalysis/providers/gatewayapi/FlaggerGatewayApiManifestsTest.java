package io.canaryanalysis.providers.gatewayapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.Strategy;
import io.canaryanalysis.manifest.CanaryDocument;
import io.canaryanalysis.manifest.CanaryManifests;
import io.canaryanalysis.core.validation.CanaryValidator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Flagger's own {@code test/gatewayapi} Canaries (resources {@code flagger/test-gatewayapi/})
 * load and validate unchanged against an Istio Gateway, as in Flagger's e2e setup, and their
 * run's splits round-trip through schema-valid HTTPRoutes on the mock API server.
 */
@EnableKubernetesMockClient(crud = true)
class FlaggerGatewayApiManifestsTest {
  KubernetesMockServer server;
  KubernetesClient client;

  static String manifest(String file) {
    try (InputStream in = FlaggerGatewayApiManifestsTest.class.getClassLoader()
        .getResourceAsStream("flagger/test-gatewayapi/" + file)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"test-canary-1.yaml", "test-canary-2.yaml", "test-bg-1.yaml",
      "test-ab-1.yaml", "test-session-affinity-1.yaml"})
  void loadsValidatesAndRoutes(String file) {
    runs(client, manifest(file));
  }

  /** Reads, validates and routes one Canary manifest on {@code client}. */
  static void runs(KubernetesClient client, String manifest) {
    CanaryDocument doc = CanaryManifests.readCanary(manifest);
    Canary canary = doc.canary();
    GatewayTestSupport.gateway(client, "istio-ingress", "gateway", "istio", "istio.io/gateway-controller");
    GatewayApiRouter router = GatewayTestSupport.router(client, "v1");

    assertThat(CanaryValidator.validate(canary, router)).isEmpty();

    router.reconcile(canary);
    List<TrafficSplit> run = new ArrayList<>();
    Strategy strategy = canary.spec().analysis().strategy();
    if (strategy == Strategy.CANARY) {
      for (int w = canary.spec().analysis().stepWeight(); w <= canary.spec().analysis().effectiveMaxWeight();
          w += canary.spec().analysis().stepWeight()) {
        run.add(TrafficSplit.canary(w));
      }
    } else {
      run.add(TrafficSplit.ALL_CANARY);
    }
    run.add(TrafficSplit.ALL_PRIMARY);
    for (TrafficSplit split : run) {
      router.setRoutes(canary, split);
      assertThat(router.getRoutes(canary)).isEqualTo(split);
      JsonNode route = GatewayTestSupport.tree(client.genericKubernetesResources(
              GatewayTestSupport.httpRoutes("v1"))
          .inNamespace(canary.namespace()).withName(canary.spec().serviceName()).get());
      GatewayTestSupport.assertSchemaValid(GatewayTestSupport.HTTP_ROUTE_V1, route);
      assertThat(route.at("/spec/parentRefs/0/name").asText()).isEqualTo("gateway");
      assertThat(route.at("/spec/hostnames/0").asText()).isEqualTo("www.example.com");
    }
  }
}
