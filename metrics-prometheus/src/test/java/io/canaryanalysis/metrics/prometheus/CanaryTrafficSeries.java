package io.canaryanalysis.metrics.prometheus;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Synthetic Traefik, Istio and ingress-nginx series for a primary and a canary of
 * {@code test/podinfo}, written as OpenMetrics text with explicit timestamps.
 *
 * <p>Samples are {@value #STEP_SECONDS}s apart from {@link #T0} for 30 minutes. Every counter
 * grows by a constant increment per step, so {@code rate(x[1m])} is exactly increment / 15 s when
 * the whole window lies in one regime. The canary has an error burst: the steps ending in
 * (T0+10m, T0+15m] use the burst increments. Per second, the canary serves 20 requests:
 *
 * <ul>
 *   <li>steady: 19.8 ok + 0.2 errors = 99 % success; burst: 16 ok + 4 errors = 80 % success;
 *   <li>Traefik histogram (seconds), cumulative per second by {@code le} 0.05/0.1/0.25/0.5/1/+Inf:
 *       steady 10/16/19/20/20/20, so P99 (rank 19.8) = 0.25 + 0.25 × 0.8/1 = 0.45 s = 450 ms;
 *       burst 8/14/18/19/20/20, so P99 = 0.5 + 0.5 × 0.8/1 = 0.9 s = 900 ms;
 *   <li>Istio histogram (ms), cumulative per second by {@code le} 5/10/25/50/100/250/500/...:
 *       steady 2/6/10/15/19/20/20, P99 = 100 + 150 × 0.8/1 = 220 ms;
 *       burst 1/4/8/12/18/19/20, P99 = 250 + 250 × 0.8/1 = 450 ms;
 *   <li>the application's own {@code http_request_duration_seconds} (Flagger's {@code HttpObserver},
 *       the {@code kubernetes} builtins): the Traefik histogram's numbers, split over two canary pods
 *       ({@code podinfo-7d9f8b6c5d-x2x4k} answers the 200s, {@code podinfo-7d9f8b6c5d-q9m3t} the 500s),
 *       so 99 %/80 % and 450/900 ms again;
 *   <li>NGINX duration: steady 1.0 s of latency per second over 20 requests = 50 ms mean;
 *       burst 2.4 s per second = 120 ms mean.
 * </ul>
 *
 * Decoys that a wrong selector would pick up: the primary (more traffic, different values), a
 * workload in namespace {@code other}, Istio's {@code reporter="source"} series, and primary NGINX
 * requests without a {@code canary} label; for the app histogram the primary's pods
 * ({@code podinfo-primary-...}, all 503s and slow), a DaemonSet-style pod {@code podinfo-abcde} and the
 * canary's pod in namespace {@code other}.
 */
final class CanaryTrafficSeries {
  static final Instant T0 = Instant.ofEpochSecond(1_700_000_000L);
  static final int STEP_SECONDS = 15;
  static final int STEPS = 120;
  static final Duration BURST_START = Duration.ofMinutes(10);
  static final Duration BURST_END = Duration.ofMinutes(15);

  /** A 1m window wholly before the burst. */
  static final Instant BEFORE_BURST = T0.plus(Duration.ofMinutes(8));
  /** A 1m window wholly inside the burst. */
  static final Instant DURING_BURST = T0.plus(Duration.ofMinutes(13));
  /** A 1m window wholly after the burst. */
  static final Instant AFTER_BURST = T0.plus(Duration.ofMinutes(20));

  static final String CANARY_TRAEFIK_SERVICE = "test-podinfo-canary-80@kubernetescrd";
  static final String PRIMARY_TRAEFIK_SERVICE = "test-podinfo-primary-80@kubernetescrd";
  static final String NGINX_CANARY_UPSTREAM = "test-podinfo-canary-80";

  private static final String[] TRAEFIK_LE = {"0.05", "0.1", "0.25", "0.5", "1", "+Inf"};
  private static final String[] ISTIO_LE = {"5", "10", "25", "50", "100", "250", "500", "1000", "2500", "+Inf"};

