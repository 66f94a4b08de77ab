package io.canaryanalysis.core.validation;

import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.spec.AlertRef;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.spec.HttpMatch;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.MetricKind;
import io.canaryanalysis.api.spec.MetricTemplate;
import io.canaryanalysis.api.spec.SeriesAggregation;
import io.canaryanalysis.api.spec.SessionAffinity;
import io.canaryanalysis.api.spec.Strategy;
import io.canaryanalysis.api.spec.ThresholdRange;
import io.canaryanalysis.api.spec.Webhook;
import io.canaryanalysis.api.spec.WebhookType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** The individual checks behind {@link CanaryValidator}; collects problems in check order. */
final class SpecChecks {
  /** Webhook retries beyond this only stretch a tick (each may wait up to the hook's timeout). */
  static final int MAX_WEBHOOK_RETRIES = 10;
  static final Set<String> SUPPORTED_PROVIDERS = Set.of("gatewayapi", "gatewayapi:v1",
      "gatewayapi:v1beta1", "istio", "kubernetes", "nginx", "traefik");
  static final Set<String> OTHER_FLAGGER_PROVIDERS = Set.of("apisix", "appmesh", "appmesh:v1beta2",
      "contour", "gloo", "knative", "kuma", "linkerd", "osm",
      "skipper", "smi:v1alpha1", "smi:v1alpha2", "smi:v1alpha3");
  private static final String INGRESS_API_VERSION = "networking.k8s.io/v1";
  private static final String PROVIDER_LIST =
      "gatewayapi, gatewayapi:v1, gatewayapi:v1beta1, istio, kubernetes, nginx, traefik";
  /**
   * {@code http://host[:port][/path]}: a scheme, an optional user part, a host name or bracketed
   * IPv6 address, an optional port. Parsed here rather than with {@code java.net}, which core avoids.
   */
  private static final Pattern HTTP_URL = Pattern.compile(
      "(?i)https?://(?:[^/?#@\\s]*@)?(?:[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?|\\[[0-9a-f:.]+\\])"
          + "(?::[0-9]{1,5})?(?:[/?#]\\S*)?");

  /** The longest duration the engine accepts: anything longer cannot be scheduled meaningfully. */
  static final Duration MAX_DURATION = Duration.ofDays(36_500);

  private final List<SpecProblem> problems = new ArrayList<>();
  private final List<SpecProblem> warnings = new ArrayList<>();

  List<SpecProblem> problems() {
    return List.copyOf(problems);
  }

  List<SpecProblem> warnings() {
    return List.copyOf(warnings);
  }

  private void problem(String path, String message) {
    problems.add(new SpecProblem(path, message));
  }

  /** Accepted as Flagger accepts it, but probably not what the author meant. */
  private void warning(String path, String message) {
    warnings.add(new SpecProblem(path, message));
  }

  /** A duration the engine can add to an instant: positive checks are the caller's. */
  private void durationInRange(String path, Duration duration) {
    if (duration != null && duration.compareTo(MAX_DURATION) > 0) {
      problem(path, "must be at most 100 years (876000h)");
    }
  }

  private void finite(String path, Double value) {
    if (value != null && !Double.isFinite(value)) {
      problem(path, "must be a finite number");
    }
  }

  void canary(Canary canary) {
    if (canary.name().isBlank()) {
      problem("metadata.name", "required");
    }
    if (canary.namespace().isBlank()) {
      problem("metadata.namespace", "required");
    }
    CanarySpec spec = canary.spec();
    provider(spec);
    targetRef(spec);
    ingressRef(spec);
    autoscalerRef(spec);
    if (spec.metricsServer() != null && !isHttpUrl(spec.metricsServer())) {
      problem("spec.metricsServer", "must be an http or https URL with a host");
    }
    service(spec.service());
    if (spec.progressDeadlineSeconds() <= 0) {
      problem("spec.progressDeadlineSeconds", "must be greater than 0");
    }
    if (spec.analysis() == null) {
      if (!spec.skipAnalysis()) {
        problem("spec.analysis", "required unless spec.skipAnalysis is true");
      }
      return;
    }
    analysis(spec.analysis());
  }

