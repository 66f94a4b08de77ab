package io.canaryanalysis.kubernetes;

import static io.canaryanalysis.kubernetes.Fixtures.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.canaryanalysis.kubernetes.PriorityRateLimiter.Priority;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client-side token bucket: events yield to waiting writes, the rate holds, paths are classified. */
@EnableKubernetesMockClient(crud = true, https = false)
class PriorityRateLimiterTest {
  KubernetesMockServer server;
  KubernetesClient client;
  private KubernetesClient limited;

  @AfterEach
  void tearDown() {
    if (limited != null) {
      limited.close();
    }
  }

  @Test
  void eventsAreTheLowPriorityByResourceNotByName() {
    assertThat(PriorityRateLimiter.priorityOf("/api/v1/namespaces/test/events")).isEqualTo(Priority.LOW);
    assertThat(PriorityRateLimiter.priorityOf("/api/v1/namespaces/test/events/podinfo.17a")).isEqualTo(Priority.LOW);
    assertThat(PriorityRateLimiter.priorityOf("/apis/events.k8s.io/v1/namespaces/test/events")).isEqualTo(Priority.LOW);
    assertThat(PriorityRateLimiter.priorityOf("/api/v1/events")).isEqualTo(Priority.LOW);
    assertThat(PriorityRateLimiter.priorityOf("/api/v1/namespaces/test/configmaps/events")).isEqualTo(Priority.HIGH);
    assertThat(PriorityRateLimiter.priorityOf("/apis/flagger.app/v1beta1/namespaces/test/canaries/podinfo/status"))
        .isEqualTo(Priority.HIGH);
    assertThat(PriorityRateLimiter.priorityOf("/api/v1/namespaces/events")).isEqualTo(Priority.HIGH);
    assertThatThrownBy(() -> PriorityRateLimiter.of(0, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PriorityRateLimiter.of(10, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aWaitingWriteGoesBeforeEventsThatWereQueuedFirst() throws Exception {
    // 5 tokens/s: the ten events take two seconds, so the write starts waiting among them.
    PriorityRateLimiter limiter = PriorityRateLimiter.of(5, 1);
    List<String> order = new CopyOnWriteArrayList<>();
    CountDownLatch eventsStarted = new CountDownLatch(1);
    Thread events = new Thread(() -> {
      try {
        for (int i = 0; i < 10; i++) {
          limiter.acquire(Priority.LOW);
          order.add("event");
          eventsStarted.countDown();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    events.start();
    assertThat(eventsStarted.await(5, TimeUnit.SECONDS)).isTrue();
    Thread writer = new Thread(() -> {
      try {
        limiter.acquire(Priority.HIGH);
        order.add("status");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    writer.start();
    while (limiter.highWaiting() == 0 && !order.contains("status")) {
      Thread.sleep(1);
    }
    int eventsBeforeTheWriteWaited = (int) order.stream().filter("event"::equals).count();
    writer.join(10_000);
    events.join(10_000);

    assertThat(order).hasSize(11);
    // Once the write waits, no event takes a token before it (one may have taken it just before).
    assertThat(order.indexOf("status")).as("order " + order).isLessThanOrEqualTo(eventsBeforeTheWriteWaited + 1);
    assertThat(order.indexOf("status")).as("the write did not wait for all events").isLessThan(10);
  }

  @Test
  void theRateHoldsForEveryRequestOfTheClient() throws Exception {
    PriorityRateLimiter limiter = PriorityRateLimiter.of(10, 1);
    limited = server.createClient(b -> b.withHttpClientBuilderConsumer(
        h -> h.addOrReplaceInterceptor("priority-rate-limit", limiter)));
    long start = System.nanoTime();
    for (int i = 0; i < 6; i++) {
      limited.v1().events().inNamespace(NAMESPACE).resource(new EventBuilder().withNewMetadata()
          .withName("e" + i).withNamespace(NAMESPACE).endMetadata().withMessage("m").build()).create();
    }
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    // One token at once, then one every 100 ms: six requests take at least 500 ms.
    assertThat(elapsedMillis).isGreaterThanOrEqualTo(450);
    assertThat(client.v1().events().inNamespace(NAMESPACE).list().getItems()).hasSize(6);
  }

  @Test
  void aStatusWriteOnTheLimitedClientOvertakesABurstOfEventsOnTheLane() throws Exception {
    // 5 tokens a second: 200 ms between requests leaves a loaded machine room to queue the write.
    PriorityRateLimiter limiter = PriorityRateLimiter.of(5, 1);
    limited = server.createClient(b -> b.withHttpClientBuilderConsumer(
        h -> h.addOrReplaceInterceptor("priority-rate-limit", limiter)));
    client.resource(Fixtures.configMap("podinfo-config", Map.of("a", "1"))).create();
    ConfigMap changed = client.configMaps().inNamespace(NAMESPACE).withName("podinfo-config").get();
    changed.setData(Map.of("a", "2"));
    List<String> order = new CopyOnWriteArrayList<>();
    Thread events = new Thread(() -> {
      for (int i = 0; i < 12; i++) {
        limited.v1().events().inNamespace(NAMESPACE).resource(new EventBuilder().withNewMetadata()
            .withName("burst-" + i).withNamespace(NAMESPACE).endMetadata().withMessage("m").build()).create();
        order.add("event");
      }
    });
    events.start();
    while (order.isEmpty()) {
      Thread.sleep(5);
    }
    limited.resource(changed).update();
    order.add("write");
    events.join(20_000);

    assertThat(new ArrayList<>(order)).hasSize(13);
    assertThat(order.indexOf("write")).as("order " + order).isLessThanOrEqualTo(3);
  }
}
