package io.canaryanalysis.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The scale benchmark's indexed store keeps the mock API server's CRUD semantics. */
class IndexedCrudDispatcherTest {
  private static final String NS = ControllerRequestBenchmark.NAMESPACE;
  private KubernetesMockServer server;
  private KubernetesClient client;

  @BeforeEach
  void start() {
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        IndexedCrudDispatcher.create(), false);
    server.init();
    ControllerRequestBenchmark.expectCrds(server);
    client = server.createClient();
  }

  @AfterEach
  void stop() {
    client.close();
    server.destroy();
  }

  private static ConfigMap map(String name, Map<String, String> labels, String color) {
    return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(NS).withLabels(labels)
        .endMetadata().withData(Map.of("color", color)).build();
  }

  @Test
  void createsReadsUpdatesPatchesAndDeletesByName() {
    ConfigMap created = client.resource(map("env", Map.of("app", "a"), "blue")).create();
    assertThatThrownBy(() -> client.resource(map("env", Map.of(), "red")).create())
        .isInstanceOf(KubernetesClientException.class)
        .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(409));

    created.setData(Map.of("color", "green"));
    client.resource(created).update();
    client.configMaps().inNamespace(NS).withName("env")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"data\":{\"size\":\"xl\"}}");
    assertThat(client.configMaps().inNamespace(NS).withName("env").get().getData())
        .containsEntry("color", "green").containsEntry("size", "xl");

    // the stale version of an update conflicts, as on the stock dispatcher
    created.setData(Map.of("color", "stale"));
    assertThatThrownBy(() -> client.resource(created).update())
        .isInstanceOf(KubernetesClientException.class)
        .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(409));

    client.configMaps().inNamespace(NS).withName("env").delete();
    assertThat(client.configMaps().inNamespace(NS).withName("env").get()).isNull();
    ConfigMap again = client.resource(map("env", Map.of(), "red")).create();
    assertThat(again.getMetadata().getUid()).isNotEqualTo(created.getMetadata().getUid());
    client.configMaps().inNamespace(NS).withName("env").edit(m -> {
      m.setData(Map.of("color", "yellow"));
      return m;
    });
    assertThat(client.configMaps().inNamespace(NS).withName("env").get().getData()).containsEntry("color", "yellow");
  }

  @Test
  void aLabelChangeMovesTheObjectInTheIndexAndLabelSelectorsFollow() {
    client.resource(map("env", Map.of("tier", "a"), "blue")).create();
    client.configMaps().inNamespace(NS).withName("env").edit(m -> {
      m.getMetadata().setLabels(Map.of("tier", "b"));
      return m;
    });
    client.configMaps().inNamespace(NS).withName("env").edit(m -> {
      m.setData(Map.of("color", "after the label change"));
      return m;
    });

    assertThat(client.configMaps().inNamespace(NS).withLabel("tier", "a").list().getItems()).isEmpty();
    assertThat(client.configMaps().inNamespace(NS).withLabel("tier", "b").list().getItems())
        .singleElement().satisfies(m -> assertThat(m.getData()).containsEntry("color", "after the label change"));
  }

  @Test
  void sameNamesInOtherNamespacesAndKindsAreDifferentObjects() {
    client.resource(map("app-0", Map.of(), "blue")).create();
    client.resource(new ConfigMapBuilder(map("app-0", Map.of(), "red")).editMetadata().withNamespace("other")
        .endMetadata().build()).create();
    ControllerRequestBenchmark.create(client, 0);

    assertThat(client.configMaps().inNamespace(NS).withName("app-0").get().getData()).containsEntry("color", "blue");
    assertThat(client.configMaps().inNamespace("other").withName("app-0").get().getData()).containsEntry("color", "red");
    assertThat(client.apps().deployments().inNamespace(NS).withName("app-0").get()).isNotNull();
    assertThat(client.genericKubernetesResources("flagger.app/v1beta1", "Canary").inNamespace(NS)
        .withName("app-0").get()).isNotNull();
  }

  @Test
  void statusWritesAndWatchesWorkOnTheIndexedStore() throws Exception {
    ControllerRequestBenchmark.create(client, 1);
    List<String> seen = new CopyOnWriteArrayList<>();
    try (Watch watch = client.apps().deployments().inNamespace(NS).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, Deployment deployment) {
        seen.add(action + " " + deployment.getStatus().getReadyReplicas());
      }

      @Override
      public void onClose(WatcherException cause) {}
    })) {
      Deployment target = client.apps().deployments().inNamespace(NS).withName("app-1").get();
      ControllerRequestBenchmark.rollOut(client, target);
      Deployment rolledOut = client.apps().deployments().inNamespace(NS).withName("app-1").get();
      assertThat(rolledOut.getStatus().getReadyReplicas()).isEqualTo(2);
      // a second roll-out of an up-to-date Deployment writes nothing
      ControllerRequestBenchmark.rollOut(client, rolledOut);
      assertThat(client.apps().deployments().inNamespace(NS).withName("app-1").get().getMetadata()
          .getResourceVersion()).isEqualTo(rolledOut.getMetadata().getResourceVersion());

      GenericKubernetesResource canary = client.genericKubernetesResources("flagger.app/v1beta1", "Canary")
          .inNamespace(NS).withName("app-1").get();
      canary.setAdditionalProperty("status", Map.of("phase", "Initialized"));
      client.genericKubernetesResources("flagger.app/v1beta1", "Canary").inNamespace(NS).resource(canary)
          .updateStatus();
      assertThat(client.genericKubernetesResources("flagger.app/v1beta1", "Canary").inNamespace(NS)
          .withName("app-1").get().getAdditionalProperties().get("status")).isEqualTo(Map.of("phase", "Initialized"));

      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!seen.contains("MODIFIED 2") && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(seen).contains("MODIFIED 2");
    }
  }
}
