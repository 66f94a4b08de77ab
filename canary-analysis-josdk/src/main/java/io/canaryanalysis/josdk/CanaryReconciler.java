package io.canaryanalysis.josdk;

import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.EventSink;
import io.canaryanalysis.api.EventType;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.core.AnalysisEngine;
import io.canaryanalysis.core.TickReport;
import io.canaryanalysis.kubernetes.CanaryController;
import io.canaryanalysis.kubernetes.CanaryWarnings;
import io.canaryanalysis.kubernetes.KubernetesEventSink;
import io.canaryanalysis.manifest.CanaryDocument;
import io.canaryanalysis.manifest.CanaryManifests;
import io.canaryanalysis.manifest.ManifestException;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ready Java Operator SDK {@link Reconciler} for Flagger {@code Canary} resources: each
 * reconciliation runs one {@link AnalysisEngine} tick and asks JOSDK to come back when the next
 * tick is due. It never patches the resource through JOSDK: the engine writes the status itself
 * through its {@link io.canaryanalysis.api.StatusStore} (build it with
 * {@code statusStore(CanaryResources.create(client))}), compare-and-set on the resourceVersion the
 * reconciliation read, so every reconciliation returns
 * {@code UpdateControl.noUpdate().rescheduleAfter(report.nextTickIn())}.
 *
 * <pre>{@code
 * KubernetesClient client = new KubernetesClientBuilder().build();
 * AnalysisEngine engine = AnalysisEngine.builder()
 *     .router(TraefikRouter.create(client))
 *     .workload(DeploymentWorkload.create(client))
 *     .statusStore(CanaryResources.create(client))
 *     .eventSink(KubernetesEventSink.create(client))
 *     .metrics(PrometheusMetrics.backend(prometheusAddress, secrets))
 *     .build();
 * Operator operator = new Operator(o -> o.withKubernetesClient(client));
 * operator.register(CanaryReconciler.create(client, engine));
 * operator.start();
 * }</pre>
 *
 * <p>It mirrors {@link CanaryController#reconcile}: a Canary with {@code spec.revertOnDeletion}
 * gets Flagger's finalizer {@value #FINALIZER} and only such a Canary does (a Flagger user's
 * other canaries delete at once, with or without the operator running); once it is deleted, each
 * reconciliation runs {@link AnalysisEngine#terminate} until the canary is {@code Terminated} and
 * only then removes the finalizer. JOSDK's {@code Cleaner} cannot do that (it puts its finalizer on
 * every resource), so the controller is configured with {@code triggerReconcilerOnAllEvents} and
 * this reconciler is its own cleaner. A Canary that is not a valid manifest gets a Warning event
 * (every problem with its path) and is retried later; no exception reaches JOSDK.
 */
@ControllerConfiguration(name = CanaryReconciler.NAME, triggerReconcilerOnAllEvents = true)
public final class CanaryReconciler implements Reconciler<CanaryResource> {
  private static final Logger LOG = LoggerFactory.getLogger(CanaryReconciler.class);

  /** The controller's name in JOSDK (its configuration, metrics and logs). */
  public static final String NAME = "canary-analysis";
  /** Flagger's finalizer on Canaries with {@code revertOnDeletion}. */
  public static final String FINALIZER = CanaryController.FINALIZER;

  /** No reconciliation sooner than this after the last (no hot loop on a zero delay). */
  static final Duration MIN_DELAY = Duration.ofSeconds(1);

  private final KubernetesClient client;
  private final AnalysisEngine engine;
  private final EventSink eventSink;
  private final Duration retryDelay;
  private final Duration maxDelay;
  private final CanaryWarnings warnings;

  private CanaryReconciler(Builder b) {
    this.client = b.client;
    this.engine = b.engine;
    this.eventSink = b.eventSink != null ? b.eventSink : KubernetesEventSink.create(b.client);
    this.retryDelay = b.retryDelay;
    this.maxDelay = b.maxDelay;
    this.warnings = CanaryWarnings.create(eventSink);
  }

  /** A reconciler with the defaults: Warning events as Kubernetes Events, retries after 30 s. */
  public static CanaryReconciler create(KubernetesClient client, AnalysisEngine engine) {
    return builder(client, engine).build();
  }

  public static Builder builder(KubernetesClient client, AnalysisEngine engine) {
    return new Builder(client, engine);
  }

  /** Configures a {@link CanaryReconciler}. */
  public static final class Builder {
    private final KubernetesClient client;
    private final AnalysisEngine engine;
    private EventSink eventSink;
    private Duration retryDelay = Duration.ofSeconds(30);
    private Duration maxDelay;

    private Builder(KubernetesClient client, AnalysisEngine engine) {
      this.client = Objects.requireNonNull(client, "client");
      this.engine = Objects.requireNonNull(engine, "engine");
    }

    /**
     * Receives the Warning event for a Canary that is not a valid manifest and the spec's warnings
     * once per (uid, generation) ({@link CanaryWarnings}); default a {@link KubernetesEventSink} on
     * the client.
     */
    public Builder eventSink(EventSink eventSink) {
      this.eventSink = Objects.requireNonNull(eventSink, "eventSink");
      return this;
    }

    /** How long after an invalid manifest or a failed API call to try again; default 30 s. */
    public Builder retryDelay(Duration retryDelay) {
      this.retryDelay = positive(retryDelay, "retryDelay");
      return this;
    }

    /**
     * The longest JOSDK waits before reconciling a canary again, whatever the engine asks;
     * default none. Useful when the engine runs on a clock faster than the wall clock (tests,
     * demos); the engine's interval gate keeps early reconciliations from deciding anything.
     */
    public Builder maxDelay(Duration maxDelay) {
      this.maxDelay = positive(maxDelay, "maxDelay");
      return this;
    }

