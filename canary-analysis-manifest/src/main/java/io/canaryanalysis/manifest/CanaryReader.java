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
import io.canaryanalysis.api.spec.JudgeKind;
import io.canaryanalysis.api.spec.JudgeSpec;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.MetricKind;
import io.canaryanalysis.api.spec.NoDataPolicy;
import io.canaryanalysis.api.spec.ObjectMetadata;
import io.canaryanalysis.api.spec.ObjectReference;
import io.canaryanalysis.api.spec.ProviderRef;
import io.canaryanalysis.api.spec.ScalerReplicas;
import io.canaryanalysis.api.spec.SeriesAggregation;
import io.canaryanalysis.api.spec.SessionAffinity;
import io.canaryanalysis.api.spec.StringMatch;
import io.canaryanalysis.api.spec.TemplateRef;
import io.canaryanalysis.api.spec.ThresholdRange;
import io.canaryanalysis.api.spec.Webhook;
import io.canaryanalysis.api.spec.WebhookType;
import io.canaryanalysis.api.status.CanaryStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** Reads a Flagger {@code Canary} document into the model, reporting every problem with its path. */
final class CanaryReader {
  static final String API_VERSION = Canary.API_VERSION;
  /** Router kinds this project implements. */
  static final Set<String> SUPPORTED_PROVIDERS = Set.of("gatewayapi", "gatewayapi:v1",
      "gatewayapi:v1beta1", "traefik", "istio", "nginx", "kubernetes");
  /** Router kinds Flagger's CRD allows that this project does not implement. */
  static final Set<String> OTHER_FLAGGER_PROVIDERS = Set.of("apisix", "appmesh", "appmesh:v1beta2",
      "contour", "gloo", "knative", "kuma", "linkerd", "osm",
      "skipper", "smi:v1alpha1", "smi:v1alpha2", "smi:v1alpha3");

  private static final ObjectReference PLACEHOLDER_REF = new ObjectReference(null, null, "");

  private CanaryReader() {}

  /**
   * The canary document. When {@code doc.problems()} gained errors, the canary is partial: a field
   * that could not be read has its default, or a blank placeholder where it is required, and list
   * elements keep their places. It is good for semantic checks only, whose problems on and under a
   * reported path are left out ({@link ManifestReader}).
   */
  static CanaryDocument read(Fields doc, String defaultNamespace) {
    Problems problems = doc.problems();
    int noticesBefore = problems.noticeCount();
    doc.skip("apiVersion", "kind");
    Metadata metadata = Metadata.read(doc, defaultNamespace);
    CanarySpec spec = null;
    if (doc.has("spec")) {
      Fields specFields = doc.object("spec");
      spec = specFields == null ? null : readSpec(specFields);
    } else {
      doc.take("spec");
      doc.required("spec");
    }
    CanaryStatus status = null;
    if (doc.has("status")) {
      Fields statusFields = doc.object("status");
      status = statusFields == null ? null : StatusReader.read(statusFields);
    } else {
      doc.take("status");
    }
    doc.finish();
    if (spec == null) {
      spec = CanarySpec.builder().targetRef(PLACEHOLDER_REF).service(CanaryService.ofPort(0)).build();
    }
    Canary canary = new Canary(metadata.name(), metadata.namespace(), metadata.uid(),
        metadata.labels(), metadata.annotations(), spec);
    return new CanaryDocument(canary, status, problems.noticesSince(noticesBefore));
  }