  private CanaryTrafficSeries() {}

  static Instant at(Duration sinceT0) {
    return T0.plus(sinceT0);
  }

  /** The step ending at T0 + k × 15 s belongs to the burst. */
  static boolean inBurst(int step) {
    long end = (long) step * STEP_SECONDS;
    return end > BURST_START.toSeconds() && end <= BURST_END.toSeconds();
  }

  private record Counter(String name, Map<String, String> labels, double steady, double burst) {}

  static String openMetrics() {
    List<Counter> counters = new ArrayList<>();
    traefik(counters);
    istio(counters);
    nginx(counters);
    app(counters);
    counters.add(new Counter("idle_requests_total", labels("job", "idle"), 0, 0));
    StringBuilder out = new StringBuilder(1 << 20);
    for (Counter c : counters) {
      String series = c.name() + c.labels().entrySet().stream()
          .map(e -> e.getKey() + "=\"" + e.getValue() + "\"")
          .collect(Collectors.joining(",", "{", "}"));
      double value = c.name().equals("idle_requests_total") ? 42 : 0;
      for (int step = 0; step <= STEPS; step++) {
        if (step > 0) {
          value += inBurst(step) ? c.burst() : c.steady();
        }
        out.append(series).append(' ').append(format(value)).append(' ')
            .append(T0.getEpochSecond() + (long) step * STEP_SECONDS).append('\n');
      }
    }
    return out.append("# EOF\n").toString();
  }

  private static void traefik(List<Counter> out) {
    String name = "traefik_service_request_duration_seconds_bucket";
    histogram(out, name, TRAEFIK_LE, labels("service", CANARY_TRAEFIK_SERVICE, "code", "200"),
        new double[] {147, 237, 282, 297, 297, 297}, new double[] {60, 150, 210, 225, 240, 240});
    histogram(out, name, TRAEFIK_LE, labels("service", CANARY_TRAEFIK_SERVICE, "code", "500"),
        new double[] {3, 3, 3, 3, 3, 3}, new double[] {60, 60, 60, 60, 60, 60});
    double[] primary = {1000, 1000, 1000, 1000, 1000, 1000};
    histogram(out, name, TRAEFIK_LE, labels("service", PRIMARY_TRAEFIK_SERVICE, "code", "200"),
        primary, primary);
    double[] other = {100, 100, 100, 100, 100, 100};
    histogram(out, name, TRAEFIK_LE, labels("service", "other-podinfo-canary-80@kubernetescrd", "code", "500"),
        other, other);
  }

  private static void istio(List<Counter> out) {
    String requests = "istio_requests_total";
    out.add(new Counter(requests, istioLabels("destination", "test", "podinfo", "200"), 297, 240));
    out.add(new Counter(requests, istioLabels("destination", "test", "podinfo", "500"), 3, 60));
    out.add(new Counter(requests, istioLabels("destination", "test", "podinfo-primary", "200"), 1000, 1000));
    out.add(new Counter(requests, istioLabels("destination", "test", "podinfo-primary", "500"), 0, 0));
    out.add(new Counter(requests, istioLabels("source", "test", "podinfo", "503"), 500, 500));
    out.add(new Counter(requests, istioLabels("destination", "other", "podinfo", "500"), 100, 100));
    String buckets = "istio_request_duration_milliseconds_bucket";
    histogram(out, buckets, ISTIO_LE, istioLabels("destination", "test", "podinfo", null),
        new double[] {30, 90, 150, 225, 285, 300, 300, 300, 300, 300},
        new double[] {15, 60, 120, 180, 270, 285, 300, 300, 300, 300});
    double[] primary = {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000};
    histogram(out, buckets, ISTIO_LE, istioLabels("destination", "test", "podinfo-primary", null),
        primary, primary);
    double[] slowSource = {0, 0, 0, 0, 0, 0, 0, 0, 0, 500};
    histogram(out, buckets, ISTIO_LE, istioLabels("source", "test", "podinfo", null), slowSource, slowSource);
  }

