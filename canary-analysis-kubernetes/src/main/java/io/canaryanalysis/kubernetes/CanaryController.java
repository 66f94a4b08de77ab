package io.canaryanalysis.kubernetes;

import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.EventSink;
import io.canaryanalysis.api.EventType;
import io.canaryanalysis.core.AnalysisEngine;
import io.canaryanalysis.core.TickReport;
import io.canaryanalysis.core.manifest.CanaryDocument;
import io.canaryanalysis.core.manifest.ManifestException;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small controller loop for hosts without an operator framework: it lists the Canary objects
 * (of one namespace or all) every resync interval, runs {@link AnalysisEngine#reconcile} for each
 * canary when its tick is due, persists the status (one write per tick, none when unchanged) and
 * schedules the canary again after {@link TickReport#nextTickIn()}.
 *
 * <p>All canaries share one bounded {@link ScheduledExecutorService} (the host's, or a small
 * pool of daemon threads owned by the controller); a canary is never run by two threads at once
 * and there is no thread per canary. Leader election is not built in: a host running several
 * replicas starts the controller only while it holds a lease (for example with fabric8's
 * {@code LeaderElector}).
 */
public final class CanaryController implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CanaryController.class);
  private static final Duration MIN_DELAY = Duration.ofSeconds(1);

  private final AnalysisEngine engine;
  private final CanaryResources resources;
  private final String namespace;
  private final Duration resyncInterval;
  private final EventSink eventSink;
  private final ScheduledExecutorService executor;
  private final boolean ownsExecutor;
  private final Map<String, Future<?>> scheduled = new ConcurrentHashMap<>();
  private volatile boolean running;
  private Future<?> resync;

  private CanaryController(Builder b) {
    this.engine = b.engine;
    this.resources = CanaryResources.create(b.client);
    this.namespace = b.namespace;
    this.resyncInterval = b.resyncInterval;
    this.eventSink = b.eventSink;
    this.ownsExecutor = b.executor == null;
    this.executor = b.executor != null ? b.executor
        : Executors.newScheduledThreadPool(b.workers, new DaemonThreads());
  }

  public static Builder builder(KubernetesClient client, AnalysisEngine engine) {
    return new Builder(client, engine);
  }

  /** Configures a {@link CanaryController}. */
  public static final class Builder {
    private final KubernetesClient client;
    private final AnalysisEngine engine;
    private String namespace;
    private Duration resyncInterval = Duration.ofSeconds(30);
    private EventSink eventSink = EventSink.discarding();
    private ScheduledExecutorService executor;
    private int workers = 2;

    private Builder(KubernetesClient client, AnalysisEngine engine) {
      this.client = Objects.requireNonNull(client, "client");
      this.engine = Objects.requireNonNull(engine, "engine");
    }

    /** Watch one namespace; default all namespaces. */
    public Builder namespace(String namespace) {
      this.namespace = namespace;
      return this;
    }

    /** How often new canaries are looked for; default 30 seconds. */
    public Builder resyncInterval(Duration resyncInterval) {
      if (resyncInterval.isNegative() || resyncInterval.isZero()) {
        throw new IllegalArgumentException("resyncInterval must be positive, got " + resyncInterval);
      }
      this.resyncInterval = resyncInterval;
      return this;
    }

    /**
     * Receives a Warning event for a Canary object that is not a valid manifest (usually the
     * engine's sink); default discarded (the problem is logged either way).
     */
    public Builder eventSink(EventSink eventSink) {
      this.eventSink = Objects.requireNonNull(eventSink, "eventSink");
      return this;
    }

    /** The host's scheduler; the controller does not shut it down. Default: its own pool. */
    public Builder executor(ScheduledExecutorService executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** Threads of the controller's own pool (when no executor is given); default 2. */
    public Builder workers(int workers) {
      if (workers < 1) {
        throw new IllegalArgumentException("workers must be at least 1, got " + workers);
      }
      this.workers = workers;
      return this;
    }

    public CanaryController build() {
      return new CanaryController(this);
    }
  }

  /** Starts the resync loop; canaries are picked up at once. Idempotent. */
  public synchronized void start() {
    if (running) {
      return;
    }
    running = true;
    resync = executor.scheduleWithFixedDelay(this::resyncSafely, 0,
        resyncInterval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Stops scheduling; a tick in progress finishes. Shuts down the pool only if it is the controller's own. */
  @Override
  public synchronized void close() {
    running = false;
    if (resync != null) {
      resync.cancel(false);
    }
    scheduled.values().forEach(f -> f.cancel(false));
    scheduled.clear();
    if (ownsExecutor) {
      executor.shutdown();
    }
  }

  /**
   * Runs one tick for a canary now, on the calling thread: reads it, runs the engine and writes the
   * status if it changed. Empty when the canary does not exist.
   *
   * @throws ManifestException when the Canary object is not valid
   * @throws io.canaryanalysis.api.ProviderException when reading or writing the Canary fails
   */
  public Optional<TickReport> reconcile(String namespace, String name) {
    Optional<CanaryDocument> document = resources.read(namespace, name);
    if (document.isEmpty()) {
      return Optional.empty();
    }
    for (var notice : document.get().notices()) {
      LOG.debug("canary {}.{}: {}", name, namespace, notice);
    }
    TickReport report = engine.reconcile(document.get().canary(), document.get().status());
    resources.writeStatus(document.get().canary(), document.get().status(), report.status());
    return Optional.of(report);
  }

  /** Lists the canaries and schedules those not yet scheduled; returns how many were added. */
  int resync() {
    int added = 0;
    for (GenericKubernetesResource item : resources.list(namespace)) {
      String ns = item.getMetadata().getNamespace();
      String name = item.getMetadata().getName();
      String key = ns + "/" + name;
      if (running && !scheduled.containsKey(key)) {
        Future<?> placeholder = new java.util.concurrent.CompletableFuture<>();
        if (scheduled.putIfAbsent(key, placeholder) == null) {
          schedule(key, ns, name, Duration.ZERO);
          added++;
        }
      }
    }
    return added;
  }

  private void resyncSafely() {
    try {
      int added = resync();
      if (added > 0) {
        LOG.debug("resync scheduled {} new canaries", added);
      }
    } catch (RuntimeException e) {
      LOG.warn("listing canaries failed: {}", e.getMessage());
    }
  }

  private void schedule(String key, String ns, String name, Duration delay) {
    if (!running) {
      scheduled.remove(key);
      return;
    }
    try {
      scheduled.put(key, executor.schedule(() -> tick(key, ns, name), delay.toMillis(),
          TimeUnit.MILLISECONDS));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      scheduled.remove(key);
    }
  }

  private void tick(String key, String ns, String name) {
    Duration next;
    try {
      Optional<TickReport> report = reconcile(ns, name);
      if (report.isEmpty()) {
        LOG.debug("canary {}.{} no longer exists", name, ns);
        scheduled.remove(key);
        return;
      }
      next = report.get().nextTickIn();
    } catch (ManifestException e) {
      LOG.warn("canary {}.{} is not a valid Canary: {}", name, ns, e.getMessage());
      eventSink.event(new CanaryEvent(name, ns, EventType.WARNING, CanaryEvent.REASON_SYNCED,
          "Invalid canary " + name + "." + ns + ": " + e.getMessage(), null));
      next = resyncInterval;
    } catch (RuntimeException e) {
      LOG.warn("canary {}.{} tick failed: {}", name, ns, e.getMessage());
      next = resyncInterval;
    }
    schedule(key, ns, name, next.compareTo(MIN_DELAY) < 0 ? MIN_DELAY : next);
  }

  /** Number of canaries currently scheduled (for tests and metrics). */
  int scheduledCount() {
    return scheduled.size();
  }

  private static final class DaemonThreads implements ThreadFactory {
    private final AtomicInteger count = new AtomicInteger();

    @Override
    public Thread newThread(Runnable task) {
      Thread thread = new Thread(task, "canary-analysis-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    }
  }
}
