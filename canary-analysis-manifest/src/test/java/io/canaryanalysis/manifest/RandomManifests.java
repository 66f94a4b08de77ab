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
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random canaries and random damage to manifests, from a seed, so a failing case is replayed from
 * the seed alone. Values are picked to tempt the writer and reader: YAML's special words, numbers
 * as strings, punctuation, newlines.
 */
final class RandomManifests {
  private static final String[] WORDS = {"podinfo", "yes", "no", "null", "~", "true", "1.0", "0123", "1e3",
      "a: b", "#x", "- a", "'q'", "\"dq\"", "line\nbreak", " lead", "trail ", "*alias", "&anchor", "{x}",
      "[y]", "é✓", "@", "%", "!tag", "?", "|", ">", "0x1F", ".inf", "-.nan"};
  private static final String[] DAMAGE = {"[", "]", "{", "}", ":", "- ", "*a", "&a ", "1e400", ".inf", "-5",
      "99999999999999999999", "\"", "'", "~", "null", "true", "!!binary AA", "? a", "\t", "---\n", "...",
      "100000000000000h", "0s", "\u0000", "\uFEFF", "%YAML 1.2\n", "<<: *a", "1.5", "  ", "\n  x: 1\n"};

  private final Random random;

  RandomManifests(long seed) {
    this.random = new Random(seed);
  }

  private boolean chance(int percent) {
    return random.nextInt(100) < percent;
  }

  private <T> T pick(List<T> values) {
    return values.get(random.nextInt(values.size()));
  }

  private String word() {
    return WORDS[random.nextInt(WORDS.length)];
  }

  /** A non-blank string: a tempting word, sometimes with a suffix. */
  String text() {
    String word = word();
    return chance(30) ? word + random.nextInt(1000) : word;
  }

  private String dnsName() {
    return pick(List.of("podinfo", "web", "api-v2", "a", "checkout")) + (chance(30) ? "-" + random.nextInt(99) : "");
  }

  private Duration duration() {
    switch (random.nextInt(5)) {
      case 0:
        return Duration.ofSeconds(10 + random.nextInt(600));
      case 1:
        return Duration.ofMinutes(1 + random.nextInt(60));
      case 2:
        return Duration.ofMillis(1 + random.nextInt(100_000));
      case 3:
        return Duration.ofHours(1 + random.nextInt(48));
      default:
        return Duration.ofSeconds(30);
    }
  }

  private Map<String, String> strings(int max) {
    Map<String, String> map = new LinkedHashMap<>();
    int n = random.nextInt(max + 1);
    for (int i = 0; i < n; i++) {
      map.put(chance(50) ? text() : "app.kubernetes.io/k" + i, chance(10) ? "" : text());
    }
    return map;
  }

  private StringMatch stringMatch() {
    return new StringMatch(pick(List.of(StringMatch.Type.values())), text());
  }

  private HttpMatch match() {
    Map<String, StringMatch> headers = new LinkedHashMap<>();
    if (chance(70)) {
      headers.put(chance(50) ? "cookie" : "x-canary", stringMatch());
    }
    return new HttpMatch(chance(20) ? stringMatch() : null, chance(10) ? stringMatch() : null, null, null,
        headers, chance(10) ? Map.of("q", stringMatch()) : Map.of(), Map.of());
  }

  private Double number() {
    switch (random.nextInt(4)) {
      case 0:
        return (double) random.nextInt(1000);
      case 1:
        return random.nextDouble() * 100;
      case 2:
        return -random.nextDouble();
      default:
        return 99.0;
    }
  }

  private MetricCheck metric(int i) {
    boolean builtin = chance(50);
    String name = builtin ? pick(List.of(MetricCheck.REQUEST_SUCCESS_RATE, MetricCheck.REQUEST_DURATION))
        : "m" + i + "-" + dnsName();
    ThresholdRange range = chance(80) ? new ThresholdRange(chance(60) ? number() : null, chance(50) ? number() : null)
        : null;
    String query = !builtin && chance(50) ? "sum(rate(x{a=\"" + text() + "\"}[{{ interval }}]))" : null;
    TemplateRef ref = !builtin && query == null ? new TemplateRef(dnsName(), chance(50) ? null : dnsName()) : null;
    return new MetricCheck(name, chance(50) ? duration() : null, range, range == null && chance(50) ? number() : null,
        query, ref, ref != null && chance(50) ? strings(2) : Map.of(),
        chance(10) ? MetricKind.ALERT : MetricKind.VALUE, pick(List.of(SeriesAggregation.values())),
        pick(List.of(NoDataPolicy.values())));
  }

  private Webhook webhook(int i) {
    return new Webhook("hook-" + i, pick(List.of(WebhookType.values())),
        chance(90) ? pick(List.of("http://", "https://", "ftp://")) + dnsName() + "/" + (chance(30) ? text() : "")
            : null,
        chance(50) ? Webhook.DEFAULT_TIMEOUT : duration(), random.nextInt(3), chance(10), chance(10), strings(2));
  }

