package io.canaryanalysis.examples.demo;

import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.EventSink;
import io.canaryanalysis.api.MetricProvider;
import io.canaryanalysis.api.MetricQuery;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.StatusStore;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.status.CanaryStatus;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/** Thin decorators that let the demo watch the real controller without changing what it does. */
final class Observers {
  private Observers() {}

  /**
   * Passes every query to {@code delegate} evaluated at wall time (the demo's analysis clock runs
   * faster than Prometheus's), and remembers the last value of each check until {@link #take}.
   */
  static final class MeasuringProvider implements MetricProvider {
    private final MetricProvider delegate;
    private final Map<String, Double> measured = new HashMap<>();

    MeasuringProvider(MetricProvider delegate) {
      this.delegate = delegate;
    }

    @Override
    public MetricResult query(MetricQuery query) {
      MetricResult result = delegate.query(new MetricQuery(query.query(), query.kind(), query.aggregation(),
          null, query.checkName()));
      if (query.checkName() != null) {
        synchronized (measured) {
          measured.put(query.checkName(), result instanceof MetricResult.Value v ? v.value() : Double.NaN);
        }
      }
      return result;
    }

    @Override
    public boolean isOnline() {
      return delegate.isOnline();
    }

    /** The values measured since the last call, by check name; NaN for no data or a failure. */
    Map<String, Double> take() {
      synchronized (measured) {
        Map<String, Double> copy = Map.copyOf(measured);
        measured.clear();
        return copy;
      }
    }
  }

  /** Tells {@code written} about every status the engine wrote (one per decided tick). */
  static StatusStore recording(StatusStore delegate, BiConsumer<Canary, CanaryStatus> written) {
    return (canary, next) -> {
      Optional<String> version = delegate.compareAndSet(canary, next);
      if (version.isPresent()) {
        written.accept(canary, next);
      }
      return version;
    };
  }

  /** Sends every event to {@code delegate} (Kubernetes Events) and to {@code seen}. */
  static EventSink teeing(EventSink delegate, Consumer<CanaryEvent> seen) {
    return event -> {
      delegate.event(event);
      seen.accept(event);
    };
  }
}
