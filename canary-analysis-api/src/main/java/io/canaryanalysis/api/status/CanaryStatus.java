package io.canaryanalysis.api.status;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code status} of a Canary: Flagger's fields plus what Flagger lacks ({@code lastFailure}) and the
 * bookkeeping the engine needs to be restartable from the stored status alone.
 *
 * <p>The persisted status is the intent: every tick first brings the routes, the replicas and the
 * primary's revision back to what this status says, then decides, persists the new status with
 * compare-and-set, and only then acts (see {@code AnalysisEngine}).
 *
 * @param canaryWeight the canary's share of traffic the routes must carry (the intent; the router
 *     is converged to it at the start of every tick)
 * @param failedChecks failed ticks in the current run (cumulative, as Flagger); kept, not reset,
 *     when the run fails, so a Failed canary shows how many checks failed
 * @param iterations analysed iterations (blue/green and A/B)
 * @param lastAppliedSpec revision hash of the version being or last analysed
 * @param lastPromotedSpec revision hash of the version running in the primary
 * @param trackedConfigs {@code configmap/<name>} or {@code secret/<name>} to checksum
 * @param lastTransitionTime time of the last status change
 * @param conditions Flagger's {@code Promoted} condition
 * @param lastFailure the most recent failed check of this run, or null
 * @param lastAnalysisTime extension: when the last tick ran, so ticks stay one interval apart
 *     however often the host reconciles; null before the first tick
 * @param notReadySince extension: when the canary or primary was first seen not ready in the
 *     current wait, for the engine's own progress deadline; null when not waiting
 * @param preRolloutPassed extension: pre-rollout hooks passed in this run, so they run once per run
 * @param mirrored extension: the routes mirror traffic to the canary (the intent, like canaryWeight)
 * @param pendingPostRollout extension: the payload phase of post-rollout hooks decided but not yet
 *     delivered; they are called (again) until a status without it is persisted, so they are
 *     at-least-once across crashes; null when none are pending
 * @param decision extension: the sequence number of the last persisted decision; webhook payloads
 *     carry the number of the decision they belong to, so a call repeated after a crash carries the
 *     same number and receivers can de-duplicate
 * @param checks extension: per metric check of the current run, its recent measurements (value,
 *     bound, outcome class, time), its consecutive provider errors and a judge's evidence; reset
 *     when a run starts
 * @param capacityWait extension: a decided traffic move to the primary that waits until the primary
 *     can carry all traffic (see {@link CapacityWait}); null when nothing waits
 * @param effectiveSplit extension: the split the router achieved, for routers whose weights are
 *     approximate ({@code 3 primary / 1 canary pods} for the replica-ratio {@code kubernetes}
 *     router); null for routers that apply weights exactly
 * @param incidents extension: failures outside the analysis still open (at most one per kind), with
 *     when they started and when they were alerted, so a restarted engine neither re-sends nor
 *     forgets an alert
 */