  private void provider(CanarySpec spec) {
    String provider = spec.provider();
    if (provider == null || SUPPORTED_PROVIDERS.contains(provider)) {
      return;
    }
    if (OTHER_FLAGGER_PROVIDERS.contains(provider)) {
      problem("spec.provider", "the " + provider + " provider is not supported by canary-analysis; use one of "
          + PROVIDER_LIST);
    } else {
      problem("spec.provider", "unknown provider \"" + provider + "\"; use one of " + PROVIDER_LIST);
    }
  }

  private void targetRef(CanarySpec spec) {
    if (spec.targetRef().name().isBlank()) {
      problem("spec.targetRef.name", "required");
    }
    String kind = spec.targetRef().kind();
    if (kind != null && !kind.equals("Deployment") && !kind.equals("DaemonSet")) {
      problem("spec.targetRef.kind", kind + " targets are not supported by canary-analysis; use Deployment or DaemonSet");
    }
    if ("DaemonSet".equals(kind) && spec.autoscalerRef() != null) {
      problem("spec.autoscalerRef", "a DaemonSet runs one pod per node and cannot have an autoscaler");
    }
  }

  private void ingressRef(CanarySpec spec) {
    if ("nginx".equals(spec.provider())) {
      if (spec.ingressRef() == null) {
        problem("spec.ingressRef", "required by the nginx provider: the Ingress to clone for canary traffic");
        return;
      }
    }
    if (spec.ingressRef() == null) {
      return;
    }
    if (spec.ingressRef().name().isBlank()) {
      problem("spec.ingressRef.name", "required");
    }
    String kind = spec.ingressRef().kind();
    if (kind != null && !kind.equals("Ingress")) {
      problem("spec.ingressRef.kind", "must be Ingress");
    }
    String apiVersion = spec.ingressRef().apiVersion();
    if ("nginx".equals(spec.provider()) && apiVersion != null && !apiVersion.equals(INGRESS_API_VERSION)) {
      warning("spec.ingressRef.apiVersion", "the Ingress is read as " + INGRESS_API_VERSION
          + " whatever apiVersion says (as Flagger does); write " + INGRESS_API_VERSION);
    }
  }

  /** Flagger's two autoscaler kinds; the HPA is read as autoscaling/v2 whatever apiVersion says. */
  private void autoscalerRef(CanarySpec spec) {
    var ref = spec.autoscalerRef();
    if (ref == null) {
      return;
    }
    if (ref.name().isBlank()) {
      problem("spec.autoscalerRef.name", "required");
    }
    if (ref.kind() == null) {
      problem("spec.autoscalerRef.kind", "required: HorizontalPodAutoscaler or ScaledObject");
    } else if (ref.kind().equals("HorizontalPodAutoscaler")) {
      if (ref.apiVersion() != null && !ref.apiVersion().equals("autoscaling/v2")) {
        warning("spec.autoscalerRef.apiVersion", "the HorizontalPodAutoscaler is read as autoscaling/v2 "
            + "whatever apiVersion says (as Flagger does); write autoscaling/v2");
      }
      if (!ref.primaryScalerQueries().isEmpty()) {
        warning("spec.autoscalerRef.primaryScalerQueries", "only KEDA ScaledObjects have queries; "
            + "ignored for a HorizontalPodAutoscaler");
      }
    } else if (ref.kind().equals("ScaledObject")) {
      if (ref.apiVersion() != null && !ref.apiVersion().equals("keda.sh/v1alpha1")) {
        warning("spec.autoscalerRef.apiVersion", "the ScaledObject is read as keda.sh/v1alpha1 "
            + "whatever apiVersion says (as Flagger does); write keda.sh/v1alpha1");
      }
    } else {
      problem("spec.autoscalerRef.kind", ref.kind() + " is not an autoscaler canary-analysis knows; "
          + "use HorizontalPodAutoscaler or ScaledObject");
    }
    var replicas = ref.primaryScalerReplicas();
    if (replicas != null) {
      if (replicas.minReplicas() != null && replicas.minReplicas() < 0) {
        problem("spec.autoscalerRef.primaryScalerReplicas.minReplicas", "must be 0 or more");
      }
      if (replicas.maxReplicas() != null && replicas.maxReplicas() < 1) {
        problem("spec.autoscalerRef.primaryScalerReplicas.maxReplicas", "must be 1 or more");
      }
      if (replicas.minReplicas() != null && replicas.maxReplicas() != null
          && replicas.minReplicas() > replicas.maxReplicas()) {
        problem("spec.autoscalerRef.primaryScalerReplicas.minReplicas", "must not exceed maxReplicas");
      }
    }
  }



