package io.canaryanalysis.micrometer;

import io.canaryanalysis.api.CanaryAlert;
import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.EventSink;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.Strategy;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.api.status.CheckStatus;
import io.canaryanalysis.api.status.Measurement;
import io.canaryanalysis.api.status.OutcomeClass;
import java.time.Instant;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The Micrometer implementation of {@link CanaryMeters}. */
final class MicrometerCanaryMeters implements CanaryMeters {
  // Micrometer names; PrometheusNamingConvention turns dots into underscores, appends "_total" to
  // counters and the base unit ("_seconds") to timers, which yields Flagger's exact names.
  static final String INFO = "flagger.info";
  // The Prometheus Java client 1.x reserves "_total" for counters and strips it from gauge names,
  // so Flagger's gauge flagger_canary_total can only be exposed as a (function) counter named
  // "flagger.canary": same series name and labels, TYPE counter instead of gauge.
  static final String TOTAL = "flagger.canary";
  static final String STATUS = "flagger.canary.status";
  static final String WEIGHT = "flagger.canary.weight";
  static final String DURATION = "flagger.canary.duration";
  static final String METRIC_ANALYSIS = "flagger.canary.metric.analysis";
  static final String SUCCESSES = "flagger.canary.successes";
  static final String FAILURES = "flagger.canary.failures";

  static final String TICK = "canary.analysis.tick";
  static final String PROVIDER_CALL = "canary.analysis.provider.call";
  static final String PROVIDER_ERRORS = "canary.analysis.provider.errors";
  static final String QUEUE_LAG = "canary.analysis.queue.lag";
  static final String EVENTS = "canary.analysis.events";
  static final String ALERTS = "canary.analysis.alerts";
  static final String CHECK_OUTCOMES = "canary.analysis.check.outcomes";

  static final int MAX_PROVIDER_KINDS = 32;
  static final String OTHER_KIND = "other";

  /** Prometheus client_golang's DefBuckets, which Flagger's duration histogram uses. */
  static final Duration[] FLAGGER_BUCKETS = {
      Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
      Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
      Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};

  private final MeterRegistry registry;
  private final Map<String, Series> series = new ConcurrentHashMap<>();
  private final Map<String, Set<String>> canariesByNamespace = new ConcurrentHashMap<>();
  private final Set<String> providerKinds = ConcurrentHashMap.newKeySet();
  private final Timer tick;
  private final Timer queueLag;

  MicrometerCanaryMeters(CanaryMeters.Builder builder) {
    this.registry = builder.registry;
    if (builder.version != null) {
      Gauge.builder(INFO, () -> 1.0)
          .description("Flagger version and mesh provider information")
          .tags("version", builder.version, "mesh_provider", builder.meshProvider)
          .strongReference(true)
          .register(registry);
    }
    this.tick = Timer.builder(TICK)
        .description("Duration of one analysis tick, all canaries")
        .register(registry);
    this.queueLag = Timer.builder(QUEUE_LAG)
        .description("How late analysis ticks start after they are due")
        .register(registry);
  }

  @Override
  public void recordStatus(Canary canary, CanaryStatus status) {
    Objects.requireNonNull(status, "status");
    Series s = series(canary);
    s.status.set(statusValue(status.phase()));
    s.primaryWeight.set(100 - status.canaryWeight());
    s.canaryWeight.set(status.canaryWeight());
    s.countOutcomes(status.checks());
    CanaryPhase previous = s.swapPhase(status.phase());
    if (previous == null || previous == status.phase()) {
      return;
    }
    if (status.phase() == CanaryPhase.SUCCEEDED) {
      s.counter(SUCCESSES, "Total number of canary successes", strategy(canary),
          canary.spec().skipAnalysis() ? "skipped" : "completed").increment();
    } else if (status.phase() == CanaryPhase.FAILED) {
      s.counter(FAILURES, "Total number of canary failures", strategy(canary), "completed")
          .increment();
    }
  }

  @Override
  public void recordWeights(Canary canary, int primaryWeight, int canaryWeight) {
    Series s = series(canary);
    s.primaryWeight.set(primaryWeight);
    s.canaryWeight.set(canaryWeight);
  }

