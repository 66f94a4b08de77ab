package io.canaryanalysis.kubernetes;

import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.EventSink;
import io.canaryanalysis.api.EventType;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.core.AnalysisEngine;
import io.canaryanalysis.core.TickReport;
import io.canaryanalysis.manifest.CanaryDocument;
import io.canaryanalysis.manifest.ManifestException;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfig;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small controller loop for hosts without an operator framework: it lists the Canary objects
 * (of one namespace or all) every resync interval, runs {@link AnalysisEngine#reconcile} for each
 * canary when its tick is due (the engine persists the status, guarded by the resourceVersion read, one write per tick, none when unchanged) and
 * schedules the canary again after {@link TickReport#nextTickIn()}.
 *
 * <p>All canaries share one bounded {@link ScheduledExecutorService} (the host's, or a small
 * pool of daemon threads owned by the controller); a canary is never run by two threads at once
 * and there is no thread per canary.
 *
 * <p>A Canary with {@code spec.revertOnDeletion: true} gets the finalizer {@value #FINALIZER};
 * once it is deleted the controller runs {@link AnalysisEngine#terminate} on each pass until the
 * canary is {@code Terminated} (the target serves again through the apex Service), then removes
 * the finalizer so the deletion completes, as Flagger does (flagger.md §2.12).
 *
 * <p>With {@link Builder#leaderElection} several replicas can run: only the one holding the
 * {@code coordination.k8s.io} Lease schedules ticks; a replica that loses the lease stops
 * scheduling (a tick in progress finishes) and stands for election again. It never exits the JVM.
 * Hosts that already elect a leader (an operator framework) should not configure it.
 *
 * <p>With {@link Builder#informers} reads come from informer caches and a change to a canary,
 * its target or its configs ticks it at once (paced); with {@link Builder#shards} several replicas
 * split the canaries on Lease shards instead of electing one leader.
 */
public final class CanaryController implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CanaryController.class);
  private static final Duration MIN_DELAY = Duration.ofSeconds(1);

  /** Flagger's finalizer on Canaries with {@code revertOnDeletion}. */
  public static final String FINALIZER = "finalizer.flagger.app";

  /** How often the controller's own pool is sized from the measured tick time. */
  static final Duration SIZING_PERIOD = Duration.ofSeconds(10);
  /** The share of the pool's threads that ticks may keep busy before it grows. */
  static final double TARGET_UTILIZATION = 0.7;

  private final AnalysisEngine engine;
  private final CanaryResources resources;
  private final String namespace;
  private final Duration resyncInterval;
  private final EventSink eventSink;
  private final ScheduledExecutorService executor;
  private final boolean ownsExecutor;
  // Slots are keyed "namespace/name".
  private final Map<String, Slot> scheduled = new ConcurrentHashMap<>();
  private final KubernetesClient client;
  private final KubernetesInformers informers;
  private final Pacer eventTicks;
  private final QueueLag lag = new QueueLag(4096);
  /** Time spent in ticks since the pool was last sized (Little's law: threads in use). */
  private final java.util.concurrent.atomic.LongAdder busyNanos = new java.util.concurrent.atomic.LongAdder();
  private final int minWorkers;
  private final int maxWorkers;
  private long sizedAt = System.nanoTime();
  private final CanaryWarnings warnings;
  private volatile boolean handlersAdded;
  private final LeaderElectionConfig leaderElection;
  private final LeaseShards shards;
  private final Duration shardRetryPeriod;
  private java.util.concurrent.Future<?> shardLoop;
  private volatile boolean running;
  private boolean started;
  private boolean closed;
  private java.util.concurrent.Future<?> resync;
  private CompletableFuture<?> election;
  /** Told {@code leading}, {@code stopped} and {@code leader=<identity>}; for tests. */
  volatile Consumer<String> leadershipListener = change -> {};

  private CanaryController(Builder b) {
    this.engine = b.engine;
    this.client = b.client;
    this.informers = b.informers;
    this.resources = b.informers == null ? CanaryResources.create(b.client)
        : CanaryResources.create(b.client, b.informers);
    this.eventTicks = new Pacer(b.eventTicksPerSecond);
    if (b.shardCount > 0 && b.leaseName != null) {
      throw new IllegalStateException("leaderElection and shards are alternatives; configure one");
    }
    this.shards = b.shardCount == 0 ? null : new LeaseShards(b.client, b.shardNamespace,
        b.shardPrefix, b.shardCount, b.shardIdentity, b.leaseDuration, b.renewDeadline);
    this.shardRetryPeriod = b.retryPeriod;
    this.namespace = b.namespace;
    this.resyncInterval = b.resyncInterval;
    this.eventSink = b.eventSink;
    this.warnings = CanaryWarnings.create(b.eventSink);
    this.ownsExecutor = b.executor == null;
    this.minWorkers = b.workers;
    this.maxWorkers = Math.max(b.workers, b.maxWorkers);
    this.executor = b.executor != null ? b.executor
        : Executors.newScheduledThreadPool(b.workers, new DaemonThreads());
    this.leaderElection = b.leaseName == null ? null : new LeaderElectionConfigBuilder()
        .withName(b.leaseName)
        .withLock(new LeaseLock(b.leaseNamespace, b.leaseName, b.identity))
        .withLeaseDuration(b.leaseDuration)
        .withRenewDeadline(b.renewDeadline)
        .withRetryPeriod(b.retryPeriod)
        .withReleaseOnCancel(true)
        .withLeaderCallbacks(new LeaderCallbacks(this::startedLeading, this::stoppedLeading,
            this::newLeader))
        .build();
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
    private int maxWorkers;
    private String leaseNamespace;
    private String leaseName;
    private String identity;
    private Duration leaseDuration = Duration.ofSeconds(15);
    private Duration renewDeadline = Duration.ofSeconds(10);
    private Duration retryPeriod = Duration.ofSeconds(2);
    private KubernetesInformers informers;
    private double eventTicksPerSecond = 20;
    private int shardCount;
    private String shardNamespace;
    private String shardPrefix;
    private String shardIdentity;

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
     * Receives a Warning event for a Canary object that is not a valid manifest, and one per
     * (uid, generation) listing a spec's warnings (deprecated fields, Flagger leniencies; see
     * {@link CanaryWarnings}); usually the engine's sink. Default discarded (invalid manifests are
     * logged either way).
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

    /**
     * Lets the controller's own pool grow from {@link #workers} up to {@code maxWorkers} threads
     * when ticks spend their time waiting on the API server: every 10 s the pool is sized by
     * Little's law from the time ticks took (threads in use = tick time / elapsed time, kept at
     * 70% utilization), and shrinks again when they get faster. Default: the pool stays at
     * {@code workers}.
     */
    public Builder maxWorkers(int maxWorkers) {
      if (maxWorkers < 1) {
        throw new IllegalArgumentException("maxWorkers must be at least 1, got " + maxWorkers);
      }
      this.maxWorkers = maxWorkers;
      return this;
    }

    /**
     * Runs ticks only while this replica holds the Lease {@code leaseNamespace/leaseName}
     * (fabric8's {@code LeaderElector} with a {@code LeaseLock}); {@code identity} names this
     * replica in the Lease, usually the pod name. Needs RBAC get, create and update on
     * {@code coordination.k8s.io} leases. Default: no election, the controller always runs.
     */
    public Builder leaderElection(String leaseNamespace, String leaseName, String identity) {
      this.leaseNamespace = requireText(leaseNamespace, "leaseNamespace");
      this.leaseName = requireText(leaseName, "leaseName");
      this.identity = requireText(identity, "identity");
      return this;
    }

    /**
     * The election's timings, as in client-go: a lease is taken over after {@code leaseDuration}
     * without renewal, the leader gives up after failing to renew for {@code renewDeadline}, and
     * candidates retry every {@code retryPeriod}. Default 15 s, 10 s and 2 s.
     */
    public Builder leaderElectionTimings(Duration leaseDuration, Duration renewDeadline,
        Duration retryPeriod) {
      requirePositive(leaseDuration, "leaseDuration");
      requirePositive(renewDeadline, "renewDeadline");
      requirePositive(retryPeriod, "retryPeriod");
      if (leaseDuration.compareTo(renewDeadline) <= 0) {
        throw new IllegalArgumentException("leaseDuration (" + leaseDuration
            + ") must be longer than renewDeadline (" + renewDeadline + ")");
      }
      if (renewDeadline.toMillis() <= retryPeriod.toMillis() * 1.2) {
        throw new IllegalArgumentException("renewDeadline (" + renewDeadline
            + ") must be longer than 1.2 x retryPeriod (" + retryPeriod + ")");
      }
      this.leaseDuration = leaseDuration;
      this.renewDeadline = renewDeadline;
      this.retryPeriod = retryPeriod;
      return this;
    }

    /**
     * Reads Canaries from these caches (the resync lists memory, not the API server) and ticks a
     * canary as soon as its Canary spec, its target's pod template or a ConfigMap or Secret the
     * target references changes, or it is deleted (the engine still decides whether anything is
     * due). Build the workload, event sink and status store on the same informers.
     */
    public Builder informers(KubernetesInformers informers) {
      this.informers = Objects.requireNonNull(informers, "informers");
      return this;
    }

    /**
     * At most this many ticks per second are started by change events (the rest are spread
     * over the following seconds), so a ConfigMap shared by 500 canaries does not start 500 new
     * analyses at once; default 20.
     */
    public Builder eventTicksPerSecond(double eventTicksPerSecond) {
      if (!(eventTicksPerSecond > 0) || Double.isInfinite(eventTicksPerSecond)) {
        throw new IllegalArgumentException("eventTicksPerSecond must be positive, got "
            + eventTicksPerSecond);
      }
      this.eventTicksPerSecond = eventTicksPerSecond;
      return this;
    }

    /**
     * Splits the canaries across replicas instead of electing one leader: canary
     * {@code namespace/name} belongs to one of {@code shards} shards by a hash of its key, each
     * shard is a Lease {@code <prefix>-<n>} in {@code leaseNamespace}, and each replica renews a
     * member Lease and holds its fair share of the shards (see {@link #leaderElectionTimings} for
     * the timings). A replica that stops loses its shards within the lease duration and the others
     * take its canaries over from their persisted status. Needs RBAC get, list, create and update
     * on leases. Use more shards than replicas (for example 4 per replica) for an even split.
     */
    public Builder shards(String leaseNamespace, String prefix, int shards, String identity) {
      this.shardNamespace = requireText(leaseNamespace, "leaseNamespace");
      this.shardPrefix = requireText(prefix, "prefix");
      this.shardIdentity = requireText(identity, "identity");
      if (shards < 1 || shards > 1024) {
        throw new IllegalArgumentException("shards must be between 1 and 1024, got " + shards);
      }
      this.shardCount = shards;
      return this;
    }

    public CanaryController build() {
      return new CanaryController(this);
    }

    private static String requireText(String value, String name) {
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException(name + " must not be empty");
      }
      return value;
    }

    private static void requirePositive(Duration value, String name) {
      Objects.requireNonNull(value, name);
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, got " + value);
      }
    }
  }

  /**
   * Starts the resync loop; canaries are picked up at once. With leader election the loop starts
   * when this replica becomes the leader. Idempotent.
   */
  public synchronized void start() {
    if (started || closed) {
      return;
    }
    started = true;
    if (leaderElection == null) {
      startLoop();
    } else {
      elect();
    }
    if (shards != null) {
      shardLoop = executor.scheduleWithFixedDelay(this::shardRound, 0, shardRetryPeriod.toMillis(),
          TimeUnit.MILLISECONDS);
    }
    if (ownsExecutor && maxWorkers > minWorkers) {
      executor.scheduleWithFixedDelay(() -> resize(System.nanoTime()), SIZING_PERIOD.toMillis(),
          SIZING_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Sizes the controller's own pool from the tick time since the last sizing. */
  void resize(long now) {
    long busy = busyNanos.sumThenReset();
    long elapsed = now - sizedAt;
    sizedAt = now;
    if (!(executor instanceof java.util.concurrent.ThreadPoolExecutor pool) || !ownsExecutor) {
      return;
    }
    int size = poolSize(busy, elapsed, minWorkers, maxWorkers);
    if (size != pool.getCorePoolSize()) {
      LOG.info("tick workers {} -> {} (ticks kept {} threads busy over the last {} s)",
          pool.getCorePoolSize(), size, String.format("%.2f", elapsed <= 0 ? 0 : (double) busy / elapsed),
          TimeUnit.NANOSECONDS.toSeconds(elapsed));
      pool.setCorePoolSize(size);
    }
  }

  /** Little's law: the threads that {@code busy} nanoseconds of ticks over {@code elapsed} need at the target utilization. */
  static int poolSize(long busy, long elapsed, int min, int max) {
    if (elapsed <= 0) {
      return min;
    }
    int needed = (int) Math.ceil((double) busy / elapsed / TARGET_UTILIZATION);
    return Math.max(min, Math.min(max, needed));
  }

  /** Threads of the controller's own pool now (its core size), or -1 with the host's executor. */
  public int workerCount() {
    return ownsExecutor && executor instanceof java.util.concurrent.ThreadPoolExecutor pool
        ? pool.getCorePoolSize() : -1;
  }

  /** Adds tick time, as a tick does when it ends (for tests). */
  void recordBusy(long nanos) {
    busyNanos.add(nanos);
  }

  /**
   * Stops scheduling and, with leader election, releases the Lease; a tick in progress finishes.
   * Shuts down the pool only if it is the controller's own.
   */
  @Override
  public void close() {
    CompletableFuture<?> standing;
    synchronized (this) {
      closed = true;
      standing = election;
      election = null;
    }
    if (standing != null) {
      standing.cancel(true);
    }
    stopShards(true);
    stopLoop();
    if (ownsExecutor) {
      executor.shutdown();
    }
  }

  private void shardRound() {
    try {
      if (shards.round()) {
        resyncSafely();
      }
    } catch (RuntimeException e) {
      LOG.warn("shard leases: {}", e.getMessage());
    }
  }

  private void stopShards(boolean release) {
    java.util.concurrent.Future<?> loop;
    synchronized (this) {
      loop = shardLoop;
      shardLoop = null;
    }
    if (loop != null) {
      loop.cancel(false);
    }
    if (shards != null) {
      if (release) {
        shards.release();
      } else {
        shards.halt();
      }
    }
  }

  /** Stops as a replica that died would: no more ticks or renewals, leases left to expire. For tests. */
  void halt() {
    stopShards(false);
    stopLoop();
  }

  /** The shards this replica holds now (empty without {@link Builder#shards}). */
  public java.util.Set<Integer> ownedShards() {
    return shards == null ? java.util.Set.of() : shards.owned();
  }

  private boolean mine(String key) {
    return shards == null || shards.owns(key);
  }

  /** Whether ticks are being scheduled: started and, with leader election, holding the Lease. */
  public boolean isLeading() {
    return running;
  }

  private synchronized void startLoop() {
    if (running || closed) {
      return;
    }
    running = true;
    if (informers != null && !handlersAdded) {
      handlersAdded = true;
      new ChangeTriggers(informers, namespace, this::kick, this::forget).register();
    }
    try {
      resync = executor.scheduleWithFixedDelay(this::resyncSafely, 0,
          resyncInterval.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      running = false;
      LOG.warn("the executor refused the resync loop: {}", e.getMessage());
    }
  }

  private synchronized void stopLoop() {
    running = false;
    if (resync != null) {
      resync.cancel(false);
      resync = null;
    }
    scheduled.values().forEach(Slot::cancel);
    scheduled.clear();
  }

  /** Stands for election; when a term ends (lost or failed) and the controller is open, stands again. */
  private synchronized void elect() {
    if (closed) {
      return;
    }
    CompletableFuture<?> term = client.leaderElector().withConfig(leaderElection).build().start();
    election = term;
    term.whenComplete((ignored, failure) -> {
      if (failure != null && !(failure instanceof CancellationException)) {
        LOG.warn("leader election on lease {} ended: {}", leaderElection.getName(), failure.getMessage());
      }
      stopLoop();
      synchronized (this) {
        if (closed || election != term) {
          return;
        }
      }
      try {
        executor.schedule(this::elect, leaderElection.getRetryPeriod().toMillis(), TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        LOG.debug("executor stopped; not standing for election again");
      }
    });
  }

  private void startedLeading() {
    LOG.info("acquired lease {}; scheduling canaries", leaderElection.getName());
    startLoop();
    leadershipListener.accept("leading");
  }

  private void stoppedLeading() {
    if (running) {
      LOG.info("lost lease {}; no more canary ticks until it is acquired again",
          leaderElection.getName());
    }
    stopLoop();
    leadershipListener.accept("stopped");
  }

  private void newLeader(String identity) {
    LOG.info("canary controller leader on lease {} is {}", leaderElection.getName(), identity);
    leadershipListener.accept("leader=" + identity);
  }

  /**
   * Runs one pass for a canary now, on the calling thread: reads it, keeps its finalizer in line
   * with {@code spec.revertOnDeletion}, runs the engine ({@link AnalysisEngine#terminate} once it
   * is being deleted with the finalizer, else {@link AnalysisEngine#reconcile}), which writes the
   * status through its {@link io.canaryanalysis.api.StatusStore} (build the engine with
   * {@code statusStore(CanaryResources.create(client))}); the finalizer is removed once the canary is {@code Terminated}. Empty
   * when the canary does not exist, or is being deleted without the finalizer (it is left alone).
   *
   * @throws ManifestException when the Canary object is not valid (a Canary being deleted with the
   *     finalizer stays until it is fixed or the finalizer is removed by hand)
   * @throws io.canaryanalysis.api.ProviderException when reading or writing the Canary fails
   */
  public Optional<TickReport> reconcile(String namespace, String name) {
    GenericKubernetesResource resource = resources.get(namespace, name);
    if (resource == null) {
      return Optional.empty();
    }
    boolean finalizer = CanaryResources.hasFinalizer(resource, FINALIZER);
    boolean deleting = CanaryResources.isBeingDeleted(resource);
    if (deleting && !finalizer) {
      LOG.debug("canary {}.{} is being deleted without {}; left alone", name, namespace, FINALIZER);
      return Optional.empty();
    }
    CanaryDocument document = document(resource);
    for (var notice : document.notices()) {
      LOG.debug("canary {}.{}: {}", name, namespace, notice);
    }
    Canary canary = document.canary();
    boolean revert = canary.spec().revertOnDeletion();
    boolean changed = false;
    if (!revert && finalizer) {
      changed = resources.removeFinalizer(resource, FINALIZER);
      if (deleting) {
        return Optional.empty();
      }
    } else if (revert && !finalizer) {
      changed = resources.addFinalizer(resource, FINALIZER);
    }
    if (changed) {
      // The finalizer patch moved the resourceVersion the status write is guarded by.
      resource = resources.get(namespace, name);
      if (resource == null) {
        return Optional.empty();
      }
      document = document(resource);
      canary = document.canary();
    }
    if (!deleting) {
      warnings.report(resource, document);
    }
    if (deleting) {
      TickReport report = engine.terminate(canary, document.status());
      if (report.status().phase() == CanaryPhase.TERMINATED) {
        resources.removeFinalizer(resource, FINALIZER);
      }
      return Optional.of(report);
    }
    return Optional.of(engine.reconcile(canary, document.status()));
  }

  /** The stored object read as a Canary; an invalid one is recorded as a spec incident first. */
  private CanaryDocument document(GenericKubernetesResource resource) {
    try {
      return resources.toDocument(resource);
    } catch (ManifestException e) {
      reportInvalid(engine, e);
      throw e;
    }
  }

  /**
   * Records an invalid Canary as a spec incident in its status and alerts its subscribers once
   * ({@link AnalysisEngine#reportInvalid}), when the reader could still read its identity, alerts
   * and status; never throws.
   */
  public static void reportInvalid(AnalysisEngine engine, ManifestException invalid) {
    invalid.partial().ifPresent(partial -> {
      try {
        engine.reportInvalid(partial.canary(), partial.status() == null
            ? io.canaryanalysis.api.status.CanaryStatus.initial() : partial.status(), invalid.problems());
      } catch (RuntimeException e) {
        LOG.warn("canary {}: recording its invalid spec failed: {}", partial.canary().key(), e.getMessage());
      }
    });
  }

  /** Lists the canaries and schedules those not yet scheduled; returns how many were added. */
  int resync() {
    int added = 0;
    for (GenericKubernetesResource item : resources.list(namespace)) {
      String ns = item.getMetadata().getNamespace();
      String name = item.getMetadata().getName();
      String key = ns + "/" + name;
      if (running && mine(key) && !scheduled.containsKey(key)) {
        Slot slot = new Slot(key, ns, name);
        if (scheduled.putIfAbsent(key, slot) == null) {
          schedule(slot, Duration.ZERO);
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

  /**
   * Ticks the canary {@code namespace/name} soon (paced by {@link Builder#eventTicksPerSecond}):
   * a tick in progress is followed by another; a tick already due sooner is kept.
   */
  void kick(String namespace, String name) {
    if (!running) {
      return;
    }
    String key = namespace + "/" + name;
    if (!mine(key)) {
      return;
    }
    Slot slot = scheduled.computeIfAbsent(key, k -> new Slot(k, namespace, name));
    synchronized (slot) {
      if (slot.running) {
        slot.kicked = true;
        return;
      }
      long now = System.nanoTime();
      if (slot.next != null && slot.next.getDelay(TimeUnit.NANOSECONDS) <= eventTicks.peekNanos(now)) {
        return;
      }
      schedule(slot, Duration.ofNanos(eventTicks.delayNanos(now)));
    }
  }

  /** A deleted canary: its pending tick is dropped. */
  void forget(String namespace, String name) {
    warnings.forget(namespace, name);
    Slot slot = scheduled.remove(namespace + "/" + name);
    if (slot != null) {
      slot.cancel();
    }
  }

  private void schedule(Slot slot, Duration delay) {
    synchronized (slot) {
      if (!running) {
        scheduled.remove(slot.key, slot);
        return;
      }
      if (slot.next != null) {
        slot.next.cancel(false);
      }
      long token = ++slot.token;
      long due = System.nanoTime() + delay.toNanos();
      try {
        slot.next = executor.schedule(() -> tick(slot, token, due), delay.toMillis(),
            TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        scheduled.remove(slot.key, slot);
      }
    }
  }

  private void tick(Slot slot, long token, long due) {
    synchronized (slot) {
      if (slot.token != token || slot.running || slot.cancelled) {
        return;
      }
      if (!mine(slot.key)) {
        // Another replica's shard now: it ticks the canary from the persisted status.
        slot.cancelled = true;
        scheduled.remove(slot.key, slot);
        return;
      }
      slot.running = true;
      slot.next = null;
    }
    long started = System.nanoTime();
    lag.record(started - due);
    try {
      runTick(slot);
    } finally {
      busyNanos.add(System.nanoTime() - started);
    }
  }

  private void runTick(Slot slot) {
    String ns = slot.namespace;
    String name = slot.name;
    Duration next;
    try {
      Optional<TickReport> report = reconcile(ns, name);
      if (report.isEmpty()) {
        LOG.debug("canary {}.{} no longer exists", name, ns);
        warnings.forget(ns, name);
        synchronized (slot) {
          slot.running = false;
          scheduled.remove(slot.key, slot);
        }
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
    synchronized (slot) {
      slot.running = false;
      if (slot.cancelled) {
        return;
      }
      if (slot.kicked) {
        slot.kicked = false;
        next = Duration.ofNanos(eventTicks.delayNanos(System.nanoTime()));
      } else if (next.compareTo(MIN_DELAY) < 0) {
        next = MIN_DELAY;
      }
      schedule(slot, next);
    }
  }

  /** Number of canaries currently scheduled (for tests and metrics). */
  int scheduledCount() {
    return scheduled.size();
  }

  /**
   * How late ticks started against their schedule over the last 4,096 ticks, at {@code quantile}
   * (0.5 for the median, 0.99): the queue lag of the worker pool. Zero before the first tick.
   */
  public Duration queueLag(double quantile) {
    return Duration.ofNanos(lag.quantile(quantile));
  }

  /** One canary's place in the schedule: at most one pending tick and one running at a time. */
  private static final class Slot {
    final String key;
    final String namespace;
    final String name;
    ScheduledFuture<?> next;
    long token;
    boolean running;
    boolean kicked;
    boolean cancelled;

    Slot(String key, String namespace, String name) {
      this.key = key;
      this.namespace = namespace;
      this.name = name;
    }

    synchronized void cancel() {
      cancelled = true;
      if (next != null) {
        next.cancel(false);
        next = null;
      }
    }
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
