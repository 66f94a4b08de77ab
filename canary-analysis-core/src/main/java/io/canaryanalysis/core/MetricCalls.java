package io.canaryanalysis.core;

import io.canaryanalysis.api.HistogramResult;
import io.canaryanalysis.api.MetricBackend;
import io.canaryanalysis.api.MetricProvider;
import io.canaryanalysis.api.MetricQuery;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.MetricTemplateSource;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.JudgeSpec;
import io.canaryanalysis.api.spec.SeriesAggregation;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.MetricTemplate;
import io.canaryanalysis.api.spec.MetricTemplateProvider;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's metric calls for one canary: finds the query (inline, builtin for the router kind,
 * or a MetricTemplate), renders it, runs it on the right provider, and turns every failure into a
 * {@link MetricOutcome} instead of an exception. Part of the shell: only SPI calls and error texts.
 */
final class MetricCalls {
  private static final Logger LOG = LoggerFactory.getLogger(MetricCalls.class);

  private final AnalysisEngine engine;
  private final MetricBackend metrics;
  private final MetricTemplateSource templates;
  private final Canary canary;
  private final String routerKind;
  private final Instant now;

  MetricCalls(AnalysisEngine engine, Canary canary, String routerKind, Instant now) {
    this.engine = engine;
    this.metrics = engine.metrics;
    this.templates = engine.metricTemplateSource;
    this.canary = canary;
    this.routerKind = routerKind;
    this.now = now;
  }

  MetricOutcome evaluate(MetricCheck check) {
    MetricOutcome outcome = check.isJudge() ? evaluateJudge(check)
        : check.templateRef() != null ? evaluateTemplate(check)
        : evaluateWithDefaultProvider(check);
    if (LOG.isDebugEnabled()) {
      LOG.debug("canary {}: metric {} -> {}", canary.key(), check.name(), outcome);
    }
    return outcome;
  }

  private MetricOutcome evaluateWithDefaultProvider(MetricCheck check) {
    String template;
    if (check.query() != null) {
      template = check.query();
    } else if (check.isBuiltin()) {
      Optional<String> builtin = metrics.builtinQueries().template(check.name(), routerKind);
      if (builtin.isEmpty()) {
        return new MetricOutcome.SetupError(failedPrefix(check) + "no builtin query for "
            + check.name() + " with router " + routerKind);
      }
      template = builtin.get();
    } else {
      return new MetricOutcome.SetupError("Metric query failed for " + check.name()
          + ": no usable metrics template and query were configured");
    }
    try {
      MetricProvider provider = requireDefaultProvider(failedPrefix(check));
      return run(provider, renderOrExplain(template, check, failedPrefix(check)), check);
    } catch (Unusable e) {
      return new MetricOutcome.SetupError(e.getMessage());
    }
  }

  /** A check that cannot be evaluated as configured; its message becomes a {@link MetricOutcome.SetupError}. */
  private static final class Unusable extends Exception {
    Unusable(String message) {
      super(message, null, false, false);
    }
  }

  /** {@link #defaultProvider()}, or why there is none. */
  private MetricProvider requireDefaultProvider(String failedPrefix) throws Unusable {
    MetricProvider provider;
    try {
      provider = defaultProvider();
    } catch (RuntimeException e) {
      throw new Unusable(failedPrefix + "spec.metricsServer: " + e.getMessage());
    }
    if (provider == null) {
      throw new Unusable(failedPrefix + "no metric provider is configured");
    }
    return provider;
  }

  /** {@code template} rendered for {@code check}, or why it cannot be. */
  private String renderOrExplain(String template, MetricCheck check, String failedPrefix) throws Unusable {
    try {
      return render(template, check);
    } catch (IllegalArgumentException e) {
      throw new Unusable(failedPrefix + "query render error: " + e.getMessage());
    }
  }

  /** The rendered query of a judge's {@code series}: the check's own template, else the router's builtin. */
  private String judgeQuery(String custom, String series, MetricCheck check, String failedPrefix)
      throws Unusable {
    String template = custom != null ? custom : metrics.builtinQueries().template(series, routerKind)
        .orElseThrow(() -> new Unusable(failedPrefix + "no builtin query for " + series
            + " with router " + routerKind));
    return renderOrExplain(template, check, failedPrefix);
  }

  /** The start of a default-provider check's error message (built only when there is an error). */
  private static String failedPrefix(MetricCheck check) {
    return check.query() != null
        ? "Prometheus query failed for " + check.name() + ": " : "Prometheus query failed: ";
  }

  /** {@code template} rendered for {@code check}, from the engine's memo when it was rendered before. */
  private String render(String template, MetricCheck check) {
    return engine.renderedQueries.get(new AnalysisEngine.QueryKey(template, canary, check),
        key -> QueryTemplates.render(template, canary, check));
  }