  @Override
  public void recordMetricAnalysis(Canary canary, String metric, double value) {
    Objects.requireNonNull(metric, "metric");
    series(canary).metric(metric).set(value);
  }

  @Override
  public void recordTick(Canary canary, Duration duration) {
    Objects.requireNonNull(duration, "duration");
    series(canary).duration.record(duration);
    tick.record(duration);
  }

  @Override
  public void recordProviderCall(String kind, Duration duration, boolean error) {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(duration, "duration");
    String bounded = boundedKind(kind);
    Timer.builder(PROVIDER_CALL)
        .description("Latency of provider calls (metrics, webhooks, routers, Kubernetes, alerts)")
        .tags("kind", bounded, "outcome", error ? "error" : "success")
        .register(registry)
        .record(duration);
    if (error) {
      Counter.builder(PROVIDER_ERRORS)
          .description("Failed provider calls")
          .tags("kind", bounded)
          .register(registry)
          .increment();
    }
  }

  @Override
  public void recordQueueLag(Duration lag) {
    Objects.requireNonNull(lag, "lag");
    queueLag.record(lag.isNegative() ? Duration.ZERO : lag);
  }

  @Override
  public void remove(Canary canary) {
    Objects.requireNonNull(canary, "canary");
    Series removed = series.remove(canary.key());
    if (removed != null) {
      removed.removeAll();
    }
    Set<String> keys = canariesByNamespace.get(canary.namespace());
    if (keys != null) {
      keys.remove(canary.key());
    }
  }

  @Override
  public EventSink eventSink(EventSink delegate) {
    Objects.requireNonNull(delegate, "delegate");
    return new EventSink() {
      @Override
      public void event(CanaryEvent event) {
        Counter.builder(EVENTS).description("Canary events by type")
            .tags("type", event.type().value()).register(registry).increment();
        delegate.event(event);
      }

      @Override
      public void alert(CanaryAlert alert) {
        Counter.builder(ALERTS).description("Canary alerts by severity")
            .tags("severity", alert.severity().manifestValue()).register(registry).increment();
        delegate.alert(alert);
      }
    };
  }

  private String boundedKind(String kind) {
    if (providerKinds.contains(kind)) {
      return kind;
    }
    synchronized (providerKinds) {
      if (providerKinds.size() < MAX_PROVIDER_KINDS) {
        providerKinds.add(kind);
        return kind;
      }
    }
    return OTHER_KIND;
  }

  /** The series of this canary, re-created when its target changed since the last call. */
  private Series series(Canary canary) {
    Objects.requireNonNull(canary, "canary");
    String target = canary.spec().targetRef().name();
    Series s = series.compute(canary.key(), (key, current) -> {
      if (current != null && current.target.equals(target)) {
        return current;
      }
      if (current != null) {
        current.removeAll();
      }
      return new Series(target, canary.namespace(), current == null ? null : current.phase);
    });
    canariesByNamespace.computeIfAbsent(canary.namespace(), ns -> {
      Set<String> keys = ConcurrentHashMap.newKeySet();
      FunctionCounter.builder(TOTAL, keys, Set::size)
          .description("Total number of canary object")
          .tags("namespace", ns)
          .register(registry);
      return keys;
    }).add(canary.key());
    return s;
  }

  static double statusValue(CanaryPhase phase) {
    switch (phase) {
      case PROGRESSING:
        return 0;
      case FAILED:
        return 2;
      default:
        return 1;
    }
  }

  private static String strategy(Canary canary) {
    Analysis analysis = canary.spec().analysis();
    return (analysis == null ? Strategy.CANARY : analysis.strategy()).flaggerName();
  }

  /** A gauge's value; the gauge reads it through a strong reference held by {@link Series}. */
  static final class Value {
    private volatile double value;

    void set(double value) {
      this.value = value;
    }

    double get() {
      return value;
    }
  }