  private static CanarySpec readSpec(Fields s) {
    String provider = s.string("provider");
    if (provider != null) {
      checkProvider(s, provider);
    }
    String metricsServer = s.string("metricsServer");
    ObjectReference targetRef = reference(s, "targetRef", true);
    ObjectReference ingressRef = reference(s, "ingressRef", false);
    AutoscalerRef autoscalerRef = autoscalerRef(s);
    s.unsupported("routeRef", "it is used by the apisix provider only");
    s.unsupported("upstreamRef", "it is used by the gloo provider only");
    CanaryService service = null;
    if (s.has("service")) {
      Fields serviceFields = s.object("service");
      service = serviceFields == null ? null : readService(serviceFields);
    } else {
      s.take("service");
      s.required("service");
    }
    Analysis analysis = null;
    boolean current = s.has("analysis");
    boolean deprecated = s.has("canaryAnalysis");
    if (current && deprecated) {
      s.take("canaryAnalysis");
      s.error("canaryAnalysis", "set either spec.analysis or the deprecated spec.canaryAnalysis, not both");
    } else if (deprecated) {
      s.problems().notice(s.pathOf("canaryAnalysis"), "deprecated; read as spec.analysis");
    }
    Fields analysisFields = s.object(deprecated && !current ? "canaryAnalysis" : "analysis");
    if (analysisFields != null) {
      analysis = readAnalysis(analysisFields);
    }
    s.take("analysis");
    s.take("canaryAnalysis");
    int progressDeadlineSeconds =
        s.integer("progressDeadlineSeconds", CanarySpec.DEFAULT_PROGRESS_DEADLINE_SECONDS);
    boolean skipAnalysis = s.bool("skipAnalysis");
    boolean suspend = s.bool("suspend");
    boolean revertOnDeletion = s.bool("revertOnDeletion");
    s.finish();
    if (targetRef == null) {
      targetRef = PLACEHOLDER_REF;
    }
    if (service == null) {
      service = CanaryService.ofPort(0);
    }
    return new CanarySpec(targetRef, ingressRef, autoscalerRef, service, provider, metricsServer, analysis,
        progressDeadlineSeconds, skipAnalysis, suspend, revertOnDeletion);
  }

  private static void checkProvider(Fields s, String provider) {
    if (SUPPORTED_PROVIDERS.contains(provider) || provider.isEmpty()) {
      return;
    }
    String supported = "use one of " + String.join(", ", sorted(SUPPORTED_PROVIDERS));
    if (OTHER_FLAGGER_PROVIDERS.contains(provider)) {
      s.error("provider", "the " + provider + " provider is " + Fields.NOT_SUPPORTED + "; " + supported);
    } else {
      s.error("provider", "unknown provider; " + supported);
    }
  }

  private static ObjectReference reference(Fields parent, String field, boolean required) {
    if (!parent.has(field)) {
      parent.take(field);
      if (required) {
        parent.required(field);
      }
      return null;
    }
    Fields ref = parent.object(field);
    if (ref == null) {
      return null;
    }
    String apiVersion = ref.string("apiVersion");
    String kind = ref.string("kind");
    String name = ref.requiredString("name");
    ref.finish();
    return new ObjectReference(apiVersion, kind, name == null ? "" : name);
  }

  private static AutoscalerRef autoscalerRef(Fields parent) {
    Fields ref = parent.object("autoscalerRef");
    if (ref == null) {
      return null;
    }
    String apiVersion = ref.string("apiVersion");
    String kind = ref.string("kind");
    String name = ref.requiredString("name");
    ScalerReplicas replicas = null;
    Fields replicaFields = ref.object("primaryScalerReplicas");
    if (replicaFields != null) {
      replicas = new ScalerReplicas(replicaFields.integer("minReplicas"), replicaFields.integer("maxReplicas"));
      replicaFields.finish();
    }
    Map<String, String> queries = ref.stringMap("primaryScalerQueries");
    ref.finish();
    return name == null ? null : new AutoscalerRef(apiVersion, kind, name, replicas, queries);
  }

  private static List<GatewayRef> gatewayRefs(Fields parent) {
    List<GatewayRef> result = new ArrayList<>();
    for (Fields g : parent.objects("gatewayRefs")) {
      String group = g.string("group");
      String kind = g.string("kind");
      String namespace = g.string("namespace");
      String name = g.requiredString("name");
      String sectionName = g.string("sectionName");
      Integer port = g.integer("port");
      g.finish();
      if (name != null) {
        result.add(new GatewayRef(group, kind, namespace, name, sectionName, port));
      }
    }
    return result;
  }