  private void service(CanaryService service) {
    if (service.port() < 1 || service.port() > 65535) {
      problem("spec.service.port", "must be between 1 and 65535");
    }
    String targetPort = service.targetPort();
    if (targetPort != null && targetPort.chars().allMatch(Character::isDigit)) {
      long number = targetPort.length() > 6 ? Long.MAX_VALUE : Long.parseLong(targetPort);
      if (number < 1 || number > 65535) {
        problem("spec.service.targetPort", "must be between 1 and 65535");
      }
    }
    for (int i = 0; i < service.match().size(); i++) {
      if (service.match().get(i).isEmpty()) {
        problem("spec.service.match[" + i + "]", "must set at least one condition");
      }
    }
  }

  private void analysis(Analysis a) {
    strategyFields(a);
    if (a.threshold() < 1) {
      problem("spec.analysis.threshold", "must be at least 1");
    }
    if (a.interval().isNegative() || a.interval().isZero()) {
      problem("spec.analysis.interval", "must be greater than 0");
    } else if (a.interval().compareTo(Analysis.MIN_INTERVAL) < 0) {
      warning("spec.analysis.interval", "shorter than 10s; raised to 10s, as Flagger does");
    }
    durationInRange("spec.analysis.interval", a.interval());
    if (a.stepWeightPromotion() < 0 || a.stepWeightPromotion() > 100) {
      problem("spec.analysis.stepWeightPromotion", "must be between 0 and 100");
    }
    if (a.mirrorWeight() < 0 || a.mirrorWeight() > 100) {
      problem("spec.analysis.mirrorWeight", "must be between 0 and 100");
    } else if (a.mirrorWeight() > 0 && !a.mirror()) {
      warning("spec.analysis.mirrorWeight", "ignored without mirror: true (as Flagger does)");
    }
    readyThreshold("spec.analysis.primaryReadyThreshold", a.primaryReadyThreshold());
    readyThreshold("spec.analysis.canaryReadyThreshold", a.canaryReadyThreshold());
    if (!a.match().isEmpty() && a.iterations() <= 0) {
      problem("spec.analysis.match", "A/B matching needs iterations; with stepWeight or stepWeights the match "
          + "would be ignored or promote after one step (as Flagger does on nginx)");
    }
    for (int i = 0; i < a.match().size(); i++) {
      if (a.match().get(i).isEmpty()) {
        problem("spec.analysis.match[" + i + "]", "must set at least one condition");
      }
    }
    if (a.sessionAffinity() != null) {
      sessionAffinity(a.sessionAffinity());
    }
    metrics(a);
    webhooks(a);
    alerts(a);
  }

