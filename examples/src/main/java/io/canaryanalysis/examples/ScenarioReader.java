package io.canaryanalysis.examples;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.Readiness;
import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.WebhookResult;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.MetricTemplate;
import io.canaryanalysis.api.spec.TemplateRef;
import io.canaryanalysis.manifest.CanaryDocument;
import io.canaryanalysis.manifest.CanaryManifests;
import io.canaryanalysis.manifest.ManifestException;
import io.canaryanalysis.manifest.ManifestReader;
import io.canaryanalysis.core.validation.CanaryValidator;
import io.canaryanalysis.simulation.LatencyDistribution;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a scenario file strictly, collecting every problem with its path: the scenario document,
 * whose canary is read and validated with the real router of its provider, then the MetricTemplate
 * documents after {@code ---}.
 */
final class ScenarioReader {
  static final Duration DEFAULT_DURATION = Duration.ofHours(1);
  static final Duration MAX_DURATION = Duration.ofDays(7);
  static final String DEFAULT_ROUTER = "istio";

  private static final ObjectMapper YAML = YAMLMapper.builder()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .build();

  private final String source;
  private final List<SpecProblem> problems = new ArrayList<>();
  /** The canary as the manifest reader read it, even when it had problems, for the cross checks. */
  private Canary readCanary;
  /** True once a traffic step scripts latency (it answers request-duration and the latency judge). */
  private boolean trafficLatency;

  ScenarioReader(String source) {
    this.source = source;
  }

