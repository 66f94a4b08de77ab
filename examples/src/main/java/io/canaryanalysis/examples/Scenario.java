package io.canaryanalysis.examples;

import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.WebhookResult;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.MetricTemplate;
import io.canaryanalysis.api.spec.Webhook;
import io.canaryanalysis.api.spec.WebhookType;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.simulation.MonteCarlo;
import io.canaryanalysis.simulation.MonteCarloResult;
import io.canaryanalysis.simulation.Simulation;
import io.canaryanalysis.simulation.SimulationResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * A rollout to simulate: a Flagger {@code Canary} manifest, unchanged, plus scripted metric
 * values, webhook answers, readiness and new revisions over simulated time. Read from a YAML
 * scenario file ({@link #parse}), strictly: unknown keys and bad values are errors with their path.
 * The canary is validated with the real router of its provider, as a cluster would; a
 * {@code canary.status} block starts the run from that stored status, and the documents after the
 * first ({@code ---}) are the MetricTemplates its {@code templateRef}s name.
 */
public final class Scenario {
  /** The scenarios bundled in the runner jar, under {@code /scenarios/<name>.yaml}. */
  public static final List<String> BUNDLED = List.of("promotion", "rollback", "ab-testing", "manual-gate", "noisy",
      "traffic", "latency", "gatewayapi-promotion", "gatewayapi-rollback");

  private final String source;
  private final String description;
  private final Canary canary;
  private final List<SpecProblem> notices;
  private final Duration duration;
  private final List<Duration> newRevisions;
  private final String routerKind;
  private final TrafficRouter router;
  private final CanaryStatus status;
  private final List<MetricTemplate> metricTemplates;
  private final Map<String, List<Trace.MetricStep>> metrics;
  private final Map<String, List<Trace.HookStep>> webhooks;
  private final List<Trace.ReadinessStep> canaryReadiness;
  private final List<Trace.ReadinessStep> primaryReadiness;
  private final List<Trace.ReadinessStep> primaryAfterPromotion;
  private final List<Trace.TrafficStep> traffic;

  Scenario(String source, String description, Canary canary, List<SpecProblem> notices,
      Duration duration, List<Duration> newRevisions, String routerKind, TrafficRouter router,
      CanaryStatus status, List<MetricTemplate> metricTemplates, Map<String, List<Trace.MetricStep>> metrics,
      Map<String, List<Trace.HookStep>> webhooks, List<Trace.ReadinessStep> canaryReadiness,
      List<Trace.ReadinessStep> primaryReadiness, List<Trace.ReadinessStep> primaryAfterPromotion,
      List<Trace.TrafficStep> traffic) {
    this.traffic = List.copyOf(traffic);
    this.source = source;
    this.description = description;
    this.canary = canary;
    this.notices = List.copyOf(notices);
    this.duration = duration;
    this.newRevisions = List.copyOf(newRevisions);
    this.routerKind = routerKind;
    this.router = router;
    this.status = status;
    this.metricTemplates = List.copyOf(metricTemplates);
    this.metrics = Map.copyOf(metrics);
    this.webhooks = Map.copyOf(webhooks);
    this.canaryReadiness = List.copyOf(canaryReadiness);
    this.primaryReadiness = List.copyOf(primaryReadiness);
    this.primaryAfterPromotion = primaryAfterPromotion == null ? null : List.copyOf(primaryAfterPromotion);
  }

  /**
   * Reads a scenario from YAML text; {@code source} names it in error messages.
   *
   * @throws ScenarioException listing every problem, with its path
   */
  public static Scenario parse(String yaml, String source) {
    return new ScenarioReader(source).read(yaml);
  }

  /**
   * Reads a scenario file.
   *
   * @throws ScenarioException when the file is missing, unreadable or invalid
   */
  public static Scenario load(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ScenarioException(file.toString(), List.of(new SpecProblem("file", "no such file")));
    } catch (IOException e) {
      throw new ScenarioException(file.toString(),
          List.of(new SpecProblem("file", "cannot read: " + e.getMessage())));
    }
    return parse(text, file.toString());
  }

  /** A scenario bundled in the jar, by name ({@code promotion}, {@code rollback}, ...). */
  public static Optional<Scenario> bundled(String name) {
    String bare = name.endsWith(".yaml") ? name.substring(0, name.length() - 5) : name;
    if (!BUNDLED.contains(bare)) {
      return Optional.empty();
    }
    try (InputStream in = Scenario.class.getResourceAsStream("/scenarios/" + bare + ".yaml")) {
      if (in == null) {
        throw new IllegalStateException("bundled scenario " + bare + " is missing from the jar");
      }
      return Optional.of(parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), bare));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read bundled scenario " + bare, e);
    }
  }

  /**
   * The scenario configured as a {@link Simulation}, ready to {@link Simulation#run}, with the
   * scripted values as written: {@code noise} and {@code noDataChance} are ignored.
   */
  public Simulation simulation() {
    return configure(null);
  }

  /**
   * The scenario as a {@link Simulation} whose {@code noise} and {@code noDataChance} are drawn from
   * {@code random}, for example {@link MonteCarlo#random(long, int)} to replay one tuning run.
   */
  public Simulation simulation(RandomGenerator random) {
    return configure(Objects.requireNonNull(random, "random"));
  }

  /** Runs the scenario {@code runs} times with noise, run {@code i} drawing from {@code MonteCarlo.random(seed, i)}. */
  public MonteCarloResult tune(int runs, long seed) {
    return MonteCarlo.runs(runs).seed(seed).run(this::simulation, duration);
  }

  /** True when some metric step has {@code noise} or a {@code noDataChance}, so runs can differ. */
  public boolean noisy() {
    if (!traffic.isEmpty()) {
      return true;
    }
    for (List<Trace.MetricStep> steps : metrics.values()) {
      for (Trace.MetricStep step : steps) {
        if (step.random()) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * The same scenario with {@code spec.analysis.threshold} replaced, to compare thresholds without
   * editing the manifest.
   *
   * @throws IllegalArgumentException when the canary has no analysis or {@code threshold} is not positive
   */
  public Scenario withThreshold(int threshold) {
    Analysis analysis = canary.spec().analysis();
    if (analysis == null) {
      throw new IllegalArgumentException("the canary of " + source + " has no spec.analysis to set a threshold in");
    }
    if (threshold < 1) {
      throw new IllegalArgumentException("threshold must be at least 1, got " + threshold);
    }
    Canary changed = canary.withSpec(canary.spec().toBuilder()
        .analysis(analysis.toBuilder().threshold(threshold).build()).build());
    return new Scenario(source, description, changed, notices, duration, newRevisions, routerKind,
        router, status, metricTemplates, metrics, webhooks, canaryReadiness, primaryReadiness,
        primaryAfterPromotion, traffic);
  }

  /**
   * The same scenario with its metric checks replaced by canary-vs-primary judges on the builtin
   * series, for comparing the threshold rule with the judge on the same traces ({@code tune
   * --judge}): {@code request-duration} by the latency judge when the traffic scripts latency, every
   * other check by one error-count judge; with both, each gets {@code alpha / 2}.
   *
   * @throws IllegalArgumentException when the scenario scripts no traffic or the canary has no analysis
   */
  public Scenario withJudge(double alpha) {
    Analysis analysis = canary.spec().analysis();
    if (analysis == null) {
      throw new IllegalArgumentException("the canary of " + source + " has no spec.analysis");
    }
    if (traffic.isEmpty()) {
      throw new IllegalArgumentException(source + " scripts no simulation.traffic for the judge to count");
    }
    // request-duration becomes the latency judge when the traffic scripts latency; every other
    // metric the error judge. Two judges split alpha (Bonferroni), so the run's level stays alpha.
    boolean latency = traffic.stream().anyMatch(t -> t.traffic().primaryLatency() != null)
        && analysis.metrics().stream().anyMatch(m -> m.isBuiltin()
            && m.name().equals(io.canaryanalysis.api.spec.MetricCheck.REQUEST_DURATION));
    boolean errors = !latency || analysis.metrics().stream().anyMatch(m -> !(m.isBuiltin()
        && m.name().equals(io.canaryanalysis.api.spec.MetricCheck.REQUEST_DURATION)));
    double each = alpha / ((latency ? 1 : 0) + (errors ? 1 : 0));
    List<io.canaryanalysis.api.spec.MetricCheck> judges = new java.util.ArrayList<>();
    if (errors) {
      judges.add(io.canaryanalysis.api.spec.MetricCheck.builder("judge")
          .judge(io.canaryanalysis.api.spec.JudgeSpec.alpha(each)).build());
    }
    if (latency) {
      judges.add(io.canaryanalysis.api.spec.MetricCheck.builder("latency-judge")
          .judge(io.canaryanalysis.api.spec.JudgeSpec.latency(each)).build());
    }
    Canary changed = canary.withSpec(canary.spec().toBuilder().analysis(analysis.toBuilder()
        .metrics(List.copyOf(judges)).build()).build());
    return new Scenario(source, description, changed, notices, duration, newRevisions, routerKind,
        router, status, metricTemplates, Map.of(), webhooks, canaryReadiness, primaryReadiness,
        primaryAfterPromotion, traffic);
  }

  private Simulation configure(RandomGenerator random) {
    Simulation simulation = Simulation.of(canary).validateWith(routerKind, router);
    if (status != null) {
      simulation.startingFrom(status);
    }
    for (Duration at : newRevisions) {
      simulation.newRevisionAt(at);
    }
    if (!traffic.isEmpty()) {
      // Without a random stream (a plain simulate), the traffic's own seed 0 makes it repeatable.
      simulation.traffic(elapsed -> Trace.traffic(traffic, elapsed), random == null ? 0 : random.nextLong());
    }
    metrics.forEach((name, steps) -> simulation.metricResult(name,
        (elapsed, weight) -> Trace.metric(steps, name, elapsed, weight, random)));
    webhooks.forEach((name, steps) -> {
      WebhookResult unscripted = isRollbackHook(name)
          ? WebhookResult.status(403, "Forbidden") : WebhookResult.status(200);
      simulation.hook(name, elapsed -> Trace.hook(steps, elapsed, unscripted));
    });
    simulation.canaryReadiness(elapsed -> Trace.readiness(canaryReadiness, elapsed));
    simulation.primaryReadiness(elapsed -> Trace.readiness(primaryReadiness, elapsed));
    if (primaryAfterPromotion != null) {
      simulation.primaryReadinessAfterPromotion(
          sincePromotion -> Trace.readiness(primaryAfterPromotion, sincePromotion));
    }
    return simulation;
  }

  /** The scripted value of metric {@code name} at {@code elapsed} and {@code canaryWeight}, as written. */
  MetricResult scriptedMetric(String name, Duration elapsed, int canaryWeight) {
    List<Trace.MetricStep> steps = metrics.get(name);
    return steps == null ? null : Trace.metric(steps, name, elapsed, canaryWeight, null);
  }

  /** Runs the simulation for the scenario's duration. */
  public SimulationResult run() {
    return simulation().run(duration);
  }

  private boolean isRollbackHook(String name) {
    if (canary.spec().analysis() == null) {
      return false;
    }
    for (Webhook hook : canary.spec().analysis().webhooks()) {
      if (hook.name().equals(name)) {
        return hook.type() == WebhookType.ROLLBACK;
      }
    }
    return false;
  }

  /** Where the scenario came from: a file path or a bundled name. */
  public String source() {
    return source;
  }

  /** The scenario's {@code description}, or null. */
  public String description() {
    return description;
  }

  public Canary canary() {
    return canary;
  }

  /** Non-fatal findings of the manifest reader (for example the deprecated {@code canaryAnalysis}). */
  public List<SpecProblem> notices() {
    return notices;
  }

  /** The longest simulated time to run. */
  public Duration duration() {
    return duration;
  }

  /** The times new revisions of the target appear. */
  public List<Duration> newRevisions() {
    return newRevisions;
  }

  /** The stored status the run starts from ({@code canary.status}), or null for a new canary. */
  public CanaryStatus status() {
    return status;
  }

  /** The MetricTemplate documents of the file, which the canary's {@code templateRef}s name. */
  public List<MetricTemplate> metricTemplates() {
    return metricTemplates;
  }

  /** The simulated router: {@code simulation.router}, else {@code spec.provider}, else istio. */
  public String routerKind() {
    return routerKind;
  }
}