  private static CanaryService readService(Fields f) {
    CanaryService.Builder b = CanaryService.builder();
    b.name(f.string("name"));
    if (f.has("port")) {
      Integer port = f.integer("port");
      b.port(port == null ? 0 : port);
    } else {
      f.take("port");
      f.required("port");
    }
    b.portName(f.string("portName"));
    b.targetPort(intOrString(f, "targetPort"));
    b.appProtocol(f.string("appProtocol"));
    b.portDiscovery(f.bool("portDiscovery"));
    b.headless(f.bool("headless"));
    b.hosts(f.strings("hosts"));
    b.gateways(f.strings("gateways"));
    b.gatewayRefs(gatewayRefs(f));
    b.backendTimeout(f.string("backendTimeout"));
    b.match(matches(f, "match"));
    b.rewrite(f.tree("rewrite"));
    b.timeout(f.string("timeout"));
    b.retries(f.tree("retries"));
    b.headers(f.tree("headers"));
    b.corsPolicy(f.tree("corsPolicy"));
    b.trafficPolicy(f.tree("trafficPolicy"));
    b.apex(objectMetadata(f, "apex"));
    b.primary(objectMetadata(f, "primary"));
    b.canary(objectMetadata(f, "canary"));
    f.unsupported("trafficDistribution", null);
    f.unsupported("mirror", "it is used by the Gateway API provider only; use spec.analysis.mirror");
    f.unsupported("delegation", "Istio delegate VirtualServices are not generated");
    f.unsupported("meshName", "it is used by the App Mesh provider only");
    f.unsupported("backends", "it is used by the App Mesh provider only");
    f.unsupported("unmanagedMetadata", null);
    f.finish();
    return b.build();
  }

  private static String intOrString(Fields f, String field) {
    var value = f.take(field);
    if (value == null) {
      return null;
    }
    if (value.isTextual()) {
      return value.textValue();
    }
    if (value.isIntegralNumber() && value.canConvertToInt()) {
      return String.valueOf(value.intValue());
    }
    f.error(field, Fields.expected("an integer or a string", value));
    return null;
  }

  private static ObjectMetadata objectMetadata(Fields parent, String field) {
    Fields f = parent.object(field);
    if (f == null) {
      return ObjectMetadata.EMPTY;
    }
    Map<String, String> labels = f.stringMap("labels");
    Map<String, String> annotations = f.stringMap("annotations");
    f.finish();
    return new ObjectMetadata(labels, annotations);
  }

  private static Analysis readAnalysis(Fields a) {
    Analysis.Builder b = Analysis.builder();
    Duration interval = a.duration("interval");
    if (interval != null) {
      b.interval(interval);
    }
    Integer threshold = a.integer("threshold");
    if (threshold != null) {
      b.threshold(threshold);
    }
    b.maxWeight(a.integer("maxWeight"));
    b.stepWeight(a.integer("stepWeight", 0));
    b.stepWeights(a.integersInPlace("stepWeights"));
    b.stepWeightPromotion(a.integer("stepWeightPromotion", 0));
    b.iterations(a.integer("iterations", 0));
    b.match(matches(a, "match"));
    b.mirror(a.bool("mirror"));
    b.mirrorWeight(a.integer("mirrorWeight", 0));
    b.primaryReadyThreshold(a.integer("primaryReadyThreshold", 100));
    b.canaryReadyThreshold(a.integer("canaryReadyThreshold", 100));
    b.consecutiveErrorLimit(a.integer("consecutiveErrorLimit"));
    b.measurementRetention(a.integer("measurementRetention"));
    Fields affinity = a.object("sessionAffinity");
    if (affinity != null) {
      b.sessionAffinity(sessionAffinity(affinity));
    }
    List<MetricCheck> metrics = new ArrayList<>();
    for (Fields m : a.objectsInPlace("metrics")) {
      metrics.add(m == null ? MetricCheck.builder("").build() : metric(m));
    }
    b.metrics(metrics);
    List<Webhook> webhooks = new ArrayList<>();
    for (Fields w : a.objectsInPlace("webhooks")) {
      webhooks.add(w == null ? Webhook.of("", WebhookType.ROLLOUT, null) : webhook(w));
    }
    b.webhooks(webhooks);
    List<AlertRef> alerts = new ArrayList<>();
    for (Fields al : a.objectsInPlace("alerts")) {
      alerts.add(al == null ? new AlertRef("", AlertSeverity.INFO, new ProviderRef("", null)) : alert(al));
    }
    b.alerts(alerts);
    a.finish();
    return b.build();
  }

