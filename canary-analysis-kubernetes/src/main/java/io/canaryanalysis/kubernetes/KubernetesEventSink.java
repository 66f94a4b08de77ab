package io.canaryanalysis.kubernetes;

import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.EventSink;
import io.canaryanalysis.api.Redaction;
import io.canaryanalysis.api.spec.Canary;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Instant;
import java.time.InstantSource;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
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
 * <p>Messages are redacted ({@link Redaction}) and only then cut to {@value #MAX_MESSAGE_LENGTH}
 * characters, so a cut can never leave part of a secret readable.
 */
public final class KubernetesEventSink implements EventSink, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesEventSink.class);
  /** The default {@code source.component}. */
  public static final String DEFAULT_COMPONENT = "canary-analysis";
  /** The longest message written, as the Kubernetes events API allows for a note. */
  public static final int MAX_MESSAGE_LENGTH = 1024;

  private final KubernetesClient client;
  private final String component;
  private final String instance;
  private final InstantSource clock;
  private final Map<String, Written> written;
  private final Map<String, String> uids;
  private final KubernetesInformers informers;
  private final EventLane lane;

  /** An Event already written: its name and count. */
  private record Written(String name, int count) {}

  private KubernetesEventSink(Builder b) {
    this.client = b.client;
    this.component = b.component;
    this.instance = b.instance;
    this.clock = b.clock;
    this.written = lru(b.cacheSize);
    this.uids = lru(b.cacheSize);
    this.informers = b.informers;
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

    /** How many distinct events (and canary uids) are remembered for dedup; default 4096. */
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

  /** Stops the async lane (events still queued are recorded first, for up to 5 seconds). */
  @Override
  public void close() {
    if (lane != null) {
      lane.close();
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
    Event created = client.v1().events().inNamespace(event.namespace()).resource(new EventBuilder()
        .withNewMetadata()
        .withGenerateName(event.canaryName() + ".")
        .withNamespace(event.namespace())
        .endMetadata()
        .withNewInvolvedObject()
        .withApiVersion(Canary.API_VERSION)
        .withKind(Canary.KIND)
        .withName(event.canaryName())
        .withNamespace(event.namespace())
        .withUid(uid(event).orElse(null))
        .endInvolvedObject()
        .withReason(event.reason())
        .withMessage(message)
        .withType(event.type().value())
        .withCount(1)
        .withFirstTimestamp(timestamp)
        .withLastTimestamp(timestamp)
        .withNewSource().withComponent(component).withHost(instance).endSource()
        .withReportingComponent(component)
        .withReportingInstance(instance)
        .build()).create();
    synchronized (written) {
      written.put(key, new Written(created.getMetadata().getName(), 1));
    }
  }

  /** Bumps count and lastTimestamp of an Event already written; false when it is gone. */
  private boolean bump(CanaryEvent event, Written previous, String timestamp) {
    String patch = client.getKubernetesSerialization().asJson(java.util.List.of(
        Map.of("op", "replace", "path", "/count", "value", previous.count() + 1),
        Map.of("op", "replace", "path", "/lastTimestamp", "value", timestamp)));
    // Patched through a stand-in that names the Event: fabric8's withName(..).patch(..) GETs the
    // object first, which the in-memory record of what was written makes unnecessary.
    Event named = new EventBuilder().withNewMetadata().withName(previous.name())
        .withNamespace(event.namespace()).endMetadata().build();
    try {
      client.v1().events().inNamespace(event.namespace()).resource(named)
          .patch(PatchContext.of(PatchType.JSON), patch);
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == KubeCalls.NOT_FOUND || e.getCode() == 422) {
        LOG.debug("event {} expired; recording a new one", previous.name());
        return false;
      }
      throw e;
    }
  }

  private Optional<String> uid(CanaryEvent event) {
    String key = event.namespace() + "/" + event.canaryName();
    synchronized (uids) {
      String cached = uids.get(key);
      if (cached != null) {
        return Optional.of(cached);
      }
    }
    if (informers != null && informers.covers(event.namespace())) {
      GenericKubernetesResource cached = informers.canary(event.namespace(), event.canaryName());
      return cached == null ? Optional.empty() : Optional.ofNullable(cached.getMetadata().getUid());
    }
    try {
      GenericKubernetesResource canary = client.genericKubernetesResources(FlaggerKinds.CANARY)
          .inNamespace(event.namespace()).withName(event.canaryName()).get();
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