  private static void nginx(List<Counter> out) {
    String requests = "nginx_ingress_controller_requests";
    out.add(new Counter(requests, nginxLabels("test", NGINX_CANARY_UPSTREAM, "200"), 297, 240));
    out.add(new Counter(requests, nginxLabels("test", NGINX_CANARY_UPSTREAM, "500"), 3, 60));
    out.add(new Counter(requests, nginxLabels("test", null, "200"), 1000, 1000));
    out.add(new Counter(requests, nginxLabels("test", null, "503"), 1000, 1000));
    out.add(new Counter(requests, nginxLabels("other", "other-podinfo-canary-80", "502"), 100, 100));
    String sum = "nginx_ingress_controller_response_duration_seconds_sum";
    String count = "nginx_ingress_controller_response_duration_seconds_count";
    out.add(new Counter(sum, nginxLabels("test", NGINX_CANARY_UPSTREAM, null), 15, 36));
    out.add(new Counter(count, nginxLabels("test", NGINX_CANARY_UPSTREAM, null), 300, 300));
    out.add(new Counter(sum, nginxLabels("test", null, null), 500, 500));
    out.add(new Counter(count, nginxLabels("test", null, null), 1000, 1000));
  }

  private static void app(List<Counter> out) {
    String name = "http_request_duration_seconds_bucket";
    double[][] ok = {{147, 237, 282, 297, 297, 297}, {60, 150, 210, 225, 240, 240}};
    double[][] errors = {{3, 3, 3, 3, 3, 3}, {60, 60, 60, 60, 60, 60}};
    appPod(out, "test", "podinfo-7d9f8b6c5d-x2x4k", "200", ok);
    appPod(out, "test", "podinfo-7d9f8b6c5d-q9m3t", "500", errors);
    double[] slow = {0, 0, 0, 0, 0, 1000};
    appPod(out, "test", "podinfo-primary-5c8d9f7b6-k2l4p", "503", new double[][] {slow, slow});
    appPod(out, "test", "podinfo-abcde", "503", new double[][] {slow, slow});
    appPod(out, "other", "podinfo-7d9f8b6c5d-x2x4k", "500", new double[][] {slow, slow});
  }

  private static void appPod(List<Counter> out, String namespace, String pod, String status, double[][] buckets) {
    Map<String, String> labels = labels("kubernetes_namespace", namespace, "kubernetes_pod_name", pod,
        "status", status);
    histogram(out, "http_request_duration_seconds_bucket", TRAEFIK_LE, labels, buckets[0], buckets[1]);
    int inf = TRAEFIK_LE.length - 1;
    out.add(new Counter("http_request_duration_seconds_count", labels, buckets[0][inf], buckets[1][inf]));
  }

  private static void histogram(List<Counter> out, String name, String[] le, Map<String, String> labels,
      double[] steady, double[] burst) {
    for (int i = 0; i < le.length; i++) {
      Map<String, String> withLe = new LinkedHashMap<>(labels);
      withLe.put("le", le[i]);
      out.add(new Counter(name, withLe, steady[i], burst[i]));
    }
  }

  private static Map<String, String> istioLabels(String reporter, String namespace, String workload, String code) {
    Map<String, String> l = labels("reporter", reporter, "destination_workload_namespace", namespace,
        "destination_workload", workload);
    if (code != null) {
      l.put("response_code", code);
    }
    return l;
  }

  private static Map<String, String> nginxLabels(String namespace, String canary, String status) {
    Map<String, String> l = labels("namespace", namespace, "ingress", "podinfo", "method", "GET");
    if (canary != null) {
      l.put("canary", canary);
    }
    if (status != null) {
      l.put("status", status);
    }
    return l;
  }

  private static Map<String, String> labels(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  private static String format(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