  Scenario read(String text) {
    List<String> documents = documents(text);
    String yaml = documents.get(0);
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage().lines().findFirst().orElse("");
      String at = e.getLocation() == null ? ""
          : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
      throw new ScenarioException(source, List.of(new SpecProblem("scenario", "not valid YAML" + at + ": " + message)));
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw new ScenarioException(source, List.of(new SpecProblem("scenario", "the file is empty")));
    }
    if (!isObject(root, "scenario")) {
      throw new ScenarioException(source, problems);
    }
    keys(root, "", "canary", "simulation", "description");
    String description = text(root.get("description"), "description");
    JsonNode simulation = root.get("simulation");
    if (simulation == null) {
      simulation = YAML.createObjectNode();
    } else if (!isObject(simulation, "simulation")) {
      simulation = YAML.createObjectNode();
    }
    keys(simulation, "simulation", "duration", "newRevisionAt", "router", "metrics", "webhooks", "readiness",
        "traffic");
    Duration duration = DEFAULT_DURATION;
    if (simulation.has("duration")) {
      Duration parsed = duration(simulation.get("duration"), "simulation.duration");
      if (parsed != null && (parsed.isZero() || parsed.compareTo(MAX_DURATION) > 0)) {
        problem("simulation.duration", "must be more than 0s and at most 168h");
      } else if (parsed != null) {
        duration = parsed;
      }
    }
    List<Duration> revisions = revisions(simulation.get("newRevisionAt"));
    Map<String, List<Trace.MetricStep>> metrics = metrics(simulation.get("metrics"));
    Map<String, List<Trace.HookStep>> webhooks = webhooks(simulation.get("webhooks"));
    Map<String, List<Trace.ReadinessStep>> readiness = readiness(simulation.get("readiness"));
    List<Trace.TrafficStep> traffic = traffic(simulation.get("traffic"));
    String router = null;
    if (simulation.has("router")) {
      router = text(simulation.get("router"), "simulation.router");
      if (router != null && ValidationRouters.of(router).isEmpty()) {
        problem("simulation.router", "unknown router " + router + " (the runner simulates "
            + ValidationRouters.list() + ")");
        router = null;
      }
    }
    JsonNode canaryNode = root.get("canary");
    JsonNode providerNode = canaryNode == null ? null : canaryNode.path("spec").get("provider");
    String provider = providerNode != null && providerNode.isTextual() && !providerNode.textValue().isBlank()
        ? providerNode.textValue() : null;
    String routerKind = routerKind(provider, router, simulation.has("router"));
    CanaryDocument document = canary(canaryNode, routerKind);
    Canary canary = document == null ? null : document.canary();
    List<MetricTemplate> templates = metricTemplates(documents, namespaceOf(canaryNode));
    if (readCanary != null) {
      crossCheck(readCanary, metrics, webhooks, templates, !traffic.isEmpty());
    }
    if (!problems.isEmpty()) {
      throw new ScenarioException(source, problems);
    }
    return new Scenario(source, description, canary, document.notices(), duration, revisions, routerKind,
        ValidationRouters.of(routerKind).orElseThrow(), document.status(), templates, metrics, webhooks,
        readiness.getOrDefault("canary", List.of()), readiness.getOrDefault("primary", List.of()),
        readiness.get("primaryAfterPromotion"), traffic);
  }

  /** {@code simulation.traffic}: steps of Poisson traffic, each side's error rate a probability per request. */
  private List<Trace.TrafficStep> traffic(JsonNode node) {
    List<Trace.TrafficStep> result = new ArrayList<>();
    if (node == null) {
      return result;
    }
    for (Step step : steps(node, "simulation.traffic")) {
      keys(step.node, step.path, "from", "requestsPerSecond", "primaryErrorRate", "canaryErrorRate",
          "primaryLatency", "canaryLatency");
      Duration from = from(step);
      Double rps = share(step, "requestsPerSecond", 1_000_000);
      Double primary = share(step, "primaryErrorRate", 1);
      Double canary = step.node.has("canaryErrorRate") ? share(step, "canaryErrorRate", 1) : primary;
      if (!step.node.has("requestsPerSecond")) {
        problem(step.path + ".requestsPerSecond", "required");
      }
      if (!step.node.has("primaryErrorRate")) {
        problem(step.path + ".primaryErrorRate", "required (a probability per request, 0.01 for 1%)");
      }
      LatencyDistribution primaryLatency = latency(step, "primaryLatency");
      LatencyDistribution canaryLatency = latency(step, "canaryLatency");
      if (canaryLatency != null && !step.node.has("primaryLatency")) {
        problem(step.path + ".primaryLatency", "required with canaryLatency (the latency judge compares both sides)");
      }
      if (primaryLatency != null) {
        trafficLatency = true;
      }
      if (from != null && rps != null && primary != null && canary != null) {
        result.add(new Trace.TrafficStep(from, new io.canaryanalysis.simulation.Traffic(rps, primary, canary,
            primaryLatency, canaryLatency)));
      }
    }
    return result;
  }

  /** {@code {median: 50, p99: 200}} in milliseconds: a log-normal latency; null when absent or bad (reported). */
  private LatencyDistribution latency(Step step, String field) {
    JsonNode node = step.node.get(field);
    if (node == null) {
      return null;
    }
    String path = step.path + "." + field;
    if (!node.isObject()) {
      problem(path, "must be {median: <ms>, p99: <ms>}");
      return null;
    }
    keys(node, path, "median", "p99");
    JsonNode median = node.get("median");
    JsonNode p99 = node.get("p99");
    boolean ok = true;
    if (median == null || !median.isNumber() || !(median.doubleValue() > 0)) {
      problem(path + ".median", "required: a number of milliseconds greater than 0");
      ok = false;
    }
    if (p99 == null || !p99.isNumber() || !(p99.doubleValue() > 0)) {
      problem(path + ".p99", "required: a number of milliseconds greater than 0");
      ok = false;
    } else if (ok && p99.doubleValue() < median.doubleValue()) {
      problem(path + ".p99", "must not be less than the median (" + median.asText() + ")");
      ok = false;
    }
    return ok ? new LatencyDistribution(median.doubleValue(), p99.doubleValue()) : null;
  }

  private Double share(Step step, String field, double max) {
    JsonNode node = step.node.get(field);
    if (node == null) {
      return null;
    }
    if (!node.isNumber() || !(node.doubleValue() >= 0 && node.doubleValue() <= max)) {
      problem(step.path + "." + field, "must be a number between 0 and " + (max == 1 ? "1" : "1000000")
          + " but is " + node.asText());
      return null;
    }
    return node.doubleValue();
  }

  /**
   * The YAML documents of {@code text}: split at the lines that start a document ({@code ---} at
   * the start of a line, which YAML allows nowhere else), leading empty ones dropped.
   */
  static List<String> documents(String text) {
    List<String> documents = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      String bare = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
      if (bare.equals("---") || bare.startsWith("--- ") || bare.startsWith("---\t")) {
        documents.add(current.toString());
        current = new StringBuilder(bare.substring(3).strip()).append('\n');
        continue;
      }
      current.append(line).append('\n');
    }
    documents.add(current.toString());
    while (documents.size() > 1 && isEmptyDocument(documents.get(0))) {
      documents.remove(0);
    }
    return documents;
  }

  private static boolean isEmptyDocument(String document) {
    return document.lines().map(String::strip).allMatch(line -> line.isEmpty() || line.startsWith("#"));
  }

  private static String namespaceOf(JsonNode canary) {
    JsonNode namespace = canary == null ? null : canary.path("metadata").get("namespace");
    return namespace != null && namespace.isTextual() && !namespace.textValue().isBlank()
        ? namespace.textValue() : CanaryManifests.DEFAULT_NAMESPACE;
  }

  /**
   * The documents after the scenario: MetricTemplates, read and validated like the canary; any
   * other kind is an error. Paths start with {@code documents[i]}, the scenario being document 0.
   */
  private List<MetricTemplate> metricTemplates(List<String> documents, String namespace) {
    List<MetricTemplate> templates = new ArrayList<>();
    ManifestReader reader = ManifestReader.create().withDefaultNamespace(namespace)
        .withMetricTemplateChecks(CanaryValidator::check);
    for (int i = 1; i < documents.size(); i++) {
      String path = "documents[" + i + "]";
      if (isEmptyDocument(documents.get(i))) {
        continue;
      }
      JsonNode node;
      try {
        node = YAML.readTree(documents.get(i));
      } catch (JsonProcessingException e) {
        problem(path, "not valid YAML" + (e.getLocation() == null ? ""
            : " at line " + e.getLocation().getLineNr() + " of the document"));
        continue;
      }
      if (node == null || !node.isObject()) {
        problem(path, expected("a Flagger MetricTemplate (a mapping)", node == null ? YAML.nullNode() : node));
        continue;
      }
      JsonNode kind = node.get("kind");
      if (kind == null || !kind.isTextual()) {
        problem(path + ".kind", "required: the documents after the scenario are MetricTemplates");
      } else if (kind.textValue().equals("AlertProvider")) {
        problem(path + ".kind", "AlertProvider documents are not read by the runner yet (it sends no "
            + "alerts); remove it");
      } else if (!kind.textValue().equals("MetricTemplate")) {
        problem(path + ".kind", "expected MetricTemplate: the documents after the scenario are the "
            + "MetricTemplates its canary's templateRefs name");
      } else {
        try {
          templates.add(reader.readMetricTemplate(documents.get(i)));
        } catch (ManifestException e) {
          for (SpecProblem p : e.problems()) {
            problem(p.path().equals("manifest") ? path : path + "." + p.path(), p.message());
          }
        }
      }
    }
    return templates;
  }

  private CanaryDocument canary(JsonNode node, String routerKind) {
    if (node == null) {
      problem("canary", "required: a Flagger Canary manifest (apiVersion flagger.app/v1beta1, kind Canary)");
      return null;
    }
    if (!isObject(node, "canary")) {
      return null;
    }
    try {
      Map<String, Object> tree = YAML.convertValue(node, new TypeReference<Map<String, Object>>() {});
      // Validate as the engine does: with the router the canary gets, as if the spec named it.
      TrafficRouter router = routerKind == null ? null : ValidationRouters.of(routerKind).orElse(null);
      ManifestReader reader = ManifestReader.create().withCanaryChecks(canary -> {
        readCanary = canary;
        return CanaryValidator.check(canary.spec().provider() != null || routerKind == null ? canary
            : canary.withSpec(canary.spec().toBuilder().provider(routerKind).build()), router);
      });
      return reader.readCanary(tree);
    } catch (ManifestException e) {
      for (SpecProblem p : e.problems()) {
        String path = p.path().isEmpty() || p.path().equals("manifest") ? "canary" : "canary." + p.path();
        problem(path, p.message());
      }
      return null;
    }
  }

  private String routerKind(String provider, String scenarioRouter, boolean routerGiven) {
    if (provider != null && ValidationRouters.of(provider).isEmpty()) {
      return null; // an unknown provider is the manifest reader's to report
    }
    if (provider != null && scenarioRouter != null && !provider.equals(scenarioRouter)) {
      problem("simulation.router", scenarioRouter + " does not match canary.spec.provider " + provider
          + "; drop simulation.router or make them equal");
      return null;
    }
    if (routerGiven && scenarioRouter == null) {
      return null;
    }
    return provider != null ? provider : scenarioRouter != null ? scenarioRouter : DEFAULT_ROUTER;
  }

  /**
   * Scripted names must exist in the canary, every metric must be scripted, and every templateRef
   * must name a MetricTemplate of the file (the canary itself was validated as it was read).
   */
  private void crossCheck(Canary canary, Map<String, List<Trace.MetricStep>> metrics,
      Map<String, List<Trace.HookStep>> webhooks, List<MetricTemplate> templates, boolean traffic) {
    Analysis analysis = canary.spec().analysis();
    Set<String> metricNames = new LinkedHashSet<>();
    Set<String> hookNames = new LinkedHashSet<>();
    if (analysis != null) {
      // A blank name is a placeholder for one the reader could not read (and reported).
      analysis.metrics().forEach(m -> metricNames.add(m.name()));
      analysis.webhooks().forEach(w -> hookNames.add(w.name()));
      if (metricNames.contains("") || hookNames.contains("")) {
        return;
      }
    }
    for (String name : metrics.keySet()) {
      if (!metricNames.contains(name)) {
        problem("simulation.metrics." + name, "the canary has no metric named " + name
            + " (its metrics: " + (metricNames.isEmpty() ? "none" : String.join(", ", metricNames)) + ")");
      }
    }
    if (analysis != null) {
      for (int i = 0; i < analysis.metrics().size(); i++) {
        MetricCheck check = analysis.metrics().get(i);
        boolean fromTraffic = traffic && (check.isJudge()
            || (check.isBuiltin() && check.name().equals(MetricCheck.REQUEST_SUCCESS_RATE))
            || (trafficLatency && check.isBuiltin() && check.name().equals(MetricCheck.REQUEST_DURATION)));
        if (check.isJudge() && !traffic) {
          problem("simulation.traffic", "the judge " + check.name() + " (canary.spec.analysis.metrics[" + i
              + "]) compares canary and primary requests; script them with simulation.traffic");
        } else if (check.isJudge() && check.judge().isLatency() && !trafficLatency) {
          problem("simulation.traffic", "the latency judge " + check.name() + " (canary.spec.analysis.metrics["
              + i + "]) compares latency histograms; script primaryLatency (and canaryLatency) in simulation.traffic");
        } else if (!metrics.containsKey(check.name()) && !fromTraffic) {
          problem("simulation.metrics", "no trace for metric " + check.name() + " (canary.spec.analysis.metrics["
              + i + "]); script its values, or {from: 0s, noData: true} to simulate no data");
        }
      }
    }
    for (String name : webhooks.keySet()) {
      if (!hookNames.contains(name)) {
        problem("simulation.webhooks." + name, "the canary has no webhook named " + name
            + " (its webhooks: " + (hookNames.isEmpty() ? "none" : String.join(", ", hookNames)) + ")");
      }
    }
    if (analysis != null) {
      for (int i = 0; i < analysis.metrics().size(); i++) {
        TemplateRef ref = analysis.metrics().get(i).templateRef();
        if (ref == null || ref.name().isBlank()) {
          continue;
        }
        String namespace = ref.namespace() == null ? canary.namespace() : ref.namespace();
        boolean found = templates.stream()
            .anyMatch(t -> t.name().equals(ref.name()) && t.namespace().equals(namespace));
        if (!found) {
          problem("canary.spec.analysis.metrics[" + i + "].templateRef", "no MetricTemplate " + ref.name()
              + " in namespace " + namespace + " in this file; add it as a document after ---");
        }
      }
    }
  }

  private List<Duration> revisions(JsonNode node) {
    String path = "simulation.newRevisionAt";
    if (node == null) {
      return List.of(Duration.ZERO);
    }
    List<Duration> result = new ArrayList<>();
    if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        Duration at = duration(node.get(i), path + "[" + i + "]");
        if (at != null) {
          result.add(at);
        }
      }
    } else {
      Duration at = duration(node, path);
      if (at != null) {
        result.add(at);
      }
    }
    return result;
  }

  private Map<String, List<Trace.MetricStep>> metrics(JsonNode node) {
    Map<String, List<Trace.MetricStep>> result = new LinkedHashMap<>();
    String path = "simulation.metrics";
    if (node == null || !isObject(node, path)) {
      return result;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      String listPath = path + "." + entry.getKey();
      List<Trace.MetricStep> steps = new ArrayList<>();
      for (Step step : steps(entry.getValue(), listPath)) {
        keys(step.node, step.path, "from", "value", "noData", "error", "minWeight", "noise", "noDataChance");
        Duration from = from(step);
        Integer minWeight = null;
        if (step.node.has("minWeight")) {
          minWeight = integer(step.node.get("minWeight"), step.path + ".minWeight", 0, 100);
        }
        int answers = count(step.node, "value", "noData", "error");
        MetricResult answer = null;
        if (answers != 1) {
          problem(step.path, "needs exactly one of value (a number), noData: true or error (a failed query)");
        } else if (step.node.has("value")) {
          JsonNode value = step.node.get("value");
          if (!value.isNumber()) {
            problem(step.path + ".value", expected("a number", value));
          } else if (Double.isNaN(value.doubleValue())) {
            problem(step.path + ".value", "NaN is no data; write noData: true");
          } else {
            answer = MetricResult.value(value.doubleValue());
          }
        } else if (step.node.has("noData")) {
          Boolean noData = bool(step.node.get("noData"), step.path + ".noData");
          if (Boolean.FALSE.equals(noData)) {
            problem(step.path + ".noData", "only noData: true is meaningful; give a value instead");
          } else if (noData != null) {
            answer = MetricResult.noData("no values (scripted)");
          }
        } else {
          String error = text(step.node.get("error"), step.path + ".error");
          if (error != null) {
            answer = MetricResult.failed(error);
          }
        }
        double noise = randomness(step, "noise", "the standard deviation of Gaussian noise added to the value",
            Double.POSITIVE_INFINITY);
        double noDataChance = randomness(step, "noDataChance", "the probability that a query returns no data", 1);
        if (from != null && answer != null) {
          steps.add(new Trace.MetricStep(from, minWeight, answer, noise, noDataChance));
        }
      }
      result.put(entry.getKey(), steps);
    }
    return result;
  }

  /**
   * An optional number {@code field} of a metric step, between 0 and {@code max}, that only a
   * {@code value} step may carry; 0 when absent or invalid.
   */
  private double randomness(Step step, String field, String meaning, double max) {
    JsonNode node = step.node.get(field);
    if (node == null) {
      return 0;
    }
    String path = step.path + "." + field;
    if (!node.isNumber()) {
      problem(path, expected("a number (" + meaning + ")", node));
      return 0;
    }
    double number = node.doubleValue();
    if (!(number >= 0 && number <= max) || Double.isInfinite(number)) {
      problem(path, "must be " + (max == 1 ? "between 0 and 1" : "0 or more") + " (" + meaning + ") but is "
          + node.asText());
      return 0;
    }
    if (!step.node.has("value")) {
      problem(path, "applies only to a step with a value");
      return 0;
    }
    return number;
  }

  private Map<String, List<Trace.HookStep>> webhooks(JsonNode node) {
    Map<String, List<Trace.HookStep>> result = new LinkedHashMap<>();
    String path = "simulation.webhooks";
    if (node == null || !isObject(node, path)) {
      return result;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      String listPath = path + "." + entry.getKey();
      List<Trace.HookStep> steps = new ArrayList<>();
      for (Step step : steps(entry.getValue(), listPath)) {
        keys(step.node, step.path, "from", "status", "body", "error");
        Duration from = from(step);
        WebhookResult answer = null;
        if (count(step.node, "status", "error") != 1) {
          problem(step.path, "needs exactly one of status (an HTTP status; 200-202 pass) or error (a transport failure)");
        } else if (step.node.has("status")) {
          Integer status = integer(step.node.get("status"), step.path + ".status", 100, 599);
          String body = step.node.has("body") ? text(step.node.get("body"), step.path + ".body") : "";
          if (status != null && body != null) {
            answer = WebhookResult.status(status, body);
          }
        } else {
          if (step.node.has("body")) {
            problem(step.path + ".body", "a transport error has no body; use status with body");
          }
          String error = text(step.node.get("error"), step.path + ".error");
          if (error != null) {
            answer = WebhookResult.transportFailure(error);
          }
        }
        if (from != null && answer != null) {
          steps.add(new Trace.HookStep(from, answer));
        }
      }
      result.put(entry.getKey(), steps);
    }
    return result;
  }

  private Map<String, List<Trace.ReadinessStep>> readiness(JsonNode node) {
    Map<String, List<Trace.ReadinessStep>> result = new LinkedHashMap<>();
    String path = "simulation.readiness";
    if (node == null || !isObject(node, path)) {
      return result;
    }
    keys(node, path, "canary", "primary", "primaryAfterPromotion");
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      String listPath = path + "." + entry.getKey();
      List<Trace.ReadinessStep> steps = new ArrayList<>();
      for (Step step : steps(entry.getValue(), listPath)) {
        keys(step.node, step.path, "from", "ready", "failed", "message");
        Duration from = from(step);
        Boolean ready = null;
        if (!step.node.has("ready")) {
          problem(step.path + ".ready", "required: true or false");
        } else {
          ready = bool(step.node.get("ready"), step.path + ".ready");
        }
        boolean failed = step.node.has("failed")
            && Boolean.TRUE.equals(bool(step.node.get("failed"), step.path + ".failed"));
        String message = step.node.has("message") ? text(step.node.get("message"), step.path + ".message") : null;
        if (Boolean.TRUE.equals(ready) && (failed || message != null)) {
          problem(step.path, "failed and message apply only when ready is false");
          continue;
        }
        if (from == null || ready == null) {
          continue;
        }
        Readiness readiness;
        if (ready) {
          readiness = Readiness.READY;
        } else {
          String text = message != null ? message : "not ready (scripted)";
          readiness = failed ? Readiness.failed(text) : Readiness.waiting(text);
        }
        steps.add(new Trace.ReadinessStep(from, readiness));
      }
      result.put(entry.getKey(), steps);
    }
    return result;
  }

  /** One entry of a trace list, with its path. */
  private record Step(JsonNode node, String path) {}

  private List<Step> steps(JsonNode list, String path) {
    List<Step> steps = new ArrayList<>();
    if (!list.isArray()) {
      problem(path, expected("a list of steps like {from: 0s, ...}", list));
      return steps;
    }
    if (list.isEmpty()) {
      problem(path, "needs at least one step");
    }
    for (int i = 0; i < list.size(); i++) {
      String stepPath = path + "[" + i + "]";
      if (isObject(list.get(i), stepPath)) {
        steps.add(new Step(list.get(i), stepPath));
      }
    }
    return steps;
  }

  private Duration from(Step step) {
    if (!step.node.has("from")) {
      problem(step.path + ".from", "required: the simulated time the step starts, like 0s or 4m");
      return null;
    }
    return duration(step.node.get("from"), step.path + ".from");
  }

  private static int count(JsonNode node, String... fields) {
    int n = 0;
    for (String field : fields) {
      if (node.has(field)) {
        n++;
      }
    }
    return n;
  }

  private void keys(JsonNode node, String path, String... allowed) {
    Set<String> known = Set.of(allowed);
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!known.contains(key)) {
        problem(join(path, key), "unknown field (expected one of " + String.join(", ", allowed) + ")");
      }
    }
  }

  private boolean isObject(JsonNode node, String path) {
    if (node.isObject()) {
      return true;
    }
    problem(path, expected("a mapping", node));
    return false;
  }

  private Duration duration(JsonNode node, String path) {
    Duration parsed = node.isTextual() ? GoDurations.parse(node.textValue()) : null;
    if (parsed == null) {
      problem(path, node.isTextual()
          ? "not a duration: " + node.textValue() + " (write it like 30s, 4m, 1m30s or 1h)"
          : expected("a duration like 30s, 4m or 1h", node));
    }
    return parsed;
  }

  private String text(JsonNode node, String path) {
    if (node == null) {
      return null;
    }
    if (!node.isTextual()) {
      problem(path, expected("a string", node));
      return null;
    }
    return node.textValue();
  }

  private Boolean bool(JsonNode node, String path) {
    if (!node.isBoolean()) {
      problem(path, expected("true or false", node));
      return null;
    }
    return node.booleanValue();
  }

  private Integer integer(JsonNode node, String path, int min, int max) {
    if (!node.isIntegralNumber()) {
      problem(path, expected("a whole number", node));
      return null;
    }
    int value = node.intValue();
    if (value < min || value > max) {
      problem(path, "must be between " + min + " and " + max + " but is " + value);
      return null;
    }
    return value;
  }

  private static String expected(String what, JsonNode found) {
    String type;
    if (found.isTextual()) {
      type = "a string";
    } else if (found.isNumber()) {
      type = "a number";
    } else if (found.isBoolean()) {
      type = "a boolean";
    } else if (found.isArray()) {
      type = "a list";
    } else if (found.isObject()) {
      type = "a mapping";
    } else {
      type = "null";
    }
    return "expected " + what + " but found " + type;
  }

  private static String join(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  private void problem(String path, String message) {
    problems.add(new SpecProblem(path, message));
  }
}
