package io.canaryanalysis.kubernetes;

import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.EventSink;
import io.canaryanalysis.api.EventType;
import io.canaryanalysis.api.Redaction;
import io.canaryanalysis.api.spec.Canary;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records the analysis' events as core/v1 Kubernetes Events on the Canary (involvedObject
 * {@code flagger.app/v1beta1} Canary, with its uid), reason {@code Synced}, type Normal or
 * Warning, source component {@code canary-analysis}, the way Flagger's client-go recorder does.
 *
 * <p>A repeat of the same event (same canary, type, reason and message) bumps {@code count} and
 * {@code lastTimestamp} of the Event already written instead of creating another, as client-go's
 * correlator does, with one PATCH and no GET (the sink remembers the name and count it wrote); the
 * dedup cache is bounded (LRU). Never throws: failures are logged.
 * The canary's uid is looked up once per canary and cached.
 *
 * <p>Flagger's step events ({@code Advance podinfo.test canary weight 20}, {@code … canary
 * iteration 3/10}, {@code … primary weight 60}: type Normal, message starting with {@code Advance })
 * of one canary are by default one Event per run of steps ({@link StepEvents#SERIES}): the first
 * step creates it, later steps are written as one PATCH of its message, count and lastTimestamp
 * when {@link Builder#stepSeriesHeartbeat} has passed, when the canary's next other event comes
 * (the series is written before it, so the order holds, and ends: the next step starts a new
 * Event), on {@link #flush} and on {@link #close}. An Event expired meanwhile is created again. {@code kubectl describe canary} then shows {@code Normal Synced (x5 over 4m)
 * Advance podinfo.test canary weight 50}, and a steady analysed tick sends no event request.
 * The texts are Flagger's either way; {@link StepEvents#EACH} writes every step as its own Event,
 * as Flagger does.
 *
 * <p>Messages are redacted ({@link Redaction}) and only then cut to {@value #MAX_MESSAGE_LENGTH}
 * characters, so a cut can never leave part of a secret readable.
 */
public final class KubernetesEventSink implements EventSink, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesEventSink.class);
  /** The default {@code source.component}. */
  public static final String DEFAULT_COMPONENT = "canary-analysis";
  /** The longest message written, as the Kubernetes events API allows for a note. */
  public static final int MAX_MESSAGE_LENGTH = 1024;
  /** The default {@link Builder#stepSeriesHeartbeat}. */
  public static final Duration DEFAULT_STEP_SERIES_HEARTBEAT = Duration.ofMinutes(5);
  private static final String STEP_PREFIX = "Advance ";

  /** How the step events ({@code Advance …}, type Normal) of a canary are written. */
  public enum StepEvents {
    /**
     * One Event per run of steps, its count, latest message and lastTimestamp written on the
     * heartbeat, at the canary's next other event, on {@link #flush} and {@link #close}. The default.
     */
    SERIES,
    /** Every step its own Event (a repeat of the same text bumped), as Flagger writes them. */
    EACH
  }

  private final KubernetesClient client;
  private final String component;
  private final String instance;
  private final InstantSource clock;
  private final Map<String, Written> written;
  private final Map<String, String> uids;
  private final KubernetesInformers informers;
  private final EventLane lane;
  private final StepEvents stepEvents;
  private final Duration heartbeat;
  private final int cacheSize;
  /** The open step series by canary (namespace and name), least recently used first. */
  private final LinkedHashMap<String, Series> series = new LinkedHashMap<>(16, 0.75f, true);

  /** An Event already written: its name and count. */
  private record Written(String name, int count) {}

  /**
   * The steps of one canary since its last other event, and what of them is written. Guarded by
   * its own monitor; {@code ended} once it left the map, after which its steps go to a new one.
   */
  private static final class Series {
    final String namespace;
    final String canaryName;
    final String reason;
    String eventName;
    int count;
    int writtenCount;
    String message;
    String first;
    String last;
    Instant lastTime;
    Instant writtenAt;
    boolean ended;

    Series(String namespace, String canaryName, String reason) {
      this.namespace = namespace;
      this.canaryName = canaryName;
      this.reason = reason;
    }

    boolean pending() {
      return count > writtenCount;
    }
  }

  private KubernetesEventSink(Builder b) {
    this.client = b.client;
    this.component = b.component;
    this.instance = b.instance;
    this.clock = b.clock;
    this.written = lru(b.cacheSize);
    this.uids = lru(b.cacheSize);
    this.informers = b.informers;
    this.stepEvents = b.stepEvents;
    this.heartbeat = b.heartbeat;
    this.cacheSize = b.cacheSize;
    this.lane = b.eventsPerSecond > 0
        ? new EventLane(this::recordSafely, b.eventsPerSecond, b.queueSize) : null;
  }

  public static KubernetesEventSink create(KubernetesClient client) {
    return builder(client).build();
  }

  public static Builder builder(KubernetesClient client) {
    return new Builder(client);
  }

  /** Configures a {@link KubernetesEventSink}. */
  public static final class Builder {
    private final KubernetesClient client;
    private String component = DEFAULT_COMPONENT;
    private String instance;
    private InstantSource clock = InstantSource.system();
    private int cacheSize = 4096;
    private KubernetesInformers informers;
    private double eventsPerSecond;
    private int queueSize;
    private StepEvents stepEvents = StepEvents.SERIES;
    private Duration heartbeat = DEFAULT_STEP_SERIES_HEARTBEAT;

    private Builder(KubernetesClient client) {
      this.client = Objects.requireNonNull(client, "client");
    }

    /** Looks up the Canary's uid in these caches instead of a GET. */
    public Builder informers(KubernetesInformers informers) {
      this.informers = Objects.requireNonNull(informers, "informers");
      return this;
    }

    /** {@code source.component} and {@code reportingComponent}; default {@value #DEFAULT_COMPONENT}. */
    public Builder component(String component) {
      this.component = Objects.requireNonNull(component, "component");
      return this;
    }

    /** {@code source.host} and {@code reportingInstance}, for example the pod name; default none. */
    public Builder instance(String instance) {
      this.instance = instance;
      return this;
    }

    /** The time of events that carry none; default the system clock. */
    public Builder clock(InstantSource clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * How the step events ({@code Advance …}) are written: {@link StepEvents#SERIES} (the default)
     * one Event per run of steps, {@link StepEvents#EACH} one per step, as Flagger.
     */
    public Builder stepEvents(StepEvents stepEvents) {
      this.stepEvents = Objects.requireNonNull(stepEvents, "stepEvents");
      return this;
    }

    /**
     * How long, by the events' own times, a step series goes without being written while steps
     * keep coming; default {@link #DEFAULT_STEP_SERIES_HEARTBEAT 5 minutes}. Zero writes every
     * step (one PATCH of the same Event). Checked when a step arrives: there is no timer.
     */
    public Builder stepSeriesHeartbeat(Duration heartbeat) {
      Objects.requireNonNull(heartbeat, "heartbeat");
      if (heartbeat.isNegative()) {
        throw new IllegalArgumentException("stepSeriesHeartbeat must not be negative, got " + heartbeat);
      }
      this.heartbeat = heartbeat;
      return this;
    }

    /**
     * How many distinct events (and canary uids, and open step series) are remembered for dedup;
     * default 4096. A step series pushed out is written first.
     */
    public Builder cacheSize(int cacheSize) {
      if (cacheSize < 1) {
        throw new IllegalArgumentException("cacheSize must be at least 1, got " + cacheSize);
      }
      this.cacheSize = cacheSize;
      return this;
    }

    /**
     * Records events on a thread of the sink's own, at most {@code eventsPerSecond}, from a queue
     * of {@code queueSize} (the oldest is dropped when it is full, and counted): events are the
     * lowest priority of a tick's requests, so a burst of them never delays a status or router
     * write or the next tick. Default: recorded on the tick's thread. {@link #close} stops it.
     */
    public Builder async(double eventsPerSecond, int queueSize) {
      if (!(eventsPerSecond > 0) || Double.isInfinite(eventsPerSecond)) {
        throw new IllegalArgumentException("eventsPerSecond must be positive, got " + eventsPerSecond);
      }
      if (queueSize < 1) {
        throw new IllegalArgumentException("queueSize must be at least 1, got " + queueSize);
      }
      this.eventsPerSecond = eventsPerSecond;
      this.queueSize = queueSize;
      return this;
    }

    public KubernetesEventSink build() {
      return new KubernetesEventSink(this);
    }
  }

  @Override
  public void event(CanaryEvent event) {
    if (lane != null) {
      lane.offer(event.time() == null ? withTime(event) : event);
      return;
    }
    recordSafely(event);
  }

  /** Events dropped because the async queue was full (0 when not async). */
  public long droppedEvents() {
    return lane == null ? 0 : lane.dropped();
  }

  /** Events waiting in the async queue (0 when not async). */
  public int queuedEvents() {
    return lane == null ? 0 : lane.size();
  }

  /**
   * Writes the steps of every open series not written yet (one PATCH each); the series stay open.
   * Events still queued on the async lane are not waited for. Never throws.
   */
  public void flush() {
    for (Series s : openSeries()) {
      synchronized (s) {
        if (!s.ended && s.pending()) {
          write(s);
        }
      }
    }
  }

  /**
   * Stops the async lane (events still queued are recorded first, for up to 5 seconds), then
   * writes and ends every open step series.
   */
  @Override
  public void close() {
    if (lane != null) {
      lane.close();
    }
    List<Series> open;
    synchronized (series) {
      open = new ArrayList<>(series.values());
      series.clear();
    }
    open.forEach(this::end);
  }

  private List<Series> openSeries() {
    synchronized (series) {
      return new ArrayList<>(series.values());
    }
  }

  private CanaryEvent withTime(CanaryEvent event) {
    return new CanaryEvent(event.canaryName(), event.namespace(), event.type(), event.reason(),
        event.message(), clock.instant());
  }

  private void recordSafely(CanaryEvent event) {
    try {
      record(event);
    } catch (RuntimeException e) {
      LOG.warn("could not record event for canary {}.{} ({}): {}", event.canaryName(),
          event.namespace(), event.reason(), Redaction.excerpt(e.getMessage(), 500));
    }
  }

  private void record(CanaryEvent event) {
    String message = Redaction.excerpt(event.message(), MAX_MESSAGE_LENGTH - 3);
    if (stepEvents == StepEvents.SERIES) {
      String canary = event.namespace() + "\0" + event.canaryName();
      if (event.type() == EventType.NORMAL && message.startsWith(STEP_PREFIX)) {
        step(canary, event, message);
        return;
      }
      Series open;
      synchronized (series) {
        open = series.remove(canary);
      }
      if (open != null) {
        end(open);
      }
    }
    recordOne(event, message);
  }

  /** Adds a step to the canary's open series (or starts one) and writes it when it is due. */
  private void step(String canary, CanaryEvent event, String message) {
    Instant time = event.time() == null ? clock.instant() : event.time();
    while (true) {
      Series s;
      Series evicted = null;
      synchronized (series) {
        s = series.get(canary);
        if (s == null) {
          s = new Series(event.namespace(), event.canaryName(), event.reason());
          series.put(canary, s);
          if (series.size() > cacheSize) {
            Iterator<Series> eldest = series.values().iterator();
            evicted = eldest.next();
            eldest.remove();
          }
        }
      }
      if (evicted != null) {
        end(evicted);
      }
      synchronized (s) {
        if (s.ended) {
          continue;
        }
        if (!s.reason.equals(event.reason())) {
          synchronized (series) {
            series.remove(canary, s);
          }
          end(s);
          continue;
        }
        String timestamp = timestamp(time);
        if (s.count == 0) {
          s.first = timestamp;
        }
        s.count++;
        s.message = message;
        s.last = timestamp;
        s.lastTime = time;
        if (s.eventName == null || !time.isBefore(s.writtenAt.plus(heartbeat))) {
          write(s);
        }
        return;
      }
    }
  }

  /** Writes what is pending of a series that left the map and marks it ended. */
  private void end(Series s) {
    synchronized (s) {
      s.ended = true;
      if (s.pending()) {
        write(s);
      }
    }
  }

  /**
   * Writes a series: creates its Event (the whole series) the first time or when the Event
   * expired, otherwise one JSON PATCH of message, count and lastTimestamp, no GET. Never throws:
   * a failed write stays pending. The caller holds the series' monitor.
   */
  private void write(Series s) {
    try {
      if (s.eventName == null || !patchSeries(s)) {
        s.eventName = create(s.namespace, s.canaryName, EventType.NORMAL, s.reason, s.message,
            s.count, s.first, s.last);
      }
      s.writtenCount = s.count;
      s.writtenAt = s.lastTime;
    } catch (RuntimeException e) {
      LOG.warn("could not record the step events of canary {}.{} ({}): {}", s.canaryName,
          s.namespace, s.reason, Redaction.excerpt(e.getMessage(), 500));
    }
  }

  /** One JSON PATCH of the series' Event; false when it is gone (expired). */
  private boolean patchSeries(Series s) {
    return patch(s.namespace, s.eventName, List.of(
        Map.of("op", "replace", "path", "/message", "value", s.message),
        Map.of("op", "replace", "path", "/count", "value", s.count),
        Map.of("op", "replace", "path", "/lastTimestamp", "value", s.last)));
  }

  private void recordOne(CanaryEvent event, String message) {
    String key = event.namespace() + "\0" + event.canaryName() + "\0" + event.type().value()
        + "\0" + event.reason() + "\0" + message;
    String timestamp = timestamp(event.time() == null ? clock.instant() : event.time());
    Written previous;
    synchronized (written) {
      previous = written.get(key);
    }
    if (previous != null && bump(event, previous, timestamp)) {
      synchronized (written) {
        written.put(key, new Written(previous.name(), previous.count() + 1));
      }
      return;
    }
    String name = create(event.namespace(), event.canaryName(), event.type(), event.reason(),
        message, 1, timestamp, timestamp);
    synchronized (written) {
      written.put(key, new Written(name, 1));
    }
  }

  /** Creates an Event on the canary and returns its name. */
  private String create(String namespace, String canaryName, EventType type, String reason,
      String message, int count, String first, String last) {
    Event created = client.v1().events().inNamespace(namespace).resource(new EventBuilder()
        .withNewMetadata()
        .withGenerateName(canaryName + ".")
        .withNamespace(namespace)
        .endMetadata()
        .withNewInvolvedObject()
        .withApiVersion(Canary.API_VERSION)
        .withKind(Canary.KIND)
        .withName(canaryName)
        .withNamespace(namespace)
        .withUid(uid(namespace, canaryName).orElse(null))
        .endInvolvedObject()
        .withReason(reason)
        .withMessage(message)
        .withType(type.value())
        .withCount(count)
        .withFirstTimestamp(first)
        .withLastTimestamp(last)
        .withNewSource().withComponent(component).withHost(instance).endSource()
        .withReportingComponent(component)
        .withReportingInstance(instance)
        .build()).create();
    return created.getMetadata().getName();
  }

  /** Bumps count and lastTimestamp of an Event already written; false when it is gone. */
  private boolean bump(CanaryEvent event, Written previous, String timestamp) {
    return patch(event.namespace(), previous.name(), List.of(
        Map.of("op", "replace", "path", "/count", "value", previous.count() + 1),
        Map.of("op", "replace", "path", "/lastTimestamp", "value", timestamp)));
  }

  /** One JSON PATCH of an Event this sink wrote; false when it is gone (expired). */
  private boolean patch(String namespace, String name, List<Map<String, Object>> operations) {
    String patch = client.getKubernetesSerialization().asJson(operations);
    // Patched through a stand-in that names the Event: fabric8's withName(..).patch(..) GETs the
    // object first, which the in-memory record of what was written makes unnecessary.
    Event named = new EventBuilder().withNewMetadata().withName(name)
        .withNamespace(namespace).endMetadata().build();
    try {
      client.v1().events().inNamespace(namespace).resource(named)
          .patch(PatchContext.of(PatchType.JSON), patch);
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == KubeCalls.NOT_FOUND || e.getCode() == 422) {
        LOG.debug("event {} expired; recording a new one", name);
        return false;
      }
      throw e;
    }
  }

  private Optional<String> uid(String namespace, String canaryName) {
    String key = namespace + "/" + canaryName;
    synchronized (uids) {
      String cached = uids.get(key);
      if (cached != null) {
        return Optional.of(cached);
      }
    }
    if (informers != null && informers.covers(namespace)) {
      GenericKubernetesResource cached = informers.canary(namespace, canaryName);
      return cached == null ? Optional.empty() : Optional.ofNullable(cached.getMetadata().getUid());
    }
    try {
      GenericKubernetesResource canary = client.genericKubernetesResources(FlaggerKinds.CANARY)
          .inNamespace(namespace).withName(canaryName).get();
      if (canary == null || canary.getMetadata().getUid() == null) {
        return Optional.empty();
      }
      synchronized (uids) {
        uids.put(key, canary.getMetadata().getUid());
      }
      return Optional.of(canary.getMetadata().getUid());
    } catch (KubernetesClientException e) {
      LOG.debug("could not look up the uid of canary {}: {}", key, Redaction.excerpt(e.getMessage(), 500));
      return Optional.empty();
    }
  }

  private static String timestamp(Instant time) {
    return DateTimeFormatter.ISO_INSTANT.format(time.truncatedTo(ChronoUnit.SECONDS));
  }

  private static <V> Map<String, V> lru(int size) {
    return new LinkedHashMap<>(16, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
        return size() > size;
      }
    };
  }
}