  private static SessionAffinity sessionAffinity(Fields f) {
    String cookieName = f.string("cookieName");
    String primaryCookieName = f.string("primaryCookieName");
    int maxAge = f.integer("maxAge", 0);
    if (maxAge < 0) {
      f.error("maxAge", "must not be negative");
    }
    for (String attribute : List.of("domain", "httpOnly", "partitioned", "path", "sameSite", "secure")) {
      f.unsupported(attribute, "the session cookie attributes are not configurable");
    }
    f.finish();
    return new SessionAffinity(cookieName, primaryCookieName, maxAge);
  }

  private static MetricCheck metric(Fields m) {
    String name = m.requiredString("name");
    Duration interval = m.duration("interval");
    ThresholdRange range = null;
    Fields rangeFields = m.object("thresholdRange");
    if (rangeFields != null) {
      range = new ThresholdRange(rangeFields.number("min"), rangeFields.number("max"));
      rangeFields.finish();
    }
    Double threshold = m.number("threshold");
    String query = m.string("query");
    TemplateRef templateRef = null;
    Fields refFields = m.object("templateRef");
    if (refFields != null) {
      String refName = refFields.requiredString("name");
      String refNamespace = refFields.string("namespace");
      refFields.unsupported("apiVersion", "a templateRef names a MetricTemplate by name and namespace");
      refFields.unsupported("kind", "a templateRef names a MetricTemplate by name and namespace");
      refFields.finish();
      templateRef = new TemplateRef(refName == null ? "" : refName, refNamespace);
    }
    Map<String, String> variables = m.stringMap("templateVariables");
    MetricKind kind = m.choice("kind", MetricKind.values(), MetricKind::manifestValue, null);
    SeriesAggregation aggregation =
        m.choice("aggregate", SeriesAggregation.values(), SeriesAggregation::manifestValue, null);
    NoDataPolicy onNoData = m.choice("onNoData", NoDataPolicy.values(), NoDataPolicy::manifestValue, null);
    Integer consecutiveErrorLimit = m.integer("consecutiveErrorLimit");
    JudgeSpec judge = null;
    Fields j = m.object("judge");
    if (j != null) {
      JudgeKind judgeKind = j.choice("kind", JudgeKind.values(), JudgeKind::manifestValue, null);
      judge = new JudgeSpec(j.number("alpha"), j.number("minRatio"), j.string("canaryErrors"),
          j.string("canaryRequests"), j.string("primaryErrors"), j.string("primaryRequests"), judgeKind,
          j.string("canaryBuckets"), j.string("primaryBuckets"));
      j.finish();
    }
    boolean acceptInfinite = m.bool("acceptInfinite");
    m.finish();
    return new MetricCheck(name == null ? "" : name, interval, range, threshold, query, templateRef, variables, kind,
        aggregation, onNoData, acceptInfinite, consecutiveErrorLimit, judge);
  }

  private static Webhook webhook(Fields w) {
    String name = w.requiredString("name");
    WebhookType type = WebhookType.ROLLOUT;
    String typeText = w.string("type");
    if (typeText != null) {
      type = WebhookType.fromManifest(typeText).orElse(null);
      if (type == null) {
        w.error("type", "unknown webhook type; expected one of "
            + Arrays.stream(WebhookType.values()).map(WebhookType::manifestValue).collect(Collectors.joining(", ")));
      }
    }
    String url = w.string("url");
    Duration timeout = Webhook.DEFAULT_TIMEOUT;
    if (w.has("timeout")) {
      var raw = w.take("timeout");
      if (raw.isTextual() && raw.textValue().length() < 2) {
        if (!raw.textValue().isEmpty()) {
          w.problems().notice(w.pathOf("timeout"), "has no unit; read as the default 10s, as Flagger does");
        }
      } else if (raw.isTextual()) {
        timeout = Durations.parse(raw.textValue());
        if (timeout == null) {
          w.error("timeout", Durations.problem(raw.textValue()));
        }
      } else {
        w.error("timeout", Fields.expected("a string", raw));
      }
    } else {
      w.take("timeout");
    }
    int retries = w.integer("retries", 0);
    boolean disableTls = w.bool("disableTLS");
    boolean muteAlert = w.bool("muteAlert");
    Map<String, String> metadata = w.stringMap("metadata");
    w.finish();
    return new Webhook(name == null ? "" : name, type == null ? WebhookType.ROLLOUT : type, url,
        timeout == null ? Webhook.DEFAULT_TIMEOUT : timeout, retries, disableTls, muteAlert, metadata);
  }

