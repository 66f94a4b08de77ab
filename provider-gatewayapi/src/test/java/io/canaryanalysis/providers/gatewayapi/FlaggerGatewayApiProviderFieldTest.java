package io.canaryanalysis.providers.gatewayapi;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The same Flagger Canaries with {@code spec.provider: gatewayapi:v1}, as a user who sets the
 * provider per Canary writes them. Needs the manifest reader and the validator to accept the
 * {@code gatewayapi}, {@code gatewayapi:v1} and {@code gatewayapi:v1beta1} providers; until they
 * do, this class is excluded in this module's pom (surefire {@code excludes}).
 */
@EnableKubernetesMockClient(crud = true)
class FlaggerGatewayApiProviderFieldTest {
  KubernetesMockServer server;
  KubernetesClient client;

  @ParameterizedTest(name = "{0} with provider gatewayapi:v1")
  @ValueSource(strings = {"test-canary-1.yaml", "test-canary-2.yaml", "test-bg-1.yaml",
      "test-ab-1.yaml", "test-session-affinity-1.yaml"})
  void loadsWithTheProviderField(String file) {
    FlaggerGatewayApiManifestsTest.runs(client, FlaggerGatewayApiManifestsTest.manifest(file)
        .replaceFirst("(?m)^spec:\n", "spec:\n  provider: gatewayapi:v1\n"));
  }
}