  /**
   * The provider of builtin and inline queries: the canary's own {@code spec.metricsServer} when it
   * names one (a Prometheus without credentials, built by the template provider factory, as Flagger
   * does), else the engine's. Null when neither is configured.
   */
  private MetricProvider defaultProvider() {
    String server = canary.spec().metricsServer();
    if (server == null) {
      return metrics.defaultProvider();
    }
    if (metrics.templateProviders() == null) {
      throw new IllegalStateException("no metric provider factory is configured to reach " + server);
    }
    return metrics.templateProviders().create(MetricTemplateProvider.prometheus(server), canary.namespace());
  }

  private static final String[] JUDGE_SERIES = {JudgeSpec.CANARY_ERRORS, JudgeSpec.CANARY_REQUESTS,
      JudgeSpec.PRIMARY_ERRORS, JudgeSpec.PRIMARY_REQUESTS};

  /**
   * The judge's four counts, from its own series or the router's builtin ones, on the canary's
   * {@code spec.metricsServer} when it names one; the first failure wins.
   */
  private MetricOutcome evaluateJudge(MetricCheck check) {
    JudgeSpec judge = check.judge();
    if (judge.isLatency()) {
      return evaluateLatencyJudge(check);
    }
    String[] custom = {judge.canaryErrors(), judge.canaryRequests(), judge.primaryErrors(),
        judge.primaryRequests()};
    String failedPrefix = "Prometheus query failed for " + check.name() + ": ";
    MetricProvider provider;
    String[] queries = new String[4];
    try {
      provider = requireDefaultProvider(failedPrefix);
      for (int i = 0; i < 4; i++) {
        queries[i] = judgeQuery(custom[i], JUDGE_SERIES[i], check, failedPrefix);
      }
    } catch (Unusable e) {
      return new MetricOutcome.SetupError(e.getMessage());
    }
    long[] counts = new long[4];
    for (int i = 0; i < 4; i++) {
      String query = queries[i];
      MetricResult result = ((MetricOutcome.Measured) run(provider, query,
          check.toBuilder().aggregation(SeriesAggregation.SUM).build())).result();
      if (result instanceof MetricResult.Failed) {
        return new MetricOutcome.Measured(MetricResult.failed(JUDGE_SERIES[i] + ": "
            + ((MetricResult.Failed) result).message()));
      }
      if (result instanceof MetricResult.Value) {
        double value = ((MetricResult.Value) result).value();
        if (value < 0 || Double.isInfinite(value)) {
          return new MetricOutcome.Measured(MetricResult.failed(JUDGE_SERIES[i]
              + ": not a count of requests: " + value));
        }
        counts[i] = Math.round(value);
      }
    }
    return new MetricOutcome.Counts(counts[0], counts[1], counts[2], counts[3]);
  }

  /**
   * A latency judge's two histograms, from the canary's {@code spec.metricsServer} when it names one
   * (as builtin metrics); a side without series is an empty one.
   */
  private MetricOutcome evaluateLatencyJudge(MetricCheck check) {
    JudgeSpec judge = check.judge();
    String failedPrefix = "Prometheus query failed for " + check.name() + ": ";
    String[] custom = {judge.canaryBuckets(), judge.primaryBuckets()};
    String[] series = {JudgeSpec.CANARY_BUCKETS, JudgeSpec.PRIMARY_BUCKETS};
    MetricProvider provider;
    String[] queries = new String[2];
    try {
      provider = requireDefaultProvider(failedPrefix);
      for (int i = 0; i < 2; i++) {
        queries[i] = judgeQuery(custom[i], series[i], check, failedPrefix);
      }
    } catch (Unusable e) {
      return new MetricOutcome.SetupError(e.getMessage());
    }
    List<java.util.Map<Double, Double>> sides = new ArrayList<>(2);
    for (int i = 0; i < 2; i++) {
      String query = queries[i];
      HistogramResult result;
      Instant start = engine.clock.instant();
      try {
        result = provider.histogram(new MetricQuery(query, check.kind(), SeriesAggregation.NONE, now,
            check.name()));
        engine.observer.providerCalled("metrics", engine.elapsedSince(start),
            result instanceof HistogramResult.Failed);
      } catch (RuntimeException e) {
        engine.observer.providerCalled("metrics", engine.elapsedSince(start), true);
        String cause = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        LOG.warn("canary {}: metric {} histogram query failed: {}", canary.key(), check.name(), cause);
        result = new HistogramResult.Failed(cause);
      }
      if (result == null) {
        result = new HistogramResult.Failed("the provider returned no result");
      }
      if (result instanceof HistogramResult.Failed) {
        return new MetricOutcome.Measured(MetricResult.failed(series[i] + ": "
            + ((HistogramResult.Failed) result).message()));
      }
      if (result instanceof HistogramResult.NoData) {
        sides.add(java.util.Map.of());
      } else {
        sides.add(((HistogramResult.Buckets) result).cumulative());
      }
    }
    return new MetricOutcome.Histograms(sides.get(0), sides.get(1));
  }

