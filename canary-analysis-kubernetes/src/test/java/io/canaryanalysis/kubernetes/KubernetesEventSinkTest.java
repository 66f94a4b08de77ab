package io.canaryanalysis.kubernetes;

import static io.canaryanalysis.kubernetes.Fixtures.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.EventType;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** core/v1 Events about the Canary, deduplicated like client-go's correlator. */
@EnableKubernetesMockClient(crud = true, https = false,
    kubernetesClientBuilderCustomizer = Fixtures.NoClientRetries.class)
class KubernetesEventSinkTest {
  private static final Instant T0 = Instant.parse("2024-05-01T10:00:00.250Z");

  KubernetesMockServer server;
  KubernetesClient client;
  private String uid;

  @BeforeEach
  void setUp() {
    Fixtures.expectCanaryCrd(server);
    uid = Fixtures.storeCanary(client, Fixtures.CANARY_YAML).getMetadata().getUid();
  }

  @Test
  void recordsAnEventOnTheCanaryWithFlaggersShape() {
    KubernetesEventSink.builder(client).instance("controller-0").build()
        .event(event(EventType.NORMAL, "Advance podinfo.test canary weight 10", T0));

    List<Event> events = events();
    assertThat(events).hasSize(1);
    Event e = events.get(0);
    assertThat(e.getMetadata().getName()).startsWith("podinfo.");
    assertThat(e.getInvolvedObject().getApiVersion()).isEqualTo("flagger.app/v1beta1");
    assertThat(e.getInvolvedObject().getKind()).isEqualTo("Canary");
    assertThat(e.getInvolvedObject().getName()).isEqualTo("podinfo");
    assertThat(e.getInvolvedObject().getNamespace()).isEqualTo(NAMESPACE);
    assertThat(e.getInvolvedObject().getUid()).isEqualTo(uid);
    assertThat(e.getReason()).isEqualTo("Synced");
    assertThat(e.getType()).isEqualTo("Normal");
    assertThat(e.getMessage()).isEqualTo("Advance podinfo.test canary weight 10");
    assertThat(e.getSource().getComponent()).isEqualTo("canary-analysis");
    assertThat(e.getSource().getHost()).isEqualTo("controller-0");
    assertThat(e.getReportingComponent()).isEqualTo("canary-analysis");
    assertThat(e.getCount()).isEqualTo(1);
    assertThat(e.getFirstTimestamp()).isEqualTo("2024-05-01T10:00:00Z");
    assertThat(e.getLastTimestamp()).isEqualTo("2024-05-01T10:00:00Z");
  }

  @Test
  void aRepeatBumpsCountAndLastTimestampOfTheSameEvent() throws Exception {
    KubernetesEventSink sink = KubernetesEventSink.create(client);
    String waiting = "canary deployment podinfo.test not ready: waiting for rollout to finish: "
        + "0 of 1 (readyThreshold 100%) updated replicas are available";

    sink.event(event(EventType.WARNING, waiting, T0));
    int before = server.getRequestCount();
    for (int i = 0; i < before; i++) {
      server.takeRequest();
    }
    sink.event(event(EventType.WARNING, waiting, T0.plusSeconds(60)));
    // The bump is one PATCH of the Event it wrote, no GET first: the sink remembers its name and count.
    assertThat(server.getRequestCount()).isEqualTo(before + 1);
    assertThat(server.takeRequest(1, TimeUnit.SECONDS).getMethod()).isEqualTo("PATCH");
    sink.event(event(EventType.WARNING, waiting, T0.plusSeconds(120)));
    sink.event(event(EventType.NORMAL, "Advance podinfo.test canary weight 10", T0.plusSeconds(180)));

    List<Event> events = events();
    assertThat(events).hasSize(2);
    Event repeated = events.stream().filter(e -> e.getMessage().equals(waiting)).findFirst().orElseThrow();
    assertThat(repeated.getCount()).isEqualTo(3);
    assertThat(repeated.getType()).isEqualTo("Warning");
    assertThat(repeated.getFirstTimestamp()).isEqualTo("2024-05-01T10:00:00Z");
    assertThat(repeated.getLastTimestamp()).isEqualTo("2024-05-01T10:02:00Z");
  }

  @Test
  void anExpiredEventIsRecordedAgain() {
    KubernetesEventSink sink = KubernetesEventSink.create(client);
    sink.event(event(EventType.NORMAL, "Initialization done! podinfo.test", T0));
    client.v1().events().inNamespace(NAMESPACE).delete();

    sink.event(event(EventType.NORMAL, "Initialization done! podinfo.test", T0.plusSeconds(60)));

    assertThat(events()).singleElement().satisfies(e -> {
      assertThat(e.getCount()).isEqualTo(1);
      assertThat(e.getFirstTimestamp()).isEqualTo("2024-05-01T10:01:00Z");
    });
  }

  @Test
  void aFailingApiServerIsLoggedNotThrown() {
    server.expect().post().withPath("/api/v1/namespaces/test/events")
        .andReturn(500, Fixtures.status(500, "InternalError")).once();

    assertThatCode(() -> KubernetesEventSink.create(client)
        .event(event(EventType.NORMAL, "Advance podinfo.test canary weight 10", T0)))
        .doesNotThrowAnyException();
    assertThat(events()).isEmpty();
  }

  @Test
  void anEventForAnUnknownCanaryHasNoUid() {
    KubernetesEventSink.create(client).event(new CanaryEvent("ghost", NAMESPACE, EventType.NORMAL,
        null, "hello", T0));

    assertThat(events()).singleElement().satisfies(e -> {
      assertThat(e.getInvolvedObject().getName()).isEqualTo("ghost");
      assertThat(e.getInvolvedObject().getUid()).isNull();
    });
  }

  @Test
  void messagesAreRedactedBeforeTheyAreCut() {
    String token = "tok-SECRET-0123456789abcdef";
    String message = "Prometheus query failed: Prometheus at http://admin:pa/ss-SECRET@prom:9090: "
        + "HTTP 500: body: " + "x".repeat(KubernetesEventSink.MAX_MESSAGE_LENGTH - 120)
        + " Authorization: Bearer " + token + " " + "y".repeat(2000);

    KubernetesEventSink.create(client).event(event(EventType.WARNING, message, T0));

    assertThat(events()).singleElement().satisfies(e -> {
      assertThat(e.getMessage()).hasSizeLessThanOrEqualTo(KubernetesEventSink.MAX_MESSAGE_LENGTH)
          .startsWith("Prometheus query failed: Prometheus at http://***@prom:9090: HTTP 500")
          .doesNotContain("SECRET").doesNotContain("tok-").endsWith("...");
    });
  }

  private static CanaryEvent event(EventType type, String message, Instant time) {
    return new CanaryEvent("podinfo", NAMESPACE, type, CanaryEvent.REASON_SYNCED, message, time);
  }

  private List<Event> events() {
    List<Event> events = new java.util.ArrayList<>(
        client.v1().events().inNamespace(NAMESPACE).list().getItems());
    events.sort(Comparator.comparing(Event::getFirstTimestamp));
    return events;
  }
}