  /** Flagger's CRD {@code oneOf}: exactly one of stepWeight, stepWeights, iterations; then their ranges. */
  private void strategyFields(Analysis a) {
    List<String> set = new ArrayList<>();
    if (a.stepWeight() != 0) {
      set.add("stepWeight");
    }
    if (!a.stepWeights().isEmpty()) {
      set.add("stepWeights");
    }
    if (a.iterations() != 0) {
      set.add("iterations");
    }
    if (set.isEmpty()) {
      problem("spec.analysis", "set one of stepWeight, stepWeights or iterations");
    } else if (set.size() > 1) {
      problem("spec.analysis", "set only one of stepWeight, stepWeights or iterations; found "
          + String.join(" and ", set));
    }
    if (a.stepWeight() != 0 && (a.stepWeight() < 1 || a.stepWeight() > 100)) {
      problem("spec.analysis.stepWeight", "must be between 1 and 100");
    }
    if (a.maxWeight() != null) {
      if (a.maxWeight() < 1 || a.maxWeight() > 100) {
        problem("spec.analysis.maxWeight", "must be between 1 and 100");
      } else if (a.stepWeight() > 0 && a.maxWeight() < a.stepWeight()) {
        problem("spec.analysis.maxWeight", "must be at least stepWeight (" + a.stepWeight() + ")");
      } else if (a.stepWeight() == 0 && !a.stepWeights().isEmpty()
          && !a.maxWeight().equals(a.stepWeights().get(a.stepWeights().size() - 1))) {
        warning("spec.analysis.maxWeight", "ignored: it differs from the last stepWeights entry ("
            + a.stepWeights().get(a.stepWeights().size() - 1)
            + "), and with stepWeights promotion starts at the last entry (as Flagger does)");
      }
    }
    List<Integer> steps = a.stepWeights();
    for (int i = 0; i < steps.size(); i++) {
      int step = steps.get(i);
      String path = "spec.analysis.stepWeights[" + i + "]";
      if (step < 1 || step > 100) {
        problem(path, "must be between 1 and 100");
      } else if (i > 0 && step <= steps.get(i - 1)) {
        problem(path, "must be greater than " + steps.get(i - 1));
      }
    }
    if (a.iterations() < 0) {
      problem("spec.analysis.iterations", "must not be negative");
    }
  }

  private void readyThreshold(String path, int value) {
    if (value < 1 || value > 100) {
      problem(path, "must be between 1 and 100");
    }
  }

  private void sessionAffinity(SessionAffinity affinity) {
    if (affinity.cookieName() == null || affinity.cookieName().isBlank()) {
      problem("spec.analysis.sessionAffinity.cookieName", "required");
    } else if (affinity.cookieName().equals(affinity.primaryCookieName())) {
      problem("spec.analysis.sessionAffinity.primaryCookieName", "must differ from cookieName");
    }
  }

  private static String seriesHint(MetricCheck m) {
    return m.judge().isLatency() ? "judge.canaryBuckets and judge.primaryBuckets"
        : "judge.canaryErrors and the other series";
  }

  private void judge(MetricCheck m, String path) {
    String why = m.judge().isLatency()
        ? "not used by a judge, which compares canary and primary latency histograms"
        : "not used by a judge, which compares canary and primary error counts";
    if (m.query() != null) {
      problem(path + ".query", why + "; set " + seriesHint(m) + " instead");
    }
    if (m.templateRef() != null) {
      problem(path + ".templateRef", why + "; set " + seriesHint(m) + " instead");
    }
    if (m.thresholdRange() != null) {
      problem(path + ".thresholdRange", why);
    }
    if (m.threshold() != null) {
      problem(path + ".threshold", why);
    }
    if (m.kind() != MetricKind.VALUE) {
      problem(path + ".kind", why);
    }
    if (m.aggregation() != SeriesAggregation.NONE) {
      problem(path + ".aggregate", why + "; its series are summed");
    }
    var j = m.judge();
    if (j.alpha() != null && !(j.alpha() > 0 && j.alpha() <= 0.5)) {
      problem(path + ".judge.alpha", "must be greater than 0 and at most 0.5");
    }
    if (j.minRatio() != null && !(j.minRatio() > 1 && j.minRatio() <= 100)) {
      problem(path + ".judge.minRatio", "must be greater than 1 and at most 100 (a ratio of "
          + (j.isLatency() ? "rates of slow requests)" : "error rates)"));
    }
    int given = (j.canaryErrors() == null ? 0 : 1) + (j.canaryRequests() == null ? 0 : 1)
        + (j.primaryErrors() == null ? 0 : 1) + (j.primaryRequests() == null ? 0 : 1);
    if (j.isLatency()) {
      String counts = "not used by a latency judge, which compares histograms; set canaryBuckets and primaryBuckets";
      for (String[] f : new String[][] {{"canaryErrors", j.canaryErrors()}, {"canaryRequests", j.canaryRequests()},
          {"primaryErrors", j.primaryErrors()}, {"primaryRequests", j.primaryRequests()}}) {
        if (f[1] != null) {
          problem(path + ".judge." + f[0], counts);
        }
      }
      if ((j.canaryBuckets() == null) != (j.primaryBuckets() == null)) {
        problem(path + ".judge", "set both histograms (canaryBuckets, primaryBuckets) or none for the "
            + "router's builtin ones");
      }
      return;
    }
    if (j.canaryBuckets() != null) {
      problem(path + ".judge.canaryBuckets", "only used by kind latency");
    }
    if (j.primaryBuckets() != null) {
      problem(path + ".judge.primaryBuckets", "only used by kind latency");
    }
    if (given != 0 && given != 4) {
      problem(path + ".judge", "set all four series (canaryErrors, canaryRequests, primaryErrors, "
          + "primaryRequests) or none for the router's builtin ones");
    }
  }

