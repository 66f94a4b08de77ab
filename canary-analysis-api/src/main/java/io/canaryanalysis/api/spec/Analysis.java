package io.canaryanalysis.api.spec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * {@code spec.analysis}: how traffic is shifted and what is checked on each tick. Values are kept
 * as written so validation can report them; the {@code effective*} methods apply Flagger's defaults.
 *
 * @param interval tick period; default 60 seconds; validation requires at least 10 seconds
 * @param threshold failed checks that trigger a rollback; default 1; validation requires at least 1
 * @param maxWeight the canary weight at which promotion starts; null means the default (100, or
 *     the last {@code stepWeights} entry)
 * @param stepWeight linear weight increment; 0 when {@code stepWeights} or {@code iterations} is used
 * @param stepWeights an explicit increasing ladder of canary weights, for example {@code [1, 2, 10, 80]}
 * @param stepWeightPromotion primary weight increment while promoting; 0 means all at once
 * @param iterations number of analysed ticks for blue/green and A/B; 0 for the canary strategy
 * @param match A/B conditions; with {@code iterations} they select the A/B strategy
 * @param mirror shadow traffic to the canary before it receives live traffic
 * @param mirrorWeight percentage of mirrored requests; 0 means all
 * @param primaryReadyThreshold percent of the primary's updated replicas that must be available
 * @param canaryReadyThreshold percent of the canary's updated replicas that must be available
 * @param consecutiveErrorLimit extension: provider errors in a row each metric check tolerates
 *     before the canary is rolled back, instead of counting them as failed checks; null keeps
 *     Flagger's behaviour (Argo Rollouts' default is {@value MetricCheck#DEFAULT_ERROR_LIMIT})
 * @param measurementRetention extension: how many measurements per check the status keeps; null
 *     means {@value #DEFAULT_MEASUREMENT_RETENTION}; 0 keeps none
 */
public record Analysis(
    Duration interval,
    int threshold,
    Integer maxWeight,
    int stepWeight,
    List<Integer> stepWeights,
    int stepWeightPromotion,
    int iterations,
    List<HttpMatch> match,
    boolean mirror,
    int mirrorWeight,
    int primaryReadyThreshold,
    int canaryReadyThreshold,
    SessionAffinity sessionAffinity,
    List<MetricCheck> metrics,
    List<Webhook> webhooks,
    List<AlertRef> alerts,
    Integer consecutiveErrorLimit,
    Integer measurementRetention) {

  /** Measurements kept per check when {@code measurementRetention} is not set (Argo's default). */
  public static final int DEFAULT_MEASUREMENT_RETENTION = 10;
  /** The most measurements per check a status may keep, so status writes stay small. */
  public static final int MAX_MEASUREMENT_RETENTION = 100;
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(60);
  public static final Duration MIN_INTERVAL = Duration.ofSeconds(10);

  public Analysis {
    interval = interval == null ? DEFAULT_INTERVAL : interval;
    stepWeights = Specs.list(stepWeights);
    match = Specs.list(match);
    metrics = Specs.list(metrics);
    webhooks = Specs.list(webhooks);
    alerts = Specs.list(alerts);
  }

  /** The form without the extensions of issue 17 (the earlier canonical constructor). */
  public Analysis(Duration interval, int threshold, Integer maxWeight, int stepWeight,
      List<Integer> stepWeights, int stepWeightPromotion, int iterations, List<HttpMatch> match,
      boolean mirror, int mirrorWeight, int primaryReadyThreshold, int canaryReadyThreshold,
      SessionAffinity sessionAffinity, List<MetricCheck> metrics, List<Webhook> webhooks,
      List<AlertRef> alerts) {
    this(interval, threshold, maxWeight, stepWeight, stepWeights, stepWeightPromotion, iterations,
        match, mirror, mirrorWeight, primaryReadyThreshold, canaryReadyThreshold, sessionAffinity,
        metrics, webhooks, alerts, null, null);
  }

  /** The measurements per check the status keeps, between 0 and {@value #MAX_MEASUREMENT_RETENTION}. */
  public int effectiveMeasurementRetention() {
    if (measurementRetention == null) {
      return DEFAULT_MEASUREMENT_RETENTION;
    }
    return Math.max(0, Math.min(MAX_MEASUREMENT_RETENTION, measurementRetention));
  }

  /** The strategy these settings select, as Flagger's {@code DeploymentStrategy()} does. */
  public Strategy strategy() {
    if (iterations > 0 && !match.isEmpty()) {
      return Strategy.AB_TESTING;
    }
    return iterations > 0 ? Strategy.BLUE_GREEN : Strategy.CANARY;
  }

  /**
   * The weight at which promotion starts: with {@code stepWeights}, the smaller of 100 and the last
   * rung (as Flagger); otherwise {@code maxWeight}, default 100.
   */
  public int effectiveMaxWeight() {
    if (stepWeight <= 0 && !stepWeights.isEmpty()) {
      return Math.min(100, stepWeights.get(stepWeights.size() - 1));
    }
    return maxWeight == null ? 100 : maxWeight;
  }

  /** The webhooks of one type, in spec order. */
  public List<Webhook> webhooks(WebhookType type) {
    List<Webhook> result = new ArrayList<>();
    for (Webhook hook : webhooks) {
      if (hook.type() == type) {
        result.add(hook);
      }
    }
    return result;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.interval = interval;
    b.threshold = threshold;
    b.maxWeight = maxWeight;
    b.stepWeight = stepWeight;
    b.stepWeights = stepWeights;
    b.stepWeightPromotion = stepWeightPromotion;
    b.iterations = iterations;
    b.match = match;
    b.mirror = mirror;
    b.mirrorWeight = mirrorWeight;
    b.primaryReadyThreshold = primaryReadyThreshold;
    b.canaryReadyThreshold = canaryReadyThreshold;
    b.sessionAffinity = sessionAffinity;
    b.metrics = metrics;
    b.webhooks = webhooks;
    b.alerts = alerts;
    b.consecutiveErrorLimit = consecutiveErrorLimit;
    b.measurementRetention = measurementRetention;
    return b;
  }

  /** Builds an {@link Analysis} starting from Flagger's defaults. */
  public static final class Builder {
    private Duration interval = DEFAULT_INTERVAL;
    private int threshold = 1;
    private Integer maxWeight;
    private int stepWeight;
    private List<Integer> stepWeights = List.of();
    private int stepWeightPromotion;
    private int iterations;
    private List<HttpMatch> match = List.of();
    private boolean mirror;
    private int mirrorWeight;
    private int primaryReadyThreshold = 100;
    private int canaryReadyThreshold = 100;
    private SessionAffinity sessionAffinity;
    private List<MetricCheck> metrics = List.of();
    private List<Webhook> webhooks = List.of();
    private List<AlertRef> alerts = List.of();
    private Integer consecutiveErrorLimit;
    private Integer measurementRetention;

    private Builder() {}

    public Builder consecutiveErrorLimit(Integer consecutiveErrorLimit) {
      this.consecutiveErrorLimit = consecutiveErrorLimit;
      return this;
    }

    public Builder measurementRetention(Integer measurementRetention) {
      this.measurementRetention = measurementRetention;
      return this;
    }

    public Builder interval(Duration interval) {
      this.interval = Objects.requireNonNull(interval, "interval");
      return this;
    }

    public Builder threshold(int threshold) {
      this.threshold = threshold;
      return this;
    }

    public Builder maxWeight(Integer maxWeight) {
      this.maxWeight = maxWeight;
      return this;
    }

    public Builder stepWeight(int stepWeight) {
      this.stepWeight = stepWeight;
      return this;
    }

    public Builder stepWeights(List<Integer> stepWeights) {
      this.stepWeights = stepWeights;
      return this;
    }

    public Builder stepWeightPromotion(int stepWeightPromotion) {
      this.stepWeightPromotion = stepWeightPromotion;
      return this;
    }

    public Builder iterations(int iterations) {
      this.iterations = iterations;
      return this;
    }

    public Builder match(List<HttpMatch> match) {
      this.match = match;
      return this;
    }

    public Builder mirror(boolean mirror) {
      this.mirror = mirror;
      return this;
    }

    public Builder mirrorWeight(int mirrorWeight) {
      this.mirrorWeight = mirrorWeight;
      return this;
    }

    public Builder primaryReadyThreshold(int primaryReadyThreshold) {
      this.primaryReadyThreshold = primaryReadyThreshold;
      return this;
    }

    public Builder canaryReadyThreshold(int canaryReadyThreshold) {
      this.canaryReadyThreshold = canaryReadyThreshold;
      return this;
    }

    public Builder sessionAffinity(SessionAffinity sessionAffinity) {
      this.sessionAffinity = sessionAffinity;
      return this;
    }

    public Builder metrics(List<MetricCheck> metrics) {
      this.metrics = metrics;
      return this;
    }

    public Builder webhooks(List<Webhook> webhooks) {
      this.webhooks = webhooks;
      return this;
    }

    public Builder alerts(List<AlertRef> alerts) {
      this.alerts = alerts;
      return this;
    }

    public Analysis build() {
      return new Analysis(interval, threshold, maxWeight, stepWeight, stepWeights,
          stepWeightPromotion, iterations, match, mirror, mirrorWeight, primaryReadyThreshold,
          canaryReadyThreshold, sessionAffinity, metrics, webhooks, alerts, consecutiveErrorLimit,
          measurementRetention);
    }
  }
}
