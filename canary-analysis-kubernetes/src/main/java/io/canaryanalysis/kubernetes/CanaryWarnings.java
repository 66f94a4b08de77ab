package io.canaryanalysis.kubernetes;

import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.EventSink;
import io.canaryanalysis.api.EventType;
import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.core.validation.CanaryValidator;
import io.canaryanalysis.manifest.CanaryDocument;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Surfaces what a Canary gets away with (the reader's notices, such as deprecated fields, and
 * {@link CanaryValidator} warnings, such as Flagger's leniencies) as one Warning event per
 * (uid, generation): a spec is warned about when it is first seen and after each change, not on
 * every tick. The memory is per process (a restarted controller warns once more; the event sink
 * then bumps the Event already written) and holds one entry per canary until {@link #forget}.
 */
public final class CanaryWarnings {
  private final EventSink sink;
  private final Map<String, Seen> seen = new ConcurrentHashMap<>();

  private record Seen(String uid, Long generation) {}

  private CanaryWarnings(EventSink sink) {
    this.sink = Objects.requireNonNull(sink, "sink");
  }

  /** Warnings as Warning events through {@code sink}. */
  public static CanaryWarnings create(EventSink sink) {
    return new CanaryWarnings(sink);
  }

  /**
   * Emits the warnings of {@code document} (read from {@code resource}) unless this uid and
   * generation were already looked at; returns whether an event was emitted.
   */
  public boolean report(HasMetadata resource, CanaryDocument document) {
    String name = resource.getMetadata().getName();
    String namespace = resource.getMetadata().getNamespace();
    Seen now = new Seen(resource.getMetadata().getUid(), resource.getMetadata().getGeneration());
    if (now.equals(seen.put(namespace + "/" + name, now))) {
      return false;
    }
    Set<String> warnings = new LinkedHashSet<>();
    document.notices().forEach(notice -> warnings.add(notice.toString()));
    try {
      CanaryValidator.check(document.canary()).warnings().stream().map(SpecProblem::toString)
          .forEach(warnings::add);
    } catch (RuntimeException e) {
      // The engine reports a spec it cannot validate; warnings are best effort.
    }
    if (warnings.isEmpty()) {
      return false;
    }
    sink.event(new CanaryEvent(name, namespace, EventType.WARNING, CanaryEvent.REASON_SYNCED,
        "Warnings for canary " + name + "." + namespace
            + (now.generation() == null ? "" : " (generation " + now.generation() + ")") + ": "
            + String.join("; ", warnings), null));
    return true;
  }

  /** Drops what is remembered of a deleted canary. */
  public void forget(String namespace, String name) {
    seen.remove(namespace + "/" + name);
  }

  /** Canaries remembered (for tests). */
  int size() {
    return seen.size();
  }

  @Override
  public String toString() {
    return "CanaryWarnings[" + seen.keySet().stream().sorted().collect(Collectors.joining(", ")) + "]";
  }
}