  private MetricOutcome evaluateTemplate(MetricCheck check) {
    String namespace = templateNamespace(check);
    String templateKey = check.templateRef().name() + "." + namespace;
    if (templates == null || metrics.templateProviders() == null) {
      return new MetricOutcome.SetupError("Metric template " + templateKey
          + " error: no metric template source and provider factory are configured");
    }
    Optional<MetricTemplate> template;
    try {
      template = templates.find(namespace, check.templateRef().name());
    } catch (RuntimeException e) {
      return new MetricOutcome.SetupError("Metric template " + templateKey + " error: " + e.getMessage());
    }
    if (template.isEmpty()) {
      return new MetricOutcome.SetupError("Metric template " + templateKey
          + " error: metric template not found");
    }
    MetricProvider provider;
    try {
      provider = metrics.templateProviders().create(template.get().provider(), namespace);
    } catch (RuntimeException e) {
      return new MetricOutcome.SetupError("Metric template " + templateKey + " provider "
          + template.get().provider().type() + " error: " + e.getMessage());
    }
    String query;
    try {
      query = render(template.get().query(), check);
    } catch (IllegalArgumentException e) {
      return new MetricOutcome.SetupError("Metric template " + templateKey
          + " query render error: " + e.getMessage());
    }
    return run(provider, query, check);
  }

  private MetricOutcome run(MetricProvider provider, String query, MetricCheck check) {
    MetricResult result;
    Instant start = engine.clock.instant();
    try {
      result = provider.query(new MetricQuery(query, check.kind(), check.aggregation(), now, check.name()));
      engine.observer.providerCalled("metrics", engine.elapsedSince(start),
          result instanceof MetricResult.Failed);
      if (result instanceof MetricResult.Value) {
        engine.observer.measured(canary, check.name(), ((MetricResult.Value) result).value());
      }
    } catch (RuntimeException e) {
      engine.observer.providerCalled("metrics", engine.elapsedSince(start), true);
      String cause = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      LOG.warn("canary {}: metric {} query failed: {}", canary.key(), check.name(), cause);
      result = MetricResult.failed(cause);
    }
    return new MetricOutcome.Measured(result == null
        ? MetricResult.failed("the provider returned no result") : result);
  }

  /** What is wrong with the providers the checks use; empty when every one answers. */
  List<String> providerProblems() {
    List<String> problems = new ArrayList<>();
    boolean defaultChecked = false;
    for (MetricCheck check : canary.spec().analysis().metrics()) {
      if (check.templateRef() == null) {
        if (!defaultChecked) {
          defaultChecked = true;
          MetricProvider provider;
          try {
            provider = defaultProvider();
          } catch (RuntimeException e) {
            problems.add("spec.metricsServer for " + check.name() + ": " + e.getMessage());
            continue;
          }
          if (provider == null) {
            problems.add("no metric provider is configured for " + check.name());
          } else if (!isOnline(provider)) {
            problems.add("the metrics server for " + check.name() + " is not answering");
          }
        }
        continue;
      }
      String namespace = templateNamespace(check);
      String templateKey = check.templateRef().name() + "." + namespace;
      try {
        Optional<MetricTemplate> template = templates == null || metrics.templateProviders() == null
            ? Optional.empty() : templates.find(namespace, check.templateRef().name());
        if (template.isEmpty()) {
          problems.add("metric template " + templateKey + " not found");
        } else if (!isOnline(metrics.templateProviders().create(template.get().provider(), namespace))) {
          problems.add("the " + template.get().provider().type() + " provider of metric template "
              + templateKey + " is not answering");
        }
      } catch (RuntimeException e) {
        problems.add("metric template " + templateKey + ": " + e.getMessage());
      }
    }
    return problems;
  }

  private boolean isOnline(MetricProvider provider) {
    try {
      return provider.isOnline();
    } catch (RuntimeException e) {
      LOG.warn("canary {}: metric provider check failed: {}", canary.key(), e.getMessage());
      return false;
    }
  }

  /** The template's namespace: {@code templateRef.namespace}, or the canary's own. */
  private String templateNamespace(MetricCheck check) {
    return check.templateRef().namespace() == null ? canary.namespace() : check.templateRef().namespace();
  }
}
