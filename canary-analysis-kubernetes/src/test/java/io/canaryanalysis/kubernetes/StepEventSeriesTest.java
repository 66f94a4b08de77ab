package io.canaryanalysis.kubernetes;

import static io.canaryanalysis.kubernetes.Fixtures.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.EventType;
import io.canaryanalysis.kubernetes.KubernetesEventSink.StepEvents;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Flagger's step events ({@code Advance …}) of one run as one Event: created at the first step,
 * written again on the heartbeat, at the canary's next other event, on flush and close.
 */
@EnableKubernetesMockClient(crud = true, https = false,
    kubernetesClientBuilderCustomizer = Fixtures.NoClientRetries.class)
class StepEventSeriesTest {
  private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");
  private static final String EVENTS = "/api/v1/namespaces/" + NAMESPACE + "/events";

  KubernetesMockServer server;
  KubernetesClient client;
  private int taken;

  @BeforeEach
  void setUp() throws InterruptedException {
    Fixtures.expectCanaryCrd(server);
    Fixtures.storeCanary(client, Fixtures.CANARY_YAML);
    requests();
  }

  @Test
  void fiveStepsAreOneEventCreatedOnceAndPatchedOnceAtTheNextOtherEvent() throws Exception {
    KubernetesEventSink sink = KubernetesEventSink.create(client);
    for (int i = 1; i <= 5; i++) {
      sink.event(step("podinfo", 10 * i, T0.plusSeconds(60L * i)));
    }
    assertThat(eventRequests()).containsExactly("POST " + EVENTS);
    assertThat(events()).singleElement().satisfies(e -> {
      assertThat(e.getCount()).isEqualTo(1);
      assertThat(e.getMessage()).isEqualTo("Advance podinfo.test canary weight 10");
    });

    sink.event(event("podinfo", EventType.NORMAL,
        "Copying podinfo.test template spec to podinfo-primary.test", T0.plusSeconds(360)));

    List<RecordedRequest> sent = requests().stream()
        .filter(r -> r.getPath().startsWith(EVENTS)).collect(Collectors.toList());
    assertThat(sent).extracting(RecordedRequest::getMethod).containsExactly("PATCH", "POST");
    // The create wrote count 1 and weight 10 (above): the one PATCH wrote message, count and time.
    List<Event> events = events();
    assertThat(events).hasSize(2);
    Event series = events.get(0);
    assertThat(series.getMessage()).isEqualTo("Advance podinfo.test canary weight 50");
    assertThat(series.getCount()).isEqualTo(5);
    assertThat(series.getType()).isEqualTo("Normal");
    assertThat(series.getReason()).isEqualTo("Synced");
    assertThat(series.getFirstTimestamp()).isEqualTo("2024-05-01T10:01:00Z");
    assertThat(series.getLastTimestamp()).isEqualTo("2024-05-01T10:05:00Z");
    assertThat(events.get(1).getMessage()).isEqualTo("Copying podinfo.test template spec to podinfo-primary.test");
  }

  @Test
  void aLongSeriesIsWrittenOnTheHeartbeatOfEventTimeAndNotMoreOften() throws Exception {
    KubernetesEventSink sink = KubernetesEventSink.create(client);
    List<Integer> writtenAtMinute = new ArrayList<>();
    for (int minute = 0; minute <= 20; minute++) {
      sink.event(iteration("podinfo", minute + 1, T0.plusSeconds(60L * minute)));
      if (!eventRequests().isEmpty()) {
        writtenAtMinute.add(minute);
        int expected = minute + 1;
        assertThat(events()).singleElement().satisfies(e -> {
          assertThat(e.getCount()).isEqualTo(expected);
          assertThat(e.getMessage()).isEqualTo("Advance podinfo.test canary iteration " + expected + "/30");
        });
      }
    }
    assertThat(writtenAtMinute).containsExactly(0, 5, 10, 15, 20);
  }