  private static AlertRef alert(Fields al) {
    String name = al.requiredString("name");
    AlertSeverity severity = AlertSeverity.INFO;
    String severityText = al.string("severity");
    if (severityText != null) {
      severity = AlertSeverity.fromManifest(severityText).orElse(null);
      if (severity == null) {
        al.error("severity", "unknown severity; expected one of info, warn, error");
      }
    }
    ProviderRef providerRef = null;
    if (al.has("providerRef")) {
      Fields ref = al.object("providerRef");
      if (ref != null) {
        String refName = ref.requiredString("name");
        String refNamespace = ref.string("namespace");
        ref.unsupported("apiVersion", "a providerRef names an AlertProvider by name and namespace");
        ref.unsupported("kind", "a providerRef names an AlertProvider by name and namespace");
        ref.finish();
        providerRef = new ProviderRef(refName == null ? "" : refName, refNamespace);
      }
    } else {
      al.take("providerRef");
      al.required("providerRef");
    }
    al.finish();
    return new AlertRef(name == null ? "" : name, severity == null ? AlertSeverity.INFO : severity,
        providerRef == null ? new ProviderRef("", null) : providerRef);
  }

  private static List<HttpMatch> matches(Fields parent, String field) {
    List<HttpMatch> result = new ArrayList<>();
    for (Fields m : parent.objectsInPlace(field)) {
      if (m == null) {
        result.add(new HttpMatch(null, null, null, null, Map.of(), Map.of(), Map.of()));
        continue;
      }
      StringMatch uri = stringMatch(m, "uri");
      StringMatch method = stringMatch(m, "method");
      StringMatch scheme = stringMatch(m, "scheme");
      StringMatch authority = stringMatch(m, "authority");
      Map<String, StringMatch> headers = stringMatches(m, "headers");
      Map<String, StringMatch> queryParams = stringMatches(m, "queryParams");
      Map<String, String> sourceLabels = m.stringMap("sourceLabels");
      for (String unsupported : List.of("name", "port", "gateways", "ignoreUriCase", "withoutHeaders",
          "sourceNamespace")) {
        m.unsupported(unsupported, null);
      }
      m.finish();
      result.add(new HttpMatch(uri, method, scheme, authority, headers, queryParams, sourceLabels));
    }
    return result;
  }

  private static Map<String, StringMatch> stringMatches(Fields parent, String field) {
    Map<String, StringMatch> result = new LinkedHashMap<>();
    for (Map.Entry<String, Fields.Element> entry : parent.entries(field).entrySet()) {
      Fields f = entry.getValue().object();
      if (f != null) {
        StringMatch match = stringMatch(f);
        if (match != null) {
          result.put(entry.getKey(), match);
        }
      }
    }
    return result;
  }

  private static StringMatch stringMatch(Fields parent, String field) {
    Fields f = parent.object(field);
    return f == null ? null : stringMatch(f);
  }

  private static StringMatch stringMatch(Fields f) {
    List<StringMatch> found = new ArrayList<>();
    for (StringMatch.Type type : StringMatch.Type.values()) {
      boolean present = f.has(type.fieldName());
      String value = f.string(type.fieldName());
      if (present && value != null) {
        found.add(new StringMatch(type, value));
      }
    }
    f.finish();
    if (found.size() == 1) {
      return found.get(0);
    }
    if (found.isEmpty()) {
      f.problems().error(f.path(), "set one of exact, prefix, suffix or regex");
    } else {
      f.problems().error(f.path(), "set only one of exact, prefix, suffix or regex; found "
          + found.stream().map(m -> m.type().fieldName()).collect(Collectors.joining(" and ")));
    }
    return null;
  }

  private static List<String> sorted(Set<String> values) {
    return values.stream().sorted().collect(Collectors.toList());
  }
}