  /** The meters labelled with one canary's target and namespace, removed together. */
  final class Series {
    final String target;
    final String namespace;
    final Value status = new Value();
    final Value primaryWeight = new Value();
    final Value canaryWeight = new Value();
    final Timer duration;
    private final List<Meter> meters = new ArrayList<>();
    private final Map<String, Value> metrics = new HashMap<>();
    private final Map<String, Counter> counters = new HashMap<>();
    private CanaryPhase phase;
    private boolean removed;
    /** Per check, the time of the newest measurement already counted; null until a first status was seen. */
    private Map<String, Instant> counted;
    private final Map<String, Counter> outcomeCounters = new HashMap<>();

    Series(String target, String namespace, CanaryPhase phase) {
      this.target = target;
      this.namespace = namespace;
      this.phase = phase;
      meters.add(Gauge.builder(STATUS, status, Value::get)
          .description("Last canary analysis result")
          .tags("name", target, "namespace", namespace)
          .register(registry));
      meters.add(Gauge.builder(WEIGHT, primaryWeight, Value::get)
          .description("The virtual service destination weight current value")
          .tags("workload", target + "-primary", "namespace", namespace)
          .register(registry));
      meters.add(Gauge.builder(WEIGHT, canaryWeight, Value::get)
          .description("The virtual service destination weight current value")
          .tags("workload", target, "namespace", namespace)
          .register(registry));
      duration = Timer.builder(DURATION)
          .description("Seconds spent performing canary analysis.")
          .tags("name", target, "namespace", namespace)
          .serviceLevelObjectives(FLAGGER_BUCKETS)
          .register(registry);
      meters.add(duration);
    }

    synchronized CanaryPhase swapPhase(CanaryPhase next) {
      CanaryPhase previous = phase;
      phase = next;
      return previous;
    }

    /**
     * Counts the measurements of {@code checks} newer than the last counted one of each check; the
     * first status seen only sets the marks, so a restarted process does not count a history again.
     */
    synchronized void countOutcomes(List<CheckStatus> checks) {
      boolean first = counted == null;
      if (first) {
        counted = new HashMap<>();
      }
      for (CheckStatus check : checks) {
        Instant mark = counted.get(check.name());
        Instant newest = mark;
        for (Measurement m : check.measurements()) {
          if (m.time() == null || (mark != null && !m.time().isAfter(mark))) {
            continue;
          }
          if (!first) {
            outcome(check.name(), m.outcome()).increment();
          }
          newest = newest == null || m.time().isAfter(newest) ? m.time() : newest;
        }
        if (newest != null) {
          counted.put(check.name(), newest);
        }
      }
    }

    private Counter outcome(String metric, OutcomeClass outcome) {
      return outcomeCounters.computeIfAbsent(metric + "|" + outcome.manifestValue(), k -> {
        Counter counter = Counter.builder(CHECK_OUTCOMES)
            .description("Measurements of analysis.metrics checks by outcome class")
            .tags(Tags.of("name", target, "namespace", namespace, "metric", metric,
                "outcome", outcome.manifestValue()))
            .register(registry);
        if (!removed) {
          meters.add(counter);
        }
        return counter;
      });
    }

    synchronized Value metric(String metric) {
      return metrics.computeIfAbsent(metric, m -> {
        Value value = new Value();
        Meter gauge = Gauge.builder(METRIC_ANALYSIS, value, Value::get)
            .description("Last canary analysis result per metric")
            .tags("name", target, "namespace", namespace, "metric", m)
            .register(registry);
        if (!removed) {
          meters.add(gauge);
        }
        return value;
      });
    }

    synchronized Counter counter(String name, String description, String strategy,
        String analysisStatus) {
      return counters.computeIfAbsent(name + "|" + strategy + "|" + analysisStatus, k -> {
        Counter counter = Counter.builder(name)
            .description(description)
            .tags(Tags.of("name", target, "namespace", namespace, "deployment_strategy", strategy,
                "analysis_status", analysisStatus))
            .register(registry);
        meters.add(counter);
        return counter;
      });
    }

    synchronized void removeAll() {
      removed = true;
      for (Meter meter : meters) {
        registry.remove(meter);
      }
      meters.clear();
    }
  }
}