  @Test
  void theHeartbeatIsConfigurableAndEventsWithoutATimeUseTheSinksClock() throws Exception {
    AtomicReference<Instant> now = new AtomicReference<>(T0);
    KubernetesEventSink sink = KubernetesEventSink.builder(client).clock((InstantSource) now::get)
        .stepSeriesHeartbeat(Duration.ofMinutes(2)).build();
    List<Integer> writtenAtMinute = new ArrayList<>();
    for (int minute = 0; minute <= 6; minute++) {
      now.set(T0.plusSeconds(60L * minute));
      sink.event(step("podinfo", minute + 1, null));
      if (!eventRequests().isEmpty()) {
        writtenAtMinute.add(minute);
      }
    }
    assertThat(writtenAtMinute).containsExactly(0, 2, 4, 6);
    assertThat(events()).singleElement().satisfies(e -> {
      assertThat(e.getCount()).isEqualTo(7);
      assertThat(e.getLastTimestamp()).isEqualTo("2024-05-01T10:06:00Z");
    });
    assertThatThrownBy(() -> KubernetesEventSink.builder(client).stepSeriesHeartbeat(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anOtherEventInTheMiddleFollowsTheFlushedSeriesAndTheNextStepStartsANewOne() throws Exception {
    KubernetesEventSink sink = KubernetesEventSink.create(client);
    String halt = "Halt podinfo.test advancement success rate 53.42% < 99%";
    sink.event(step("podinfo", 10, T0));
    sink.event(step("podinfo", 20, T0.plusSeconds(60)));
    sink.event(event("podinfo", EventType.WARNING, halt, T0.plusSeconds(120)));
    sink.event(step("podinfo", 30, T0.plusSeconds(180)));
    sink.event(step("podinfo", 40, T0.plusSeconds(240)));
    assertThat(eventRequests()).containsExactly("POST " + EVENTS, "PATCH", "POST " + EVENTS, "POST " + EVENTS);
    sink.close();
    assertThat(eventRequests()).containsExactly("PATCH");

    assertThat(events()).extracting(Event::getMessage, Event::getCount, Event::getFirstTimestamp,
        Event::getLastTimestamp).containsExactly(
            tuple("Advance podinfo.test canary weight 20", 2,
                "2024-05-01T10:00:00Z", "2024-05-01T10:01:00Z"),
            tuple(halt, 1, "2024-05-01T10:02:00Z", "2024-05-01T10:02:00Z"),
            tuple("Advance podinfo.test canary weight 40", 2,
                "2024-05-01T10:03:00Z", "2024-05-01T10:04:00Z"));
  }

  @Test
  void aSeriesWhoseEventExpiredIsCreatedAgainOnFlush() throws Exception {
    KubernetesEventSink sink = KubernetesEventSink.create(client);
    sink.event(step("podinfo", 10, T0));
    sink.event(step("podinfo", 20, T0.plusSeconds(60)));
    client.v1().events().inNamespace(NAMESPACE).delete();
    requests();

    sink.flush();

    assertThat(eventRequests()).containsExactly("PATCH", "POST " + EVENTS);
    assertThat(events()).singleElement().satisfies(e -> {
      assertThat(e.getMessage()).isEqualTo("Advance podinfo.test canary weight 20");
      assertThat(e.getCount()).isEqualTo(2);
      assertThat(e.getFirstTimestamp()).isEqualTo("2024-05-01T10:00:00Z");
      assertThat(e.getLastTimestamp()).isEqualTo("2024-05-01T10:01:00Z");
    });
    // The series goes on with the Event it re-created.
    sink.event(step("podinfo", 30, T0.plusSeconds(120)));
    sink.flush();
    assertThat(eventRequests()).containsExactly("PATCH");
    assertThat(events()).singleElement().satisfies(e -> assertThat(e.getCount()).isEqualTo(3));
  }

  @Test
  void twoCanariesSeriesDoNotMix() throws Exception {
    KubernetesEventSink sink = KubernetesEventSink.create(client);
    sink.event(step("podinfo", 10, T0));
    sink.event(step("other", 5, T0.plusSeconds(1)));
    sink.event(step("podinfo", 20, T0.plusSeconds(60)));
    sink.event(step("other", 10, T0.plusSeconds(61)));
    sink.event(step("other", 15, T0.plusSeconds(121)));
    sink.event(event("podinfo", EventType.NORMAL, "Promotion completed! Scaling down podinfo.test",
        T0.plusSeconds(180)));

    assertThat(event("podinfo", "Advance ")).satisfies(e -> {
      assertThat(e.getMessage()).isEqualTo("Advance podinfo.test canary weight 20");
      assertThat(e.getCount()).isEqualTo(2);
    });
    assertThat(event("other", "Advance ")).satisfies(e -> {
      assertThat(e.getMessage()).as("not yet written: its series is open").isEqualTo("Advance other.test canary weight 5");
      assertThat(e.getCount()).isEqualTo(1);
    });

    sink.close();

    assertThat(event("other", "Advance ")).satisfies(e -> {
      assertThat(e.getMessage()).isEqualTo("Advance other.test canary weight 15");
      assertThat(e.getCount()).isEqualTo(3);
      assertThat(e.getInvolvedObject().getName()).isEqualTo("other");
    });
    assertThat(events()).hasSize(3);
  }

  @Test
  void eachWritesEveryStepAsItsOwnEventAsFlaggerDoes() throws Exception {
    KubernetesEventSink sink = KubernetesEventSink.builder(client).stepEvents(StepEvents.EACH).build();
    for (int i = 1; i <= 5; i++) {
      sink.event(step("podinfo", 10 * i, T0.plusSeconds(60L * i)));
    }
    sink.close();

    assertThat(eventRequests()).hasSize(5).containsOnly("POST " + EVENTS);
    assertThat(events()).extracting(Event::getMessage).containsExactly(
        "Advance podinfo.test canary weight 10", "Advance podinfo.test canary weight 20",
        "Advance podinfo.test canary weight 30", "Advance podinfo.test canary weight 40",
        "Advance podinfo.test canary weight 50");
    assertThat(events()).allSatisfy(e -> assertThat(e.getCount()).isEqualTo(1));
  }

  @Test
  void closeWritesTheOpenSeries() throws Exception {
    KubernetesEventSink sink = KubernetesEventSink.create(client);
    sink.event(primary("podinfo", 20, T0));
    sink.event(primary("podinfo", 40, T0.plusSeconds(60)));
    sink.event(primary("podinfo", 60, T0.plusSeconds(120)));
    assertThat(events()).singleElement().satisfies(e -> assertThat(e.getCount()).isEqualTo(1));

    sink.close();

    assertThat(events()).singleElement().satisfies(e -> {
      assertThat(e.getMessage()).isEqualTo("Advance podinfo.test primary weight 60");
      assertThat(e.getCount()).isEqualTo(3);
    });
    sink.close();
    assertThat(eventRequests()).as("nothing left to write").isEmpty();
  }

  @Test
  void aSeriesPushedOutOfTheBoundedCacheIsWrittenFirst() throws Exception {
    KubernetesEventSink sink = KubernetesEventSink.builder(client).cacheSize(1).build();
    sink.event(step("podinfo", 10, T0));
    sink.event(step("podinfo", 20, T0.plusSeconds(60)));
    sink.event(step("other", 10, T0.plusSeconds(61)));

    assertThat(event("podinfo", "Advance ")).satisfies(e -> assertThat(e.getCount()).isEqualTo(2));
    assertThat(event("other", "Advance ")).satisfies(e -> assertThat(e.getCount()).isEqualTo(1));
  }

  @Test
  void theAsyncLaneRecordsSeriesTooAndCloseWritesThem() throws Exception {
    KubernetesEventSink sink = KubernetesEventSink.builder(client).async(100, 100).build();
    for (int i = 1; i <= 5; i++) {
      sink.event(step("podinfo", 10 * i, T0.plusSeconds(60L * i)));
    }
    sink.event(event("podinfo", EventType.NORMAL, "Promotion completed! Scaling down podinfo.test",
        T0.plusSeconds(360)));
    for (int i = 1; i <= 2; i++) {
      sink.event(step("podinfo", 10 * i, T0.plusSeconds(360 + 60L * i)));
    }
    sink.close();

    assertThat(events()).extracting(Event::getMessage, Event::getCount).containsExactly(
        tuple("Advance podinfo.test canary weight 50", 5),
        tuple("Promotion completed! Scaling down podinfo.test", 1),
        tuple("Advance podinfo.test canary weight 20", 2));
  }

  @Test
  void stepsFromManyThreadsWithFlushesInBetweenAreAllCounted() throws Exception {
    KubernetesEventSink sink = KubernetesEventSink.create(client);
    int threads = 4;
    int steps = 40;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      String canary = "canary-" + t;
      Thread worker = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 1; i <= steps; i++) {
          sink.event(step(canary, i, T0.plusSeconds(i)));
        }
      });
      worker.start();
      workers.add(worker);
    }
    start.countDown();
    for (int i = 0; i < 20; i++) {
      sink.flush();
    }
    for (Thread worker : workers) {
      worker.join(TimeUnit.SECONDS.toMillis(60));
    }
    sink.close();