    public CanaryReconciler build() {
      return new CanaryReconciler(this);
    }

    private static Duration positive(Duration value, String name) {
      Objects.requireNonNull(value, name);
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, got " + value);
      }
      return value;
    }
  }

  /**
   * Runs one tick for the canary (or, when it is being deleted with the finalizer, one step of the
   * revert) and returns {@code noUpdate()} rescheduled at the engine's {@link TickReport#nextTickIn()}
   * (at least one second, at most {@link Builder#maxDelay}); not rescheduled once the canary is
   * gone, or deleted without the finalizer.
   */
  @Override
  public UpdateControl<CanaryResource> reconcile(CanaryResource resource,
      Context<CanaryResource> context) {
    if (context.isPrimaryResourceDeleted()) {
      warnings.forget(resource.getMetadata().getNamespace(), resource.getMetadata().getName());
      return UpdateControl.noUpdate();
    }
    String name = resource.getMetadata().getName();
    String namespace = resource.getMetadata().getNamespace();
    try {
      Optional<TickReport> report = tick(resource);
      if (report.isEmpty()) {
        return UpdateControl.noUpdate();
      }
      return UpdateControl.<CanaryResource>noUpdate().rescheduleAfter(delay(report.get().nextTickIn()));
    } catch (LostRace e) {
      LOG.debug("canary {}.{}: {}; retried", name, namespace, e.getMessage());
      return UpdateControl.<CanaryResource>noUpdate().rescheduleAfter(delay(MIN_DELAY));
    } catch (ManifestException e) {
      LOG.warn("canary {}.{} is not a valid Canary: {}", name, namespace, e.getMessage());
      eventSink.event(new CanaryEvent(name, namespace, EventType.WARNING, CanaryEvent.REASON_SYNCED,
          "Invalid canary " + name + "." + namespace + ": " + e.getMessage(), null));
      CanaryController.reportInvalid(engine, e);
    } catch (RuntimeException e) {
      LOG.warn("canary {}.{} reconciliation failed: {}", name, namespace, e.getMessage());
    }
    return UpdateControl.<CanaryResource>noUpdate().rescheduleAfter(delay(retryDelay));
  }

  private Optional<TickReport> tick(CanaryResource resource) {
    boolean finalizer = resource.hasFinalizer(FINALIZER);
    boolean deleting = resource.isMarkedForDeletion();
    if (deleting && !finalizer) {
      LOG.debug("canary {} is being deleted without {}; left alone", key(resource), FINALIZER);
      return Optional.empty();
    }
    CanaryDocument document = toDocument(resource);
    boolean revert = document.canary().spec().revertOnDeletion();
    if (!revert && finalizer) {
      resource = Finalizers.remove(client, resource, FINALIZER);
      if (resource == null || deleting) {
        return resource == null ? lostRace() : Optional.empty();
      }
      LOG.info("canary {}: removed finalizer {}", key(resource), FINALIZER);
      document = toDocument(resource);
    } else if (revert && !finalizer && !deleting) {
      // The patch moves the resourceVersion the status write is guarded by: go on with the object it returns.
      resource = Finalizers.add(client, resource, FINALIZER);
      if (resource == null) {
        return lostRace();
      }
      LOG.info("canary {}: added finalizer {}", key(resource), FINALIZER);
      document = toDocument(resource);
    }
    if (!deleting) {
      warnings.report(resource, document);
    }
    if (deleting) {
      TickReport report = engine.terminate(document.canary(), document.status());
      if (report.status().phase() != CanaryPhase.TERMINATED) {
        return Optional.of(report);
      }
      if (Finalizers.remove(client, resource, FINALIZER) == null) {
        return lostRace();
      }
      LOG.info("canary {} terminated; removed finalizer {}", key(resource), FINALIZER);
      return Optional.empty();
    }
    return Optional.of(engine.reconcile(document.canary(), document.status()));
  }

  /** The object changed or went while its finalizer was patched: try again shortly on a fresh read. */
  private static Optional<TickReport> lostRace() {
    throw new LostRace();
  }

  private static final class LostRace extends RuntimeException {
    private static final long serialVersionUID = 1L;

    LostRace() {
      super("the Canary changed while its finalizer was patched", null, false, false);
    }
  }

  /** The model of the object, carrying its resourceVersion, as {@code CanaryResources} reads it. */
  private CanaryDocument toDocument(CanaryResource resource) {
    @SuppressWarnings("unchecked")
    Map<String, Object> tree = client.getKubernetesSerialization().convertValue(resource, Map.class);
    CanaryDocument document;
    try {
      document = CanaryManifests.readCanary(tree);
    } catch (ManifestException e) {
      // The partial canary carries the version read too, so its status can still be written.
      throw e.partial().map(partial -> new ManifestException(e.problems(), new CanaryDocument(
          partial.canary().withResourceVersion(resource.getMetadata().getResourceVersion()),
          partial.status(), partial.notices()))).orElse(e);
    }
    for (var notice : document.notices()) {
      LOG.debug("canary {}: {}", key(resource), notice);
    }
    Canary canary = document.canary().withResourceVersion(resource.getMetadata().getResourceVersion());
    CanaryStatus status = document.status() == null ? CanaryStatus.initial() : document.status();
    return new CanaryDocument(canary, status, document.notices());
  }

  Duration delay(Duration wanted) {
    Duration delay = wanted.compareTo(MIN_DELAY) < 0 ? MIN_DELAY : wanted;
    return maxDelay != null && delay.compareTo(maxDelay) > 0 ? maxDelay : delay;
  }

  private static String key(CanaryResource resource) {
    return resource.getMetadata().getName() + "." + resource.getMetadata().getNamespace();
  }
}
