package io.canaryanalysis.manifest;

import io.canaryanalysis.api.AlertSeverity;
import io.canaryanalysis.api.spec.AlertRef;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.AutoscalerRef;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.spec.GatewayRef;
import io.canaryanalysis.api.spec.HttpMatch;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.MetricKind;
import io.canaryanalysis.api.spec.MetricTemplate;
import io.canaryanalysis.api.spec.NoDataPolicy;
import io.canaryanalysis.api.spec.ObjectMetadata;
import io.canaryanalysis.api.spec.ObjectReference;
import io.canaryanalysis.api.spec.ScalerReplicas;
import io.canaryanalysis.api.spec.SeriesAggregation;
import io.canaryanalysis.api.spec.SessionAffinity;
import io.canaryanalysis.api.spec.StringMatch;
import io.canaryanalysis.api.spec.Webhook;
import io.canaryanalysis.api.spec.WebhookType;
import io.canaryanalysis.api.spec.JudgeSpec;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.api.status.CapacityWait;
import io.canaryanalysis.api.status.CheckStatus;
import io.canaryanalysis.api.status.JudgeStatus;
import io.canaryanalysis.api.status.JudgeStep;
import io.canaryanalysis.api.status.LatencyEvidence;
import io.canaryanalysis.api.status.LatencyStep;
import io.canaryanalysis.api.status.Measurement;
import io.canaryanalysis.api.status.FailureReason;
import io.canaryanalysis.api.status.Incident;
import io.canaryanalysis.api.status.StatusCondition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds Flagger-shaped JSON-like trees (ordered maps, lists, scalars) from the model. Fields at
 * their default (webhook {@code type: rollout} and {@code timeout: 10s}, alert {@code severity:
 * info}, ...) are left out, except {@code interval} and {@code threshold} which Flagger's CRD
 * requires; user maps are written in key order so the output is deterministic.
 */
final class ManifestWriter {
  private ManifestWriter() {}