public record CanaryStatus(
    CanaryPhase phase,
    int canaryWeight,
    int failedChecks,
    int iterations,
    String lastAppliedSpec,
    String lastPromotedSpec,
    Map<String, String> trackedConfigs,
    Instant lastTransitionTime,
    List<StatusCondition> conditions,
    FailureReason lastFailure,
    Instant lastAnalysisTime,
    Instant notReadySince,
    boolean preRolloutPassed,
    boolean mirrored,
    CanaryPhase pendingPostRollout,
    int decision,
    List<CheckStatus> checks,
    CapacityWait capacityWait,
    String effectiveSplit,
    List<Incident> incidents) {

  public CanaryStatus {
    checks = checks == null ? List.of() : List.copyOf(checks);
    incidents = incidents == null ? List.of() : List.copyOf(incidents);
    phase = phase == null ? CanaryPhase.INITIALIZING : phase;
    trackedConfigs = trackedConfigs == null ? Map.of() : Map.copyOf(trackedConfigs);
    conditions = conditions == null ? List.of() : List.copyOf(conditions);
  }

  /** The form without {@code capacityWait}, {@code effectiveSplit} and {@code incidents} (the earlier canonical constructor). */
  public CanaryStatus(CanaryPhase phase, int canaryWeight, int failedChecks, int iterations,
      String lastAppliedSpec, String lastPromotedSpec, Map<String, String> trackedConfigs,
      Instant lastTransitionTime, List<StatusCondition> conditions, FailureReason lastFailure,
      Instant lastAnalysisTime, Instant notReadySince, boolean preRolloutPassed, boolean mirrored,
      CanaryPhase pendingPostRollout, int decision, List<CheckStatus> checks) {
    this(phase, canaryWeight, failedChecks, iterations, lastAppliedSpec, lastPromotedSpec,
        trackedConfigs, lastTransitionTime, conditions, lastFailure, lastAnalysisTime, notReadySince,
        preRolloutPassed, mirrored, pendingPostRollout, decision, checks, null, null, null);
  }

  /** The form without {@code incidents}. */
  public CanaryStatus(CanaryPhase phase, int canaryWeight, int failedChecks, int iterations,
      String lastAppliedSpec, String lastPromotedSpec, Map<String, String> trackedConfigs,
      Instant lastTransitionTime, List<StatusCondition> conditions, FailureReason lastFailure,
      Instant lastAnalysisTime, Instant notReadySince, boolean preRolloutPassed, boolean mirrored,
      CanaryPhase pendingPostRollout, int decision, List<CheckStatus> checks,
      CapacityWait capacityWait, String effectiveSplit) {
    this(phase, canaryWeight, failedChecks, iterations, lastAppliedSpec, lastPromotedSpec,
        trackedConfigs, lastTransitionTime, conditions, lastFailure, lastAnalysisTime, notReadySince,
        preRolloutPassed, mirrored, pendingPostRollout, decision, checks, capacityWait, effectiveSplit,
        null);
  }

  /** The form without {@code capacityWait} and {@code effectiveSplit}. */
  public CanaryStatus(CanaryPhase phase, int canaryWeight, int failedChecks, int iterations,
      String lastAppliedSpec, String lastPromotedSpec, Map<String, String> trackedConfigs,
      Instant lastTransitionTime, List<StatusCondition> conditions, FailureReason lastFailure,
      Instant lastAnalysisTime, Instant notReadySince, boolean preRolloutPassed, boolean mirrored,
      CanaryPhase pendingPostRollout, int decision, List<CheckStatus> checks,
      List<Incident> incidents) {
    this(phase, canaryWeight, failedChecks, iterations, lastAppliedSpec, lastPromotedSpec,
        trackedConfigs, lastTransitionTime, conditions, lastFailure, lastAnalysisTime, notReadySince,
        preRolloutPassed, mirrored, pendingPostRollout, decision, checks, null, null, incidents);
  }

  /** The form without {@code checks} and the later extensions. */
  public CanaryStatus(CanaryPhase phase, int canaryWeight, int failedChecks, int iterations,
      String lastAppliedSpec, String lastPromotedSpec, Map<String, String> trackedConfigs,
      Instant lastTransitionTime, List<StatusCondition> conditions, FailureReason lastFailure,
      Instant lastAnalysisTime, Instant notReadySince, boolean preRolloutPassed, boolean mirrored,
      CanaryPhase pendingPostRollout, int decision) {
    this(phase, canaryWeight, failedChecks, iterations, lastAppliedSpec, lastPromotedSpec,
        trackedConfigs, lastTransitionTime, conditions, lastFailure, lastAnalysisTime, notReadySince,
        preRolloutPassed, mirrored, pendingPostRollout, decision, null, null, null, null);
  }

  /** The open incident of {@code kind}, if any. */
  public Optional<Incident> incident(IncidentKind kind) {
    return incidents.stream().filter(i -> i.kind() == kind).findFirst();
  }

  /** What the status keeps about the metric check named {@code name} in this run, if anything. */
  public Optional<CheckStatus> check(String name) {
    return checks.stream().filter(c -> c.name().equals(name)).findFirst();
  }

  /** The status of a Canary the engine has not seen yet. */
  public static CanaryStatus initial() {
    return builder().build();
  }

  /** The condition of the given type, if present. */
  public Optional<StatusCondition> condition(String type) {
    return conditions.stream().filter(c -> c.type().equals(type)).findFirst();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.phase = phase;
    b.canaryWeight = canaryWeight;
    b.failedChecks = failedChecks;
    b.iterations = iterations;
    b.lastAppliedSpec = lastAppliedSpec;
    b.lastPromotedSpec = lastPromotedSpec;
    b.trackedConfigs = trackedConfigs;
    b.lastTransitionTime = lastTransitionTime;
    b.conditions = conditions;
    b.lastFailure = lastFailure;
    b.lastAnalysisTime = lastAnalysisTime;
    b.notReadySince = notReadySince;
    b.preRolloutPassed = preRolloutPassed;
    b.mirrored = mirrored;
    b.pendingPostRollout = pendingPostRollout;
    b.decision = decision;
    b.checks = checks;
    b.capacityWait = capacityWait;
    b.effectiveSplit = effectiveSplit;
    b.incidents = incidents;
    return b;
  }

  /** Builds a {@link CanaryStatus}. */
  public static final class Builder {
    private CanaryPhase phase = CanaryPhase.INITIALIZING;
    private int canaryWeight;
    private int failedChecks;
    private int iterations;
    private String lastAppliedSpec;
    private String lastPromotedSpec;
    private Map<String, String> trackedConfigs = Map.of();
    private Instant lastTransitionTime;
    private List<StatusCondition> conditions = List.of();
    private FailureReason lastFailure;
    private Instant lastAnalysisTime;
    private Instant notReadySince;
    private boolean preRolloutPassed;
    private boolean mirrored;
    private CanaryPhase pendingPostRollout;
    private int decision;
    private List<CheckStatus> checks = List.of();
    private CapacityWait capacityWait;
    private String effectiveSplit;
    private List<Incident> incidents = List.of();

    private Builder() {}

    public Builder capacityWait(CapacityWait capacityWait) {
      this.capacityWait = capacityWait;
      return this;
    }

    public Builder effectiveSplit(String effectiveSplit) {
      this.effectiveSplit = effectiveSplit;
      return this;
    }

    public Builder incidents(List<Incident> incidents) {
      this.incidents = incidents;
      return this;
    }

    public Builder checks(List<CheckStatus> checks) {
      this.checks = checks;
      return this;
    }

    public Builder phase(CanaryPhase phase) {
      this.phase = Objects.requireNonNull(phase, "phase");
      return this;
    }

    public Builder canaryWeight(int canaryWeight) {
      this.canaryWeight = canaryWeight;
      return this;
    }

    public Builder failedChecks(int failedChecks) {
      this.failedChecks = failedChecks;
      return this;
    }

    public Builder iterations(int iterations) {
      this.iterations = iterations;
      return this;
    }

    public Builder lastAppliedSpec(String lastAppliedSpec) {
      this.lastAppliedSpec = lastAppliedSpec;
      return this;
    }

    public Builder lastPromotedSpec(String lastPromotedSpec) {
      this.lastPromotedSpec = lastPromotedSpec;
      return this;
    }

    public Builder trackedConfigs(Map<String, String> trackedConfigs) {
      this.trackedConfigs = trackedConfigs;
      return this;
    }

    public Builder lastTransitionTime(Instant lastTransitionTime) {
      this.lastTransitionTime = lastTransitionTime;
      return this;
    }

    public Builder conditions(List<StatusCondition> conditions) {
      this.conditions = conditions;
      return this;
    }

    public Builder lastFailure(FailureReason lastFailure) {
      this.lastFailure = lastFailure;
      return this;
    }

    public Builder lastAnalysisTime(Instant lastAnalysisTime) {
      this.lastAnalysisTime = lastAnalysisTime;
      return this;
    }

    public Builder notReadySince(Instant notReadySince) {
      this.notReadySince = notReadySince;
      return this;
    }

    public Builder preRolloutPassed(boolean preRolloutPassed) {
      this.preRolloutPassed = preRolloutPassed;
      return this;
    }

    public Builder mirrored(boolean mirrored) {
      this.mirrored = mirrored;
      return this;
    }

    public Builder pendingPostRollout(CanaryPhase pendingPostRollout) {
      this.pendingPostRollout = pendingPostRollout;
      return this;
    }

    public Builder decision(int decision) {
      this.decision = decision;
      return this;
    }

    public CanaryStatus build() {
      return new CanaryStatus(phase, canaryWeight, failedChecks, iterations, lastAppliedSpec,
          lastPromotedSpec, trackedConfigs, lastTransitionTime, conditions, lastFailure,
          lastAnalysisTime, notReadySince, preRolloutPassed, mirrored, pendingPostRollout, decision,
          checks, capacityWait, effectiveSplit, incidents);
    }
  }
}
