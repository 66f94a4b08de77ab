package io.canaryanalysis.api.spec;

import io.canaryanalysis.api.Redaction;
import java.util.Objects;

/**
 * {@code spec} of a Flagger Canary.
 *
 * @param targetRef the workload under analysis (required)
 * @param ingressRef the Ingress to clone for the NGINX router, or null
 * @param autoscalerRef the canary's autoscaler (HPA or KEDA ScaledObject) to copy for the primary, or null
 * @param service the generated Services and routing settings (required)
 * @param provider the router kind ({@code traefik}, {@code istio}, {@code nginx}); null means the
 *     engine's default router
 * @param metricsServer Prometheus address for builtin and inline metrics; null means the engine's default
 * @param analysis the analysis settings (required unless {@code skipAnalysis})
 * @param progressDeadlineSeconds how long the canary or primary may stay not ready before the run
 *     fails; default 600
 */
public record CanarySpec(
    ObjectReference targetRef,
    ObjectReference ingressRef,
    AutoscalerRef autoscalerRef,
    CanaryService service,
    String provider,
    String metricsServer,
    Analysis analysis,
    int progressDeadlineSeconds,
    boolean skipAnalysis,
    boolean suspend,
    boolean revertOnDeletion) {

  public static final int DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;

  public CanarySpec {
    Objects.requireNonNull(targetRef, "targetRef");
    Objects.requireNonNull(service, "service");
    provider = Specs.blankToNull(provider);
    metricsServer = Specs.blankToNull(metricsServer);
  }

  /** Redacted: {@code metricsServer} may carry user info or a token in its query. */
  @Override
  public String toString() {
    return "CanarySpec[targetRef=" + targetRef + ", ingressRef=" + ingressRef + ", service="
        + service + ", provider=" + provider + ", metricsServer=" + Redaction.redact(metricsServer)
        + ", analysis=" + analysis + ", progressDeadlineSeconds=" + progressDeadlineSeconds
        + ", skipAnalysis=" + skipAnalysis + ", suspend=" + suspend + ", revertOnDeletion="
        + revertOnDeletion + "]";
  }

  /** The apex service name: {@code service.name}, or the target's name. */
  public String serviceName() {
    return service.name() == null ? targetRef.name() : service.name();
  }

  /** The name Flagger renders as {@code {{ ingress }}}: {@code ingressRef.name}, or the target's name. */
  public String ingressName() {
    return ingressRef == null ? targetRef.name() : ingressRef.name();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.targetRef = targetRef;
    b.ingressRef = ingressRef;
    b.autoscalerRef = autoscalerRef;
    b.service = service;
    b.provider = provider;
    b.metricsServer = metricsServer;
    b.analysis = analysis;
    b.progressDeadlineSeconds = progressDeadlineSeconds;
    b.skipAnalysis = skipAnalysis;
    b.suspend = suspend;
    b.revertOnDeletion = revertOnDeletion;
    return b;
  }

  /** Builds a {@link CanarySpec}; unset fields take Flagger's defaults. */
  public static final class Builder {
    private ObjectReference targetRef;
    private ObjectReference ingressRef;
    private AutoscalerRef autoscalerRef;
    private CanaryService service;
    private String provider;
    private String metricsServer;
    private Analysis analysis;
    private int progressDeadlineSeconds = DEFAULT_PROGRESS_DEADLINE_SECONDS;
    private boolean skipAnalysis;
    private boolean suspend;
    private boolean revertOnDeletion;

    private Builder() {}

    public Builder targetRef(ObjectReference targetRef) {
      this.targetRef = targetRef;
      return this;
    }

    /** Shorthand for a Deployment target. */
    public Builder deployment(String name) {
      this.targetRef = ObjectReference.deployment(name);
      return this;
    }

    public Builder ingressRef(ObjectReference ingressRef) {
      this.ingressRef = ingressRef;
      return this;
    }

    public Builder autoscalerRef(AutoscalerRef autoscalerRef) {
      this.autoscalerRef = autoscalerRef;
      return this;
    }

    public Builder service(CanaryService service) {
      this.service = service;
      return this;
    }

    public Builder provider(String provider) {
      this.provider = provider;
      return this;
    }

    public Builder metricsServer(String metricsServer) {
      this.metricsServer = metricsServer;
      return this;
    }

    public Builder analysis(Analysis analysis) {
      this.analysis = analysis;
      return this;
    }

    public Builder progressDeadlineSeconds(int progressDeadlineSeconds) {
      this.progressDeadlineSeconds = progressDeadlineSeconds;
      return this;
    }

    public Builder skipAnalysis(boolean skipAnalysis) {
      this.skipAnalysis = skipAnalysis;
      return this;
    }

    public Builder suspend(boolean suspend) {
      this.suspend = suspend;
      return this;
    }

    public Builder revertOnDeletion(boolean revertOnDeletion) {
      this.revertOnDeletion = revertOnDeletion;
      return this;
    }

    public CanarySpec build() {
      return new CanarySpec(targetRef, ingressRef, autoscalerRef, service, provider, metricsServer, analysis,
          progressDeadlineSeconds, skipAnalysis, suspend, revertOnDeletion);
    }
  }
}