  static Map<String, Object> canary(Canary canary, CanaryStatus status) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("apiVersion", CanaryReader.API_VERSION);
    root.put("kind", Canary.KIND);
    root.put("metadata", metadata(canary.name(), canary.namespace(), canary.uid(), canary.labels(),
        canary.annotations()));
    root.put("spec", spec(canary.spec()));
    if (status != null) {
      root.put("status", status(status));
    }
    return root;
  }

  static Map<String, Object> metricTemplate(MetricTemplate template) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("apiVersion", CanaryReader.API_VERSION);
    root.put("kind", "MetricTemplate");
    root.put("metadata", metadata(template.name(), template.namespace(), null, Map.of(), Map.of()));
    Map<String, Object> provider = new LinkedHashMap<>();
    provider.put("type", template.provider().type());
    put(provider, "address", template.provider().address());
    if (!template.provider().headers().isEmpty()) {
      Map<String, Object> headers = new TreeMap<>();
      template.provider().headers().forEach((name, value) -> headers.put(name, List.of(value)));
      provider.put("headers", headers);
    }
    if (template.provider().secretRef() != null) {
      provider.put("secretRef", Map.of("name", template.provider().secretRef()));
    }
    putTrue(provider, "insecureSkipVerify", template.provider().insecureSkipVerify());
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("provider", provider);
    spec.put("query", template.query());
    root.put("spec", spec);
    return root;
  }

  private static Map<String, Object> metadata(String name, String namespace, String uid,
      Map<String, String> labels, Map<String, String> annotations) {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("name", name);
    metadata.put("namespace", namespace);
    put(metadata, "uid", uid);
    putMap(metadata, "labels", labels);
    putMap(metadata, "annotations", annotations);
    return metadata;
  }

  private static Map<String, Object> spec(CanarySpec spec) {
    Map<String, Object> s = new LinkedHashMap<>();
    put(s, "provider", spec.provider());
    put(s, "metricsServer", spec.metricsServer());
    s.put("targetRef", reference(spec.targetRef()));
    if (spec.ingressRef() != null) {
      s.put("ingressRef", reference(spec.ingressRef()));
    }
    if (spec.autoscalerRef() != null) {
      s.put("autoscalerRef", autoscalerRef(spec.autoscalerRef()));
    }
    if (spec.progressDeadlineSeconds() != CanarySpec.DEFAULT_PROGRESS_DEADLINE_SECONDS) {
      s.put("progressDeadlineSeconds", spec.progressDeadlineSeconds());
    }
    putTrue(s, "skipAnalysis", spec.skipAnalysis());
    putTrue(s, "suspend", spec.suspend());
    putTrue(s, "revertOnDeletion", spec.revertOnDeletion());
    s.put("service", service(spec.service()));
    if (spec.analysis() != null) {
      s.put("analysis", analysis(spec.analysis()));
    }
    return s;
  }

  private static Map<String, Object> reference(ObjectReference ref) {
    Map<String, Object> r = new LinkedHashMap<>();
    put(r, "apiVersion", ref.apiVersion());
    put(r, "kind", ref.kind());
    r.put("name", ref.name());
    return r;
  }

  private static Map<String, Object> autoscalerRef(AutoscalerRef ref) {
    Map<String, Object> r = new LinkedHashMap<>();
    put(r, "apiVersion", ref.apiVersion());
    put(r, "kind", ref.kind());
    r.put("name", ref.name());
    ScalerReplicas replicas = ref.primaryScalerReplicas();
    if (replicas != null) {
      Map<String, Object> p = new LinkedHashMap<>();
      put(p, "minReplicas", replicas.minReplicas());
      put(p, "maxReplicas", replicas.maxReplicas());
      r.put("primaryScalerReplicas", p);
    }
    putMap(r, "primaryScalerQueries", ref.primaryScalerQueries());
    return r;
  }

  private static Map<String, Object> gatewayRef(GatewayRef ref) {
    Map<String, Object> r = new LinkedHashMap<>();
    put(r, "group", ref.group());
    put(r, "kind", ref.kind());
    put(r, "namespace", ref.namespace());
    r.put("name", ref.name());
    put(r, "sectionName", ref.sectionName());
    put(r, "port", ref.port());
    return r;
  }

  private static Map<String, Object> service(CanaryService service) {
    Map<String, Object> s = new LinkedHashMap<>();
    put(s, "name", service.name());
    s.put("port", service.port());
    if (!"http".equals(service.portName())) {
      s.put("portName", service.portName());
    }
    if (service.targetPort() != null) {
      s.put("targetPort", service.targetPort().matches("0|[1-9][0-9]{0,8}")
          ? (Object) Integer.parseInt(service.targetPort()) : service.targetPort());
    }
    put(s, "appProtocol", service.appProtocol());
    putTrue(s, "portDiscovery", service.portDiscovery());
    putTrue(s, "headless", service.headless());
    putList(s, "hosts", service.hosts());
    putList(s, "gateways", service.gateways());
    if (!service.gatewayRefs().isEmpty()) {
      List<Object> refs = new ArrayList<>();
      service.gatewayRefs().forEach(ref -> refs.add(gatewayRef(ref)));
      s.put("gatewayRefs", refs);
    }
    put(s, "backendTimeout", service.backendTimeout());
    putMatches(s, "match", service.match());
    putTree(s, "rewrite", service.rewrite());
    put(s, "timeout", service.timeout());
    putTree(s, "retries", service.retries());
    putTree(s, "headers", service.headers());
    putTree(s, "corsPolicy", service.corsPolicy());
    putTree(s, "trafficPolicy", service.trafficPolicy());
    putObjectMetadata(s, "apex", service.apex());
    putObjectMetadata(s, "primary", service.primary());
    putObjectMetadata(s, "canary", service.canary());
    return s;
  }

  private static Map<String, Object> analysis(Analysis analysis) {
    Map<String, Object> a = new LinkedHashMap<>();
    a.put("interval", Durations.format(analysis.interval()));
    a.put("threshold", analysis.threshold());
    put(a, "maxWeight", analysis.maxWeight());
    putNonZero(a, "stepWeight", analysis.stepWeight());
    putList(a, "stepWeights", analysis.stepWeights());
    putNonZero(a, "stepWeightPromotion", analysis.stepWeightPromotion());
    putNonZero(a, "iterations", analysis.iterations());
    putMatches(a, "match", analysis.match());
    putTrue(a, "mirror", analysis.mirror());
    putNonZero(a, "mirrorWeight", analysis.mirrorWeight());
    if (analysis.primaryReadyThreshold() != 100) {
      a.put("primaryReadyThreshold", analysis.primaryReadyThreshold());
    }
    put(a, "consecutiveErrorLimit", analysis.consecutiveErrorLimit());
    put(a, "measurementRetention", analysis.measurementRetention());
    if (analysis.canaryReadyThreshold() != 100) {
      a.put("canaryReadyThreshold", analysis.canaryReadyThreshold());
    }
    if (analysis.sessionAffinity() != null) {
      SessionAffinity affinity = analysis.sessionAffinity();
      Map<String, Object> sa = new LinkedHashMap<>();
      put(sa, "cookieName", affinity.cookieName());
      put(sa, "primaryCookieName", affinity.primaryCookieName());
      sa.put("maxAge", affinity.maxAge());
      a.put("sessionAffinity", sa);
    }
    if (!analysis.metrics().isEmpty()) {
      List<Object> metrics = new ArrayList<>();
      analysis.metrics().forEach(m -> metrics.add(metric(m)));
      a.put("metrics", metrics);
    }
    if (!analysis.webhooks().isEmpty()) {
      List<Object> webhooks = new ArrayList<>();
      analysis.webhooks().forEach(w -> webhooks.add(webhook(w)));
      a.put("webhooks", webhooks);
    }
    if (!analysis.alerts().isEmpty()) {
      List<Object> alerts = new ArrayList<>();
      analysis.alerts().forEach(al -> alerts.add(alert(al)));
      a.put("alerts", alerts);
    }
    return a;
  }

  private static Map<String, Object> metric(MetricCheck metric) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", metric.name());
    if (metric.interval() != null) {
      m.put("interval", Durations.format(metric.interval()));
    }
    if (metric.thresholdRange() != null) {
      Map<String, Object> range = new LinkedHashMap<>();
      put(range, "min", number(metric.thresholdRange().min()));
      put(range, "max", number(metric.thresholdRange().max()));
      m.put("thresholdRange", range);
    }
    put(m, "threshold", number(metric.threshold()));
    put(m, "query", metric.query());
    if (metric.templateRef() != null) {
      Map<String, Object> ref = new LinkedHashMap<>();
      ref.put("name", metric.templateRef().name());
      put(ref, "namespace", metric.templateRef().namespace());
      m.put("templateRef", ref);
    }
    putMap(m, "templateVariables", metric.templateVariables());
    if (metric.kind() != MetricKind.VALUE) {
      m.put("kind", metric.kind().manifestValue());
    }
    if (metric.aggregation() != SeriesAggregation.NONE) {
      m.put("aggregate", metric.aggregation().manifestValue());
    }
    if (metric.onNoData() != NoDataPolicy.FAIL) {
      m.put("onNoData", metric.onNoData().manifestValue());
    }
    if (metric.acceptInfinite()) {
      m.put("acceptInfinite", true);
    }
    put(m, "consecutiveErrorLimit", metric.consecutiveErrorLimit());
    if (metric.judge() != null) {
      JudgeSpec judge = metric.judge();
      Map<String, Object> j = new LinkedHashMap<>();
      if (judge.isLatency()) {
        j.put("kind", judge.kind().manifestValue());
      }
      put(j, "alpha", number(judge.alpha()));
      put(j, "minRatio", number(judge.minRatio()));
      put(j, "canaryErrors", judge.canaryErrors());
      put(j, "canaryRequests", judge.canaryRequests());
      put(j, "primaryErrors", judge.primaryErrors());
      put(j, "primaryRequests", judge.primaryRequests());
      put(j, "canaryBuckets", judge.canaryBuckets());
      put(j, "primaryBuckets", judge.primaryBuckets());
      m.put("judge", j);
    }
    return m;
  }

  private static Map<String, Object> webhook(Webhook webhook) {
    Map<String, Object> w = new LinkedHashMap<>();
    w.put("name", webhook.name());
    if (webhook.type() != WebhookType.ROLLOUT) {
      w.put("type", webhook.type().manifestValue());
    }
    put(w, "url", webhook.url());
    if (!webhook.timeout().equals(Webhook.DEFAULT_TIMEOUT)) {
      w.put("timeout", Durations.format(webhook.timeout()));
    }
    putNonZero(w, "retries", webhook.retries());
    putTrue(w, "disableTLS", webhook.disableTLS());
    putTrue(w, "muteAlert", webhook.muteAlert());
    putMap(w, "metadata", webhook.metadata());
    return w;
  }

  private static Map<String, Object> alert(AlertRef alert) {
    Map<String, Object> a = new LinkedHashMap<>();
    a.put("name", alert.name());
    if (alert.severity() != AlertSeverity.INFO) {
      a.put("severity", alert.severity().manifestValue());
    }
    Map<String, Object> ref = new LinkedHashMap<>();
    ref.put("name", alert.providerRef().name());
    put(ref, "namespace", alert.providerRef().namespace());
    a.put("providerRef", ref);
    return a;
  }

  static Map<String, Object> status(CanaryStatus status) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("phase", status.phase().flaggerName());
    s.put("canaryWeight", status.canaryWeight());
    s.put("failedChecks", status.failedChecks());
    s.put("iterations", status.iterations());
    put(s, "lastAppliedSpec", status.lastAppliedSpec());
    put(s, "lastPromotedSpec", status.lastPromotedSpec());
    putMap(s, "trackedConfigs", status.trackedConfigs());
    putTime(s, "lastTransitionTime", status.lastTransitionTime());
    if (!status.conditions().isEmpty()) {
      List<Object> conditions = new ArrayList<>();
      for (StatusCondition condition : status.conditions()) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("type", condition.type());
        c.put("status", condition.status().value());
        put(c, "reason", condition.reason());
        put(c, "message", condition.message());
        putTime(c, "lastUpdateTime", condition.lastUpdateTime());
        putTime(c, "lastTransitionTime", condition.lastTransitionTime());
        conditions.add(c);
      }
      s.put("conditions", conditions);
    }
    if (status.lastFailure() != null) {
      FailureReason failure = status.lastFailure();
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("kind", failure.kind().name());
      f.put("check", failure.check());
      if (failure.value() != null && Double.isFinite(failure.value())) {
        f.put("value", failure.value());
      }
      put(f, "bound", failure.bound());
      f.put("message", failure.message());
      putTime(f, "time", failure.time());
      s.put("lastFailure", f);
    }
    putTime(s, "lastAnalysisTime", status.lastAnalysisTime());
    putTime(s, "notReadySince", status.notReadySince());
    putTrue(s, "preRolloutPassed", status.preRolloutPassed());
    putTrue(s, "mirrored", status.mirrored());
    if (status.pendingPostRollout() != null) {
      s.put("pendingPostRollout", status.pendingPostRollout().flaggerName());
    }
    if (status.decision() > 0) {
      s.put("decision", status.decision());
    }
    if (!status.checks().isEmpty()) {
      List<Object> checks = new ArrayList<>();
      for (CheckStatus check : status.checks()) {
        checks.add(check(check));
      }
      s.put("checks", checks);
    }
    if (status.capacityWait() != null) {
      CapacityWait wait = status.capacityWait();
      Map<String, Object> w = new LinkedHashMap<>();
      w.put("move", wait.move().manifestValue());
      putTime(w, "since", wait.since());
      w.put("readyReplicas", wait.readyReplicas());
      w.put("neededReplicas", wait.neededReplicas());
      put(w, "message", wait.message().isEmpty() ? null : wait.message());
      s.put("capacityWait", w);
    }
    put(s, "effectiveSplit", status.effectiveSplit());
    if (!status.incidents().isEmpty()) {
      List<Object> incidents = new ArrayList<>();
      for (Incident incident : status.incidents()) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("kind", incident.kind().manifestValue());
        entry.put("message", incident.message());
        putTime(entry, "since", incident.since());
        putTime(entry, "alertedAt", incident.alertedAt());
        incidents.add(entry);
      }
      s.put("incidents", incidents);
    }
    return s;
  }

  private static Map<String, Object> check(CheckStatus check) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("name", check.name());
    putNonZero(c, "consecutiveErrors", check.consecutiveErrors());
    if (!check.measurements().isEmpty()) {
      List<Object> measurements = new ArrayList<>();
      for (Measurement m : check.measurements()) {
        Map<String, Object> entry = new LinkedHashMap<>();
        putTime(entry, "time", m.time());
        entry.put("outcome", m.outcome().manifestValue());
        put(entry, "value", finite(m.value()));
        put(entry, "bound", m.bound());
        measurements.add(entry);
      }
      c.put("measurements", measurements);
    }
    if (check.judge() != null) {
      JudgeStatus judge = check.judge();
      Map<String, Object> j = new LinkedHashMap<>();
      j.put("eValue", Double.isFinite(judge.eValue()) ? judge.eValue() : Double.MAX_VALUE);
      put(j, "rateRatio", finite(judge.rateRatio()));
      put(j, "ratioLower", finite(judge.ratioLower()));
      put(j, "ratioUpper", finite(judge.ratioUpper()));
      List<Object> steps = new ArrayList<>();
      for (JudgeStep step : judge.steps()) {
        Map<String, Object> st = new LinkedHashMap<>();
        st.put("weight", step.weight());
        st.put("canaryErrors", step.canaryErrors());
        st.put("primaryErrors", step.primaryErrors());
        st.put("canaryRequests", step.canaryRequests());
        st.put("primaryRequests", step.primaryRequests());
        steps.add(st);
      }
      if (!steps.isEmpty()) {
        j.put("steps", steps);
      }
      if (judge.latency() != null) {
        LatencyEvidence l = judge.latency();
        Map<String, Object> lat = new LinkedHashMap<>();
        lat.put("bounds", new ArrayList<>(l.bounds()));
        put(lat, "bound", finite(l.bound()));
        put(lat, "canaryP99", finite(l.canaryP99()));
        put(lat, "primaryP99", finite(l.primaryP99()));
        List<Object> latSteps = new ArrayList<>();
        for (LatencyStep step : l.steps()) {
          Map<String, Object> st = new LinkedHashMap<>();
          st.put("weight", step.weight());
          st.put("canaryRequests", step.canaryRequests());
          st.put("primaryRequests", step.primaryRequests());
          st.put("canarySlower", new ArrayList<>(step.canarySlower()));
          st.put("primarySlower", new ArrayList<>(step.primarySlower()));
          latSteps.add(st);
        }
        if (!latSteps.isEmpty()) {
          lat.put("steps", latSteps);
        }
        j.put("latency", lat);
      }
      c.put("judge", j);
    }
    return c;
  }

  private static Double finite(Double value) {
    return value == null || !Double.isFinite(value) ? null : value;
  }

  private static void putMatches(Map<String, Object> target, String field, List<HttpMatch> matches) {
    if (matches.isEmpty()) {
      return;
    }
    List<Object> result = new ArrayList<>();
    for (HttpMatch match : matches) {
      Map<String, Object> m = new LinkedHashMap<>();
      putStringMatch(m, "uri", match.uri());
      putStringMatch(m, "method", match.method());
      putStringMatch(m, "scheme", match.scheme());
      putStringMatch(m, "authority", match.authority());
      putStringMatches(m, "headers", match.headers());
      putStringMatches(m, "queryParams", match.queryParams());
      putMap(m, "sourceLabels", match.sourceLabels());
      result.add(m);
    }
    target.put(field, result);
  }

  private static void putStringMatches(Map<String, Object> target, String field,
      Map<String, StringMatch> matches) {
    if (matches.isEmpty()) {
      return;
    }
    Map<String, Object> result = new TreeMap<>();
    matches.forEach((name, match) -> result.put(name, stringMatch(match)));
    target.put(field, result);
  }

  private static void putStringMatch(Map<String, Object> target, String field, StringMatch match) {
    if (match != null) {
      target.put(field, stringMatch(match));
    }
  }

  private static Map<String, Object> stringMatch(StringMatch match) {
    return Map.of(match.type().fieldName(), match.value());
  }

  private static void putObjectMetadata(Map<String, Object> target, String field, ObjectMetadata metadata) {
    if (metadata.labels().isEmpty() && metadata.annotations().isEmpty()) {
      return;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    putMap(m, "labels", metadata.labels());
    putMap(m, "annotations", metadata.annotations());
    target.put(field, m);
  }

  /** Whole numbers as integers ({@code min: 99}, as people write them); others unchanged. */
  private static Object number(Double value) {
    if (value != null && value == Math.rint(value) && Math.abs(value) < 1e15
        && !value.equals(-0.0)) {
      return value.longValue();
    }
    return value;
  }

  private static void put(Map<String, Object> target, String field, Object value) {
    if (value != null) {
      target.put(field, value);
    }
  }

  private static void putTrue(Map<String, Object> target, String field, boolean value) {
    if (value) {
      target.put(field, true);
    }
  }

  private static void putNonZero(Map<String, Object> target, String field, int value) {
    if (value != 0) {
      target.put(field, value);
    }
  }

  private static void putList(Map<String, Object> target, String field, List<?> values) {
    if (!values.isEmpty()) {
      target.put(field, new ArrayList<>(values));
    }
  }

  private static void putMap(Map<String, Object> target, String field, Map<String, String> values) {
    if (!values.isEmpty()) {
      target.put(field, new TreeMap<>(values));
    }
  }

  private static void putTree(Map<String, Object> target, String field, Map<String, Object> tree) {
    if (!tree.isEmpty()) {
      target.put(field, Trees.sorted(tree));
    }
  }

  private static void putTime(Map<String, Object> target, String field, Instant time) {
    if (time != null) {
      target.put(field, time.toString());
    }
  }
}