  private void metrics(Analysis a) {
    if (a.consecutiveErrorLimit() != null && a.consecutiveErrorLimit() < 0) {
      problem("spec.analysis.consecutiveErrorLimit", "must not be negative");
    }
    if (a.measurementRetention() != null && (a.measurementRetention() < 0
        || a.measurementRetention() > Analysis.MAX_MEASUREMENT_RETENTION)) {
      problem("spec.analysis.measurementRetention", "must be between 0 and " + Analysis.MAX_MEASUREMENT_RETENTION);
    }
    for (int i = 0; i < a.metrics().size(); i++) {
      if (a.metrics().get(i).isJudge() && (a.iterations() > 0 || a.mirror())) {
        problem("spec.analysis.metrics[" + i + "].judge", "needs the canary strategy with stepWeight or "
            + "stepWeights: under blue/green, A/B testing and mirroring the canary's share of traffic is not known");
      }
    }
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < a.metrics().size(); i++) {
      MetricCheck m = a.metrics().get(i);
      String path = "spec.analysis.metrics[" + i + "]";
      if (m.name().isBlank()) {
        problem(path + ".name", "required");
      } else {
        Integer first = seen.putIfAbsent(m.name(), i);
        if (first != null) {
          problem(path + ".name", "duplicate metric name \"" + m.name() + "\" (also metrics[" + first + "])");
        }
      }
      metric(m, path);
    }
  }

  private void metric(MetricCheck m, String path) {
    boolean custom = m.query() != null || m.templateRef() != null;
    if (m.query() != null && m.templateRef() != null) {
      problem(path, "set either query or templateRef, not both");
    }
    if (!custom && !m.name().isBlank() && !m.isBuiltin() && !m.isJudge()) {
      problem(path + ".name", "\"" + m.name() + "\" is not a builtin metric (" + MetricCheck.REQUEST_SUCCESS_RATE
          + ", " + MetricCheck.REQUEST_DURATION + "); set templateRef or query");
    }
    if (m.templateRef() != null && m.templateRef().name().isBlank()) {
      problem(path + ".templateRef.name", "required");
    }
    if (!m.templateVariables().isEmpty() && m.templateRef() == null) {
      warning(path + ".templateVariables", "ignored without templateRef (as Flagger does)");
    }
    if (m.interval() != null && (m.interval().isNegative() || m.interval().isZero())) {
      problem(path + ".interval", "must be greater than 0");
    }
    durationInRange(path + ".interval", m.interval());
    finite(path + ".threshold", m.threshold());
    if (m.thresholdRange() != null) {
      finite(path + ".thresholdRange.min", m.thresholdRange().min());
      finite(path + ".thresholdRange.max", m.thresholdRange().max());
    }
    if (m.consecutiveErrorLimit() != null && m.consecutiveErrorLimit() < 0) {
      problem(path + ".consecutiveErrorLimit", "must not be negative");
    }
    if (m.isJudge()) {
      judge(m, path);
      return;
    }
    ThresholdRange range = m.thresholdRange();
    if (m.kind() == MetricKind.ALERT) {
      if (!custom) {
        problem(path + ".kind", "kind alert needs a query or templateRef with an alert expression");
      }
      if (range != null) {
        problem(path + ".thresholdRange", "not used by kind alert: the check fails when the query returns any series");
      }
      if (m.threshold() != null) {
        problem(path + ".threshold", "not used by kind alert: the check fails when the query returns any series");
      }
      if (m.aggregation() != SeriesAggregation.NONE) {
        problem(path + ".aggregate", "not used by kind alert: every returned series is a firing alert");
      }
      return;
    }
    if (range != null) {
      if (range.min() == null && range.max() == null) {
        problem(path + ".thresholdRange", "set min, max or both");
      } else if (range.min() != null && range.max() != null && range.min() > range.max()) {
        problem(path + ".thresholdRange", "min (" + format(range.min()) + ") must not be greater than max ("
            + format(range.max()) + ")");
      }
      if (m.threshold() != null) {
        warning(path + ".threshold", "ignored when thresholdRange is set (as Flagger does); remove one of them");
      }
    } else if (m.threshold() == null) {
      problem(path, custom
          ? "set thresholdRange (or the deprecated threshold); without one Flagger fails every positive value"
          : "set thresholdRange (or the deprecated threshold); without one the builtin check judges against 0");
    }
  }

  private void webhooks(Analysis a) {
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < a.webhooks().size(); i++) {
      Webhook w = a.webhooks().get(i);
      String path = "spec.analysis.webhooks[" + i + "]";
      if (w.name().isBlank()) {
        problem(path + ".name", "required");
      } else {
        Integer first = seen.putIfAbsent(w.name(), i);
        if (first != null) {
          problem(path + ".name", "duplicate webhook name \"" + w.name() + "\" (also webhooks[" + first + "])");
        }
      }
      if (w.url() == null || w.url().isBlank()) {
        problem(path + ".url", "required");
      } else if (!isHttpUrl(w.url())) {
        problem(path + ".url", "must be an http or https URL with a host");
      }
      if (w.timeout().isNegative() || w.timeout().isZero()) {
        problem(path + ".timeout", "must be greater than 0");
      }
      durationInRange(path + ".timeout", w.timeout());
      if (w.retries() < 0) {
        problem(path + ".retries", "must not be negative");
      } else if (w.retries() > MAX_WEBHOOK_RETRIES) {
        problem(path + ".retries", "must be at most " + MAX_WEBHOOK_RETRIES + ", got " + w.retries());
      }
      if (w.type() == WebhookType.CONFIRM_TRAFFIC_INCREASE && a.strategy() != Strategy.CANARY) {
        warning(path + ".type", "never called: confirm-traffic-increase hooks run only with stepWeight or "
            + "stepWeights, and this analysis uses iterations (" + a.strategy().flaggerName() + ")");
      }
    }
  }

  private void alerts(Analysis a) {
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < a.alerts().size(); i++) {
      AlertRef alert = a.alerts().get(i);
      String path = "spec.analysis.alerts[" + i + "]";
      if (alert.name().isBlank()) {
        problem(path + ".name", "required");
      } else {
        Integer first = seen.putIfAbsent(alert.name(), i);
        if (first != null) {
          problem(path + ".name", "duplicate alert name \"" + alert.name() + "\" (also alerts[" + first + "])");
        }
      }
      if (alert.providerRef().name().isBlank()) {
        problem(path + ".providerRef.name", "required");
      }
    }
  }

  void routerCapabilities(Canary canary, RouterCapabilities capabilities) {
    Analysis a = canary.spec().analysis();
    if (a == null) {
      return;
    }
    String router = canary.spec().provider() == null
        ? "the configured router" : "the " + canary.spec().provider() + " router";
    boolean headers = false;
    boolean cookies = false;
    boolean requestAttributes = false;
    for (HttpMatch match : a.match()) {
      for (String header : match.headers().keySet()) {
        if (header.equalsIgnoreCase("cookie")) {
          cookies = true;
        } else {
          headers = true;
        }
      }
      requestAttributes |= match.uri() != null || match.method() != null || match.scheme() != null
          || match.authority() != null || !match.queryParams().isEmpty() || !match.sourceLabels().isEmpty();
    }
    String abAlternative = "; use iterations without match (blue/green) or the istio or nginx router";
    if (headers && !capabilities.headerMatch()) {
      problem("spec.analysis.match", "A/B routing on headers is not supported by " + router + abAlternative);
    }
    if (cookies && !capabilities.cookieMatch()) {
      problem("spec.analysis.match", "A/B routing on cookies is not supported by " + router + abAlternative);
    }
    if (requestAttributes && !capabilities.headerMatch()) {
      problem("spec.analysis.match", "A/B routing on uri, method, scheme, authority, query parameters or "
          + "source labels is not supported by " + router + "; use iterations without match (blue/green) "
          + "or the istio router");
    }
    if (a.mirror() && !capabilities.mirroring()) {
      problem("spec.analysis.mirror", "traffic mirroring is not supported by " + router
          + "; remove mirror or use the istio router");
    }
    if (a.sessionAffinity() != null && !capabilities.sessionAffinity()) {
      problem("spec.analysis.sessionAffinity", "session affinity is not supported by " + router
          + "; remove sessionAffinity or use the istio router");
    }
    if (!capabilities.weightedRouting() && a.iterations() == 0) {
      if (a.stepWeight() != 0) {
        problem("spec.analysis.stepWeight", "progressive traffic shifting is not supported by " + router
            + "; use iterations (blue/green) instead");
      }
      if (!a.stepWeights().isEmpty()) {
        problem("spec.analysis.stepWeights", "progressive traffic shifting is not supported by " + router
            + "; use iterations (blue/green) instead");
      }
    }
  }

  void metricTemplate(MetricTemplate template) {
    if (!"prometheus".equals(template.provider().type())) {
      problem("spec.provider.type", "the " + template.provider().type()
          + " metric provider is not supported by canary-analysis; only prometheus is");
    }
    String address = template.provider().address();
    if (address == null || address.isBlank()) {
      problem("spec.provider.address", "required");
    } else if (!isHttpUrl(address)) {
      problem("spec.provider.address", "must be an http or https URL with a host");
    }
    if (template.provider().secretRef() != null && template.provider().secretRef().isBlank()) {
      problem("spec.provider.secretRef.name", "required");
    }
    if (template.query().isBlank()) {
      problem("spec.query", "required");
    }
  }

  static boolean isHttpUrl(String url) {
    return HTTP_URL.matcher(url).matches() && portInRange(url);
  }

  private static boolean portInRange(String url) {
    String rest = url.substring(url.indexOf("://") + 3);
    int end = rest.length();
    for (char c : new char[] {'/', '?', '#'}) {
      int at = rest.indexOf(c);
      if (at >= 0 && at < end) {
        end = at;
      }
    }
    String authority = rest.substring(0, end);
    authority = authority.substring(authority.lastIndexOf('@') + 1);
    int colon = authority.lastIndexOf(':');
    if (colon < 0 || authority.endsWith("]")) {
      return true;
    }
    int port = Integer.parseInt(authority.substring(colon + 1));
    return port >= 1 && port <= 65535;
  }

  private static String format(double value) {
    return value == Math.rint(value) && Math.abs(value) < 1e15 ? String.valueOf((long) value) : String.valueOf(value);
  }
}
