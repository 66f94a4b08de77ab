package io.canaryanalysis.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code demo --kubeconfig}: the same controller against the cluster a kubeconfig names (here a
 * separate mock API server standing in for a real cluster, whose Deployment controller the test
 * plays), with no simulator: the canary is initialized there, and the run stops at the timeout.
 */
@EnableKubernetesMockClient(crud = true)
class KubeconfigDemoTest {
  KubernetesMockServer server;
  KubernetesClient client;

  @TempDir
  Path dir;

  @Test
  void initializesTheCanaryOfTheClusterTheKubeconfigNames() throws Exception {
    server.expectCustomResource(new CustomResourceDefinitionContext.Builder()
        .withGroup("flagger.app").withVersion("v1beta1").withKind("Canary").withPlural("canaries")
        .withScope("Namespaced").withName("canaries.flagger.app").withStatusSubresource(true).build());
    DemoTarget target = new DemoTarget("test", "podinfo", "podinfo", 9898, "podinfo");
    client.resource(client.getKubernetesSerialization().unmarshal(Demo.deployment(target, DemoProvider.of("traefik")),
        Deployment.class)).create();
    client.genericKubernetesResources(Demo.CANARIES).inNamespace("test").resource(client.getKubernetesSerialization()
        .unmarshal(Demo.defaultCanary(DemoProvider.of("traefik"), java.time.Duration.ofSeconds(30)),
            GenericKubernetesResource.class)).create();
    Path kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(kubeconfig, """
        apiVersion: v1
        kind: Config
        clusters:
          - name: stand-in
            cluster:
              server: %s
              insecure-skip-tls-verify: true
        contexts:
          - name: stand-in
            context:
              cluster: stand-in
              namespace: test
              user: someone
        current-context: stand-in
        users:
          - name: someone
            user:
              token: not-a-real-token
        """.formatted(client.getMasterUrl()));
    ScheduledExecutorService deploymentController = Executors.newSingleThreadScheduledExecutor();
    deploymentController.scheduleWithFixedDelay(() -> Demo.playDeployments(client, "test"), 0, 200, TimeUnit.MILLISECONDS);
    DemoRun run;
    try {
      run = DemoRun.run(dir.resolve("report.html"), "--kubeconfig", kubeconfig.toString(),
          "--prometheus", "http://127.0.0.1:9", "--namespace", "test", "--timeout", "14s", "--json");
    } finally {
      deploymentController.shutdownNow();
    }

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(Demo.EXIT_UNEXPECTED);
    assertThat(run.stream("start")).as(run.toString()).isEmpty();
    List<JsonNode> ticks = run.stream("tick");
    assertThat(ticks).as(run.toString()).isNotEmpty().allSatisfy(t -> assertThat(t.path("canary").asText()).isEqualTo("podinfo.test"));
    assertThat(ticks.get(ticks.size() - 1).path("phase").asText()).isEqualTo("Initialized");
    assertThat(run.eventMessages()).contains("Initialization done! podinfo.test")
        .anySatisfy(m -> assertThat(m).contains("request-success-rate", "not answering"));
    assertThat(run.only("summary").path("outcome").asText()).isEqualTo("Stopped (Initialized)");
    assertThat(run.only("summary").has("canaryRequests")).isFalse();
    assertThat(client.genericKubernetesResources(DemoProvider.TRAEFIK_SERVICES).inNamespace("test")
        .withName("podinfo").get()).as("the router wrote to the kubeconfig's cluster").isNotNull();
    assertThat(run.reportData().path("outcome").asText()).isEqualTo("Stopped (Initialized)");
  }
}