    List<Event> events = events();
    assertThat(events).hasSize(threads).allSatisfy(e -> {
      assertThat(e.getCount()).isEqualTo(steps);
      assertThat(e.getMessage()).isEqualTo("Advance " + e.getInvolvedObject().getName()
          + ".test canary weight " + steps);
    });
  }

  private static CanaryEvent step(String canary, int weight, Instant time) {
    return event(canary, EventType.NORMAL, "Advance " + canary + ".test canary weight " + weight, time);
  }

  private static CanaryEvent iteration(String canary, int n, Instant time) {
    return event(canary, EventType.NORMAL, "Advance " + canary + ".test canary iteration " + n + "/30", time);
  }

  private static CanaryEvent primary(String canary, int weight, Instant time) {
    return event(canary, EventType.NORMAL, "Advance " + canary + ".test primary weight " + weight, time);
  }

  private static CanaryEvent event(String canary, EventType type, String message, Instant time) {
    return new CanaryEvent(canary, NAMESPACE, type, CanaryEvent.REASON_SYNCED, message, time);
  }

  /** The requests the server received since the last call, in order. */
  private List<RecordedRequest> requests() throws InterruptedException {
    List<RecordedRequest> requests = new ArrayList<>();
    while (taken < server.getRequestCount()) {
      RecordedRequest request = server.takeRequest(5, TimeUnit.SECONDS);
      if (request == null) {
        break;
      }
      taken++;
      requests.add(request);
    }
    return requests;
  }

  /** The Event requests since the last call: "POST path" for a create, "PATCH" for a write of one. */
  private List<String> eventRequests() throws InterruptedException {
    return requests().stream().filter(r -> r.getPath().startsWith(EVENTS))
        .map(r -> r.getMethod().equals("PATCH") ? "PATCH" : r.getMethod() + " " + r.getPath())
        .collect(Collectors.toList());
  }

  /** The stored Events, oldest first; the test's own reads are not counted as the sink's requests. */
  private List<Event> events() throws InterruptedException {
    List<Event> events = new ArrayList<>(client.v1().events().inNamespace(NAMESPACE).list().getItems());
    events.sort(Comparator.comparing(Event::getFirstTimestamp));
    requests();
    return events;
  }

  private Event event(String canary, String messagePrefix) throws InterruptedException {
    return events().stream().filter(e -> e.getInvolvedObject().getName().equals(canary)
        && e.getMessage().startsWith(messagePrefix)).collect(Collectors.toList()).get(0);
  }
}
