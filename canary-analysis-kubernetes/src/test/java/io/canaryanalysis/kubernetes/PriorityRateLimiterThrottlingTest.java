package io.canaryanalysis.kubernetes;

import static io.canaryanalysis.kubernetes.Fixtures.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A fabric8 client with the limiter installed against an API server that answers 429 with
 * {@code Retry-After: 1}: fabric8 retries after the Retry-After, each retry takes a token (on
 * credit, on fabric8's scheduler thread), the rate drops, new requests wait out the pause, nothing
 * is lost, and the rate recovers.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class PriorityRateLimiterThrottlingTest {
  private static final String PATH = "/api/v1/namespaces/" + NAMESPACE + "/configmaps/throttled";
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  KubernetesMockServer server;
  KubernetesClient client;
  private final AtomicLong offset = new AtomicLong();
  private final LongSupplier clock = () -> System.nanoTime() + offset.get();
  private final Recorder recorder = new Recorder();
  private PriorityRateLimiter limiter;
  private KubernetesClient limited;
  private ExecutorService caller;

  /** One attempt of a request as the wire sees it: sent, answered or released to fabric8's retry. */
  record Seen(String path, String thread, long at, int code, double rate) {}

  /**
   * Installed after the limiter: records each attempt, each answer and, for a failure, when the
   * limiter released it to fabric8 (its {@code afterFailure} runs once the limiter's has completed).
   */
  final class Recorder implements Interceptor {
    final List<Seen> sent = new CopyOnWriteArrayList<>();
    final List<Seen> answered = new CopyOnWriteArrayList<>();
    final List<Seen> released = new CopyOnWriteArrayList<>();

    @Override
    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
      sent.add(new Seen(request.uri().getPath(), Thread.currentThread().getName(), clock.getAsLong(), 0, 0));
    }

    @Override
    public void after(HttpRequest request, HttpResponse<?> response, AsyncBody.Consumer<List<ByteBuffer>> consumer) {
      answered.add(new Seen(request.uri().getPath(), Thread.currentThread().getName(), clock.getAsLong(),
          response.code(), 0));
    }

    @Override
    public CompletableFuture<Boolean> afterFailure(BasicBuilder builder, HttpResponse<?> response, RequestTags tags) {
      released.add(new Seen(response.request().uri().getPath(), Thread.currentThread().getName(),
          clock.getAsLong(), response.code(), limiter.effectiveRate()));
      return CompletableFuture.completedFuture(false);
    }

    List<Seen> sent(String path) {
      return sent.stream().filter(s -> s.path().equals(path)).toList();
    }

    List<Seen> answered(String path) {
      return answered.stream().filter(s -> s.path().equals(path)).toList();
    }

    /** The answers to {@code path} once there are {@code n} (fabric8 may call {@code after} after the caller has its result). */
    List<Seen> answered(String path, int n) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (answered(path).size() < n && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      return answered(path);
    }
  }

  @BeforeEach
  void setUp() {
    client.resource(Fixtures.configMap("throttled", Map.of("a", "1"))).create();
    client.resource(Fixtures.configMap("other", Map.of("b", "2"))).create();
    limiter = new PriorityRateLimiter(20, 5, clock);
    caller = Executors.newSingleThreadExecutor(r -> new Thread(r, "caller"));
  }

  @AfterEach
  void tearDown() {
    caller.shutdownNow();
    if (limited != null) {
      limited.close();
    }
  }

  private KubernetesClient limitedClient(Consumer<io.fabric8.kubernetes.client.KubernetesClientBuilder> more) {
    return server.createClient(b -> {
      b.withHttpClientBuilderConsumer(h -> {
        h.addOrReplaceInterceptor("priority-rate-limit", limiter);
        h.addOrReplaceInterceptor("record", recorder);
      });
      more.accept(b);
    });
  }

  private void answer429(int times) {
    Status tooMany = new StatusBuilder().withStatus("Failure").withCode(429).withReason("TooManyRequests")
        .withMessage("too many requests, please try again later").build();
    server.expect().get().withPath(PATH).andReturn(429, tooMany).withHeader("Retry-After", "1").times(times);
  }

  @Test
  void fabric8RetriesAfterRetryAfterEveryAttemptTakesATokenAndTheRateDropsAndRecovers() throws Exception {
    answer429(2);
    limited = limitedClient(b -> { });

    CompletableFuture<ConfigMap> throttled = CompletableFuture.supplyAsync(
        () -> limited.configMaps().inNamespace(NAMESPACE).withName("throttled").get(), caller);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (limiter.throttledResponses() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    assertThat(limiter.throttledResponses()).isPositive();
    // A new request while the Retry-After pause lasts waits it out.
    ConfigMap other = limited.configMaps().inNamespace(NAMESPACE).withName("other").get();
    ConfigMap result = throttled.get(30, TimeUnit.SECONDS);

    // Nothing lost: fabric8 retried the 429s and the caller got the object.
    assertThat(result.getData()).containsEntry("a", "1");
    assertThat(other.getData()).containsEntry("b", "2");
    List<Seen> attempts = recorder.sent(PATH);
    List<Seen> answers = recorder.answered(PATH, 3);
    assertThat(answers).extracting(Seen::code).containsExactly(429, 429, 200);
    assertThat(attempts).hasSize(3);
    // The first attempt on the caller's thread; fabric8's retries on its scheduler thread.
    assertThat(attempts.get(0).thread()).isEqualTo("caller");
    assertThat(attempts.subList(1, 3))
        .allSatisfy(a -> assertThat(a.thread()).startsWith("CachedSingleThreadScheduler"));
    // The limiter held each 429 for the Retry-After before fabric8 saw it, so each retry went
    // out at least the Retry-After after the 429 it retries.
    assertThat(recorder.released).extracting(Seen::code).containsExactly(429, 429);
    for (int i = 0; i < 2; i++) {
      assertThat(recorder.released.get(i).at() - answers.get(i).at()).isGreaterThanOrEqualTo(950 * MS);
      assertThat(attempts.get(i + 1).at() - answers.get(i).at()).isGreaterThanOrEqualTo(950 * MS);
    }
    // Every attempt took a token: the retries on credit, without blocking fabric8's scheduler.
    assertThat(limiter.taken()).isEqualTo(recorder.sent.size()).isEqualTo(4);
    assertThat(limiter.takenOnCredit()).isEqualTo(2);
    // The other request, from the test's thread, went after the first pause ended.
    Seen otherSent = recorder.sent("/api/v1/namespaces/" + NAMESPACE + "/configmaps/other").get(0);
    assertThat(otherSent.thread()).isEqualTo(Thread.currentThread().getName());
    assertThat(otherSent.at() - answers.get(0).at()).isGreaterThanOrEqualTo(950 * MS);
    // 20/s halved to 10/s, then (the pause held the recovery) halved again to about 5/s; released
    // at the end of each pause, when the recovery (2/s per second) has only just begun.
    assertThat(limiter.throttledResponses()).isEqualTo(2);
    assertThat(recorder.released.get(0).rate()).isBetween(10.0, 11.0);
    assertThat(recorder.released.get(1).rate()).isBetween(5.0, 6.0);
    assertThat(limiter.effectiveRate()).isLessThan(20);

    // Ten seconds without a 429 bring the rate back: move the limiter's clock on.
    offset.addAndGet(TimeUnit.SECONDS.toNanos(11));
    assertThat(limiter.effectiveRate()).isEqualTo(20, within(1e-9));
    for (int i = 0; i < 5; i++) {
      assertThat(limited.configMaps().inNamespace(NAMESPACE).withName("throttled").get().getData())
          .containsEntry("a", "1");
    }
    assertThat(recorder.answered(PATH, 8)).extracting(Seen::code)
        .containsExactly(429, 429, 200, 200, 200, 200, 200, 200);
    assertThat(limiter.throttledResponses()).isEqualTo(2);
  }

  @Test
  void whenFabric8RunsOutOfRetriesTheCallerGetsThe429AndItsOwnRetryWaitsOutThePause() throws Exception {
    answer429(2);
    limited = limitedClient(b -> b.editOrNewConfig().withRequestRetryBackoffLimit(1).endConfig());

    KubernetesClientException e = catchThrowableOfType(
        () -> limited.configMaps().inNamespace(NAMESPACE).withName("throttled").get(),
        KubernetesClientException.class);
    assertThat(e.getCode()).isEqualTo(429);
    long refusedAt = recorder.answered(PATH, 2).get(1).at();

    ConfigMap again = limited.configMaps().inNamespace(NAMESPACE).withName("throttled").get();

    assertThat(again.getData()).containsEntry("a", "1");
    assertThat(recorder.answered(PATH, 3)).extracting(Seen::code).containsExactly(429, 429, 200);
    assertThat(recorder.sent.get(2).at() - refusedAt).isGreaterThanOrEqualTo(950 * MS);
    assertThat(limiter.throttledResponses()).isEqualTo(2);
    assertThat(limiter.taken()).isEqualTo(3);
  }
}
