package io.canaryanalysis.kubernetes;

import static io.canaryanalysis.kubernetes.Fixtures.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.EventType;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Events on the sink's own lane: the tick's thread only queues them, they are recorded at the
 * configured rate, a full queue drops the oldest (counted) and closing records what is queued.
 */
@EnableKubernetesMockClient(crud = true)
class AsyncEventSinkTest {
  KubernetesMockServer server;
  KubernetesClient client;

  @Test
  void aBurstIsQueuedPacedAndTheOldestDroppedWhenTheQueueIsFull() {
    Fixtures.expectCanaryCrd(server);
    Fixtures.storeCanary(client, Fixtures.CANARY_YAML);
    // One Event per step, so every event the lane records is an Event to count.
    KubernetesEventSink sink = KubernetesEventSink.builder(client).async(2, 3)
        .stepEvents(KubernetesEventSink.StepEvents.EACH).build();

    for (int i = 0; i < 10; i++) {
      sink.event(new CanaryEvent("podinfo", NAMESPACE, EventType.NORMAL, CanaryEvent.REASON_SYNCED,
          "Advance podinfo.test canary weight " + i, null));
    }
    int recordedAtOnce = events().size();
    long dropped = sink.droppedEvents();
    sink.close();

    assertThat(recordedAtOnce).as("the burst did not wait for the API server").isLessThanOrEqualTo(2);
    assertThat(dropped).as("10 events into a queue of 3, one or two already taken").isBetween(5L, 7L);
    List<String> messages = events().stream().map(Event::getMessage).collect(Collectors.toList());
    assertThat(messages).hasSize((int) (10 - dropped))
        .contains("Advance podinfo.test canary weight 9")
        .doesNotContain("Advance podinfo.test canary weight 3");
    assertThat(events()).allSatisfy(e -> assertThat(e.getFirstTimestamp()).isNotNull());
  }

  @Test
  void badLaneSettingsAreRefused() {
    assertThatThrownBy(() -> KubernetesEventSink.builder(client).async(0, 10))
        .hasMessageContaining("eventsPerSecond must be positive");
    assertThatThrownBy(() -> KubernetesEventSink.builder(client).async(5, 0))
        .hasMessageContaining("queueSize must be at least 1");
  }

  private List<Event> events() {
    return client.v1().events().inNamespace(NAMESPACE).list().getItems();
  }
}
