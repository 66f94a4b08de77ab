package io.canaryanalysis.examples;

import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.WebhookResult;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.Webhook;
import io.canaryanalysis.api.spec.WebhookType;
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
import java.util.Optional;

/**
 * A rollout to simulate: a Flagger {@code Canary} manifest, unchanged, plus scripted metric
 * values, webhook answers, readiness and new revisions over simulated time. Read from a YAML
 * scenario file ({@link #parse}), strictly: unknown keys and bad values are errors with their path.
 */
public final class Scenario {
  /** The scenarios bundled in the runner jar, under {@code /scenarios/<name>.yaml}. */
  public static final List<String> BUNDLED = List.of("promotion", "rollback", "ab-testing", "manual-gate");

  private final String source;
  private final String description;
  private final Canary canary;
  private final List<SpecProblem> notices;
  private final Duration duration;
  private final List<Duration> newRevisions;
  private final String routerKind;
  private final RouterCapabilities routerCapabilities;
  private final Map<String, List<Trace.MetricStep>> metrics;
  private final Map<String, List<Trace.HookStep>> webhooks;
  private final List<Trace.ReadinessStep> canaryReadiness;
  private final List<Trace.ReadinessStep> primaryReadiness;
  private final List<Trace.ReadinessStep> primaryAfterPromotion;

  Scenario(String source, String description, Canary canary, List<SpecProblem> notices,
      Duration duration, List<Duration> newRevisions, String routerKind,
      RouterCapabilities routerCapabilities, Map<String, List<Trace.MetricStep>> metrics,
      Map<String, List<Trace.HookStep>> webhooks, List<Trace.ReadinessStep> canaryReadiness,
      List<Trace.ReadinessStep> primaryReadiness, List<Trace.ReadinessStep> primaryAfterPromotion) {
    this.source = source;
    this.description = description;
    this.canary = canary;
    this.notices = List.copyOf(notices);
    this.duration = duration;
    this.newRevisions = List.copyOf(newRevisions);
    this.routerKind = routerKind;
    this.routerCapabilities = routerCapabilities;
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

  /** The scenario configured as a {@link Simulation}, ready to {@link Simulation#run}. */
  public Simulation simulation() {
    Simulation simulation = Simulation.of(canary).router(routerKind, routerCapabilities);
    for (Duration at : newRevisions) {
      simulation.newRevisionAt(at);
    }
    metrics.forEach((name, steps) ->
        simulation.metricResult(name, (elapsed, weight) -> Trace.metric(steps, name, elapsed, weight)));
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

  /** The simulated router: {@code simulation.router}, else {@code spec.provider}, else istio. */
  public String routerKind() {
    return routerKind;
  }
}