  private Analysis analysis() {
    Analysis.Builder b = Analysis.builder()
        .interval(duration())
        .threshold(random.nextInt(8))
        .maxWeight(chance(50) ? null : random.nextInt(120))
        .mirror(chance(15))
        .mirrorWeight(chance(10) ? random.nextInt(100) : 0)
        .primaryReadyThreshold(chance(90) ? 100 : random.nextInt(101))
        .canaryReadyThreshold(chance(90) ? 100 : random.nextInt(101));
    switch (random.nextInt(3)) {
      case 0:
        b.stepWeight(1 + random.nextInt(60)).stepWeightPromotion(chance(20) ? random.nextInt(100) : 0);
        break;
      case 1:
        List<Integer> steps = new ArrayList<>();
        int weight = 0;
        for (int i = 0, n = 1 + random.nextInt(5); i < n; i++) {
          weight += chance(90) ? 1 + random.nextInt(30) : -5;
          steps.add(weight);
        }
        b.stepWeights(steps);
        break;
      default:
        b.iterations(1 + random.nextInt(10));
        if (chance(50)) {
          List<HttpMatch> matches = new ArrayList<>();
          for (int i = 0, n = 1 + random.nextInt(2); i < n; i++) {
            matches.add(match());
          }
          b.match(matches);
        }
        break;
    }
    if (chance(15)) {
      b.sessionAffinity(new SessionAffinity(text(), chance(50) ? text() : null, random.nextInt(100_000)));
    }
    List<MetricCheck> metrics = new ArrayList<>();
    for (int i = 0, n = random.nextInt(4); i < n; i++) {
      metrics.add(metric(i));
    }
    List<Webhook> webhooks = new ArrayList<>();
    for (int i = 0, n = random.nextInt(4); i < n; i++) {
      webhooks.add(webhook(i));
    }
    List<AlertRef> alerts = new ArrayList<>();
    for (int i = 0, n = random.nextInt(3); i < n; i++) {
      alerts.add(new AlertRef("alert-" + i, pick(List.of(AlertSeverity.values())),
          new ProviderRef(dnsName(), chance(50) ? null : dnsName())));
    }
    return b.metrics(metrics).webhooks(webhooks).alerts(alerts).build();
  }

  /** A canary with non-blank required fields; it may or may not pass validation. */
  Canary canary() {
    String name = dnsName();
    String provider = pick(java.util.Arrays.asList(null, "istio", "traefik", "nginx", "kubernetes"));
    CanaryService.Builder service = CanaryService.builder()
        .name(chance(30) ? dnsName() : null)
        .port(chance(95) ? 1 + random.nextInt(65535) : 0)
        .portName(chance(20) ? "http-" + dnsName() : null)
        .targetPort(chance(30) ? String.valueOf(random.nextInt(70000)) : chance(20) ? "http" : null)
        .hosts(chance(30) ? List.of(dnsName() + ".example.com") : List.of())
        .gateways(chance(20) ? List.of("mesh", dnsName()) : List.of())
        .gatewayRefs(chance(10) ? List.of(new GatewayRef(null, null, chance(50) ? dnsName() : null, dnsName(),
            chance(30) ? "http" : null, chance(30) ? 80 : null)) : List.of())
        .backendTimeout(chance(10) ? "30s" : null)
        .timeout(chance(10) ? "15s" : null)
        .retries(chance(10) ? Map.of("attempts", random.nextInt(5), "perTryTimeout", "1s") : Map.of())
        .apex(chance(10) ? new ObjectMetadata(strings(2), strings(1)) : ObjectMetadata.EMPTY)
        .headless(chance(5));
    CanarySpec.Builder spec = CanarySpec.builder()
        .provider(provider)
        .targetRef(new ObjectReference(chance(80) ? "apps/v1" : null, chance(95) ? "Deployment" : "DaemonSet", name))
        .ingressRef("nginx".equals(provider) || chance(10) ? new ObjectReference(
            chance(20) ? "extensions/v1beta1" : "networking.k8s.io/v1", "Ingress", name) : null)
        .autoscalerRef(chance(5) ? new AutoscalerRef("autoscaling/v2", "HorizontalPodAutoscaler", name,
            chance(50) ? new ScalerReplicas(2, chance(50) ? 5 : null) : null, Map.of()) : null)
        .metricsServer(chance(5) ? "http://prometheus:9090" : null)
        .service(service.build())
        .progressDeadlineSeconds(chance(80) ? CanarySpec.DEFAULT_PROGRESS_DEADLINE_SECONDS : random.nextInt(2000))
        .skipAnalysis(chance(5))
        .suspend(chance(3));
    if (chance(97)) {
      spec.analysis(analysis());
    }
    return new Canary(name, pick(List.of("default", "test", dnsName())), chance(20) ? "uid-" + random.nextInt() : null,
        strings(3), strings(2), spec.build());
  }

  /** {@code manifest} with a few random edits: characters, tokens and lines inserted, removed or swapped. */
  String damage(String manifest) {
    StringBuilder text = new StringBuilder(manifest);
    for (int i = 0, n = 1 + random.nextInt(4); i < n && text.length() > 0; i++) {
      int at = random.nextInt(text.length());
      switch (random.nextInt(4)) {
        case 0:
          text.insert(at, DAMAGE[random.nextInt(DAMAGE.length)]);
          break;
        case 1:
          text.delete(at, Math.min(text.length(), at + 1 + random.nextInt(20)));
          break;
        case 2: {
          int end = text.indexOf("\n", at);
          int start = text.lastIndexOf("\n", at) + 1;
          if (end > start) {
            String line = text.substring(start, end + 1);
            text.insert(start, line);
          }
          break;
        }
        default: {
          int colon = text.indexOf(": ", at);
          int end = colon < 0 ? -1 : text.indexOf("\n", colon);
          if (end > colon) {
            text.replace(colon + 2, end, DAMAGE[random.nextInt(DAMAGE.length)].replace("\n", " "));
          }
          break;
        }
      }
    }
    return text.toString();
  }
}
