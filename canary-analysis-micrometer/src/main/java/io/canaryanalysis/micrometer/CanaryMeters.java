package io.canaryanalysis.micrometer;

import io.canaryanalysis.api.AnalysisObserver;
import io.canaryanalysis.api.EventSink;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.status.CanaryStatus;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Objects;

/**
 * Flagger's Prometheus meters, recorded through Micrometer so that a Prometheus scrape of the
 * host's registry shows Flagger's series and labels unchanged ({@code flagger_canary_status},
 * {@code flagger_canary_weight}, {@code flagger_canary_total},
 * {@code flagger_canary_duration_seconds}, {@code flagger_canary_metric_analysis},
 * {@code flagger_canary_successes_total}, {@code flagger_canary_failures_total},
 * {@code flagger_info}); existing dashboards and alert rules keep working. It also records the
 * library's own low-cardinality meters ({@code canary_analysis_*}: tick duration, provider call
 * latency and errors by kind, queue lag, events and alerts, check outcomes by class).
 *
 * <p>As in Flagger, the {@code name} label is the canary's target ({@code spec.targetRef.name}),
 * not the Canary's own name. Unlike Flagger, {@link #remove(Canary)} drops every series labelled
 * with a deleted canary, so a cluster with churn does not accumulate stale series.
 *
 * <p>It is an {@link AnalysisObserver}: pass it to {@code AnalysisEngine.Builder.observer} and the
 * engine feeds it (the controller adds queue lag and deletions).
 *
 * <p>Thread-safe; one instance per registry. Every method is cheap and never throws for valid
 * arguments, so it can be called from the analysis tick.
 */
public sealed interface CanaryMeters extends AnalysisObserver permits MicrometerCanaryMeters {

  /** The engine's observer hook: a tick records the stored status and the tick's duration. */
  @Override
  default void ticked(Canary canary, CanaryStatus status, Duration took) {
    recordStatus(canary, status);
    recordTick(canary, took);
  }

  @Override
  default void measured(Canary canary, String metric, double value) {
    recordMetricAnalysis(canary, metric, value);
  }

  @Override
  default void providerCalled(String kind, Duration took, boolean failed) {
    recordProviderCall(kind, took, failed);
  }

  @Override
  default void queueLag(Duration lag) {
    recordQueueLag(lag);
  }

  @Override
  default void deleted(Canary canary) {
    remove(canary);
  }

  /**
   * Records the canary's persisted status: {@code flagger_canary_status} (0 Progressing,
   * 2 Failed, 1 any other phase), {@code flagger_canary_weight} for {@code <target>-primary}
   * ({@code 100 - canaryWeight}) and {@code <target>} ({@code canaryWeight}), and
   * {@code flagger_canary_total} for the namespace. A change into Succeeded or Failed seen by this
   * instance increments {@code flagger_canary_successes_total} or
   * {@code flagger_canary_failures_total} once ({@code analysis_status="skipped"} for a promotion
   * with {@code skipAnalysis}); the first status seen for a canary counts nothing, so a restarted
   * controller does not count old outcomes again. Measurements in {@code status.checks} newer than
   * the last seen are counted in {@code canary_analysis_check_outcomes_total{name, namespace,
   * metric, outcome}} ({@code pass}, {@code fail}, {@code inconclusive}, {@code noData},
   * {@code providerError}), on the same first-status rule.
   */
  void recordStatus(Canary canary, CanaryStatus status);

  /**
   * Sets {@code flagger_canary_weight} to the weights the router reports, for hosts that know
   * them better than the status does (mirroring, a router that was changed by hand).
   */
  void recordWeights(Canary canary, int primaryWeight, int canaryWeight);

  /**
   * Sets {@code flagger_canary_metric_analysis{metric=...}} to the last value of one
   * {@code analysis.metrics[]} check (durations in seconds, as Flagger).
   */
  void recordMetricAnalysis(Canary canary, String metric, double value);

  /**
   * Observes one analysis tick of the canary: {@code flagger_canary_duration_seconds} (Flagger's
   * histogram with Prometheus' default buckets) and the unlabelled
   * {@code canary_analysis_tick_seconds}.
   */
  void recordTick(Canary canary, Duration duration);

  /**
   * Observes one call to a provider ({@code kind} such as {@code prometheus}, {@code webhook},
   * {@code router}, {@code kubernetes}, {@code alert}): {@code canary_analysis_provider_call_seconds
   * {kind,outcome}} and, for an error, {@code canary_analysis_provider_errors_total{kind}}. Kinds
   * beyond the first 32 distinct ones are recorded as {@code other} to bound cardinality.
   */
  void recordProviderCall(String kind, Duration duration, boolean error);

  /**
   * Observes how late a tick started after it was due ({@code canary_analysis_queue_lag_seconds}):
   * a growing lag means the worker pool cannot keep up with the canaries' intervals.
   */
  void recordQueueLag(Duration lag);

  /**
   * Drops every series labelled with this canary (status, weights, duration, metric analysis,
   * successes, failures, check outcomes) and takes it out of {@code flagger_canary_total}. Call it when the
   * Canary object is deleted; recording the canary again brings its series back.
   */
  void remove(Canary canary);

  /**
   * An {@link EventSink} that counts events by type ({@code canary_analysis_events_total{type}})
   * and alerts by severity ({@code canary_analysis_alerts_total{severity}}), then passes them on to
   * {@code delegate}.
   */
  EventSink eventSink(EventSink delegate);

  /** Starts a {@link CanaryMeters} that registers its meters in {@code registry}. */
  static Builder builder(MeterRegistry registry) {
    return new Builder(registry);
  }

  /** Configures {@link CanaryMeters}. */
  final class Builder {
    final MeterRegistry registry;
    String version;
    String meshProvider;

    private Builder(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * Publishes {@code flagger_info{version, mesh_provider} 1}, as Flagger does at start-up;
     * {@code meshProvider} is the default router kind (for example {@code istio}).
     */
    public Builder info(String version, String meshProvider) {
      this.version = Objects.requireNonNull(version, "version");
      this.meshProvider = Objects.requireNonNull(meshProvider, "meshProvider");
      return this;
    }

    public CanaryMeters build() {
      return new MicrometerCanaryMeters(this);
    }
  }
}
