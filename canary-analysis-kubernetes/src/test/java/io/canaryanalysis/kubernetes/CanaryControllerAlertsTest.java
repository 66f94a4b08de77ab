package io.canaryanalysis.kubernetes;

import static io.canaryanalysis.kubernetes.Fixtures.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.canaryanalysis.api.CanaryAlert;
import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.EventSink;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.api.status.IncidentKind;
import io.canaryanalysis.core.AnalysisEngine;
import io.canaryanalysis.manifest.ManifestException;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The controller path on fabric8's CRUD mock API server: a spec's warnings as one Warning event
 * per generation, and an invalid Canary alerted once through its {@code analysis.alerts}, recorded
 * in its stored status, not re-sent by a restarted controller, and its fix announced.
 */
@EnableKubernetesMockClient(crud = true)
class CanaryControllerAlertsTest {
  KubernetesMockServer server;
  KubernetesClient client;

  private Instant now = Instant.parse("2026-12-01T10:00:00Z");
  private final List<CanaryAlert> alerts = new CopyOnWriteArrayList<>();

  private static final String ALERTS = "    alerts:\n"
      + "      - name: on-call\n"
      + "        severity: error\n"
      + "        providerRef:\n"
      + "          name: slack\n"
      + "          namespace: flagger-system\n";

  /** One controller process: engine, Kubernetes events and the alerts it sends. */
  private CanaryController controller() {
    KubernetesEventSink events = KubernetesEventSink.create(client);
    EventSink sink = new EventSink() {
      @Override
      public void event(CanaryEvent event) {
        events.event(event);
      }

      @Override
      public void alert(CanaryAlert alert) {
        alerts.add(alert);
      }
    };
    AnalysisEngine engine = AnalysisEngine.builder()
        .router(new InMemoryRouter())
        .statusStore(CanaryResources.create(client))
        .workload(DeploymentWorkload.create(client))
        .eventSink(sink)
        .clock(() -> now)
        .build();
    return CanaryController.builder(client, engine).namespace(NAMESPACE).eventSink(sink).build();
  }

  private List<Event> events(String prefix) {
    return client.v1().events().inNamespace(NAMESPACE).list().getItems().stream()
        .filter(e -> e.getMessage().startsWith(prefix)).collect(Collectors.toList());
  }

  /** The stored status, also of a Canary whose spec is invalid. */
  private CanaryStatus storedStatus() {
    try {
      return CanaryResources.create(client).read(NAMESPACE, "podinfo").orElseThrow().status();
    } catch (ManifestException e) {
      return e.partial().orElseThrow().status();
    }
  }

  @Test
  void aSpecsWarningsAreOneWarningEventPerGeneration() {
    Fixtures.expectCanaryCrd(server);
    Fixtures.createAll(client);
    GenericKubernetesResource stored = Fixtures.storeCanary(client, Fixtures.CANARY_YAML
        .replace("interval: 1m\n    threshold", "interval: 5s\n    threshold"));
    CanaryController controller = controller();
    for (int i = 0; i < 5; i++) {
      controller.reconcile(NAMESPACE, "podinfo");
      now = now.plus(Duration.ofMinutes(1));
    }
    List<Event> warned = events("Warnings for canary podinfo.test");
    assertThat(warned).singleElement().satisfies(event -> {
      assertThat(event.getType()).isEqualTo("Warning");
      assertThat(event.getCount()).isEqualTo(1);
      assertThat(event.getInvolvedObject().getUid()).isEqualTo(stored.getMetadata().getUid());
      assertThat(event.getMessage()).contains("spec.analysis.interval");
    });

    client.genericKubernetesResources(FlaggerKinds.CANARY).inNamespace(NAMESPACE).withName("podinfo")
        .edit(canary -> {
          @SuppressWarnings("unchecked")
          Map<String, Object> analysis = (Map<String, Object>) ((Map<String, Object>)
              canary.getAdditionalProperties().get("spec")).get("analysis");
          analysis.put("interval", "3s");
          return canary;
        });
    Long generation = client.genericKubernetesResources(FlaggerKinds.CANARY).inNamespace(NAMESPACE)
        .withName("podinfo").get().getMetadata().getGeneration();
    for (int i = 0; i < 3; i++) {
      controller.reconcile(NAMESPACE, "podinfo");
      now = now.plus(Duration.ofMinutes(1));
    }
    if (generation != null && !generation.equals(stored.getMetadata().getGeneration())) {
      assertThat(events("Warnings for canary podinfo.test")).hasSize(2)
          .anySatisfy(e -> assertThat(e.getMessage()).contains("(generation " + generation + ")")
              .contains("spec.analysis.interval"));
    } else {
      assertThat(events("Warnings for canary podinfo.test")).hasSize(1);
    }
  }

  @Test
  void anInvalidCanaryIsAlertedOnceRecordedInItsStatusAndItsFixAnnounced() {
    Fixtures.expectCanaryCrd(server);
    Fixtures.createAll(client);
    String valid = Fixtures.CANARY_YAML + ALERTS;
    Fixtures.storeCanary(client, valid.replace("stepWeight: 10", "stepWeigth: 10"));

    CanaryController first = controller();
    for (int i = 0; i < 6; i++) {
      assertThatThrownBy(() -> first.reconcile(NAMESPACE, "podinfo")).isInstanceOf(ManifestException.class);
      now = now.plus(Duration.ofSeconds(30));
    }
    assertThat(alerts).singleElement().satisfies(alert -> {
      assertThat(alert.message()).startsWith("Canary spec is invalid: spec.analysis.stepWeigth: ");
      assertThat(alert.providers()).extracting(p -> p.name() + "." + p.namespace())
          .containsExactly("slack.flagger-system");
      assertThat(alert.severity().manifestValue()).isEqualTo("error");
    });
    assertThat(storedStatus().incident(IncidentKind.SPEC)).get().satisfies(incident -> {
      assertThat(incident.since()).isEqualTo(Instant.parse("2026-12-01T10:00:00Z"));
      assertThat(incident.alertedAt()).isEqualTo(Instant.parse("2026-12-01T10:01:00Z"));
    });

    CanaryController restarted = controller();
    for (int i = 0; i < 6; i++) {
      assertThatThrownBy(() -> restarted.reconcile(NAMESPACE, "podinfo")).isInstanceOf(ManifestException.class);
      now = now.plus(Duration.ofSeconds(30));
    }
    assertThat(alerts).as("the restarted controller finds the alert in the status").hasSize(1);

    GenericKubernetesResource fixed = new io.fabric8.kubernetes.client.utils.KubernetesSerialization()
        .unmarshal(valid, GenericKubernetesResource.class);
    client.genericKubernetesResources(FlaggerKinds.CANARY).inNamespace(NAMESPACE).withName("podinfo")
        .edit(canary -> {
          canary.getAdditionalProperties().put("spec", fixed.getAdditionalProperties().get("spec"));
          return canary;
        });
    restarted.reconcile(NAMESPACE, "podinfo");
    assertThat(alerts).extracting(CanaryAlert::message).last().isEqualTo("Canary spec is valid again after 6m0s.");
    assertThat(storedStatus().incident(IncidentKind.SPEC)).isEmpty();
    assertThat(events("Canary spec is valid again")).hasSize(1);
  }
}
