package io.canaryanalysis.metrics.prometheus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.canaryanalysis.api.BuiltinMetricQueries;
import io.canaryanalysis.api.CanaryEvent;
import io.canaryanalysis.api.HistogramResult;
import io.canaryanalysis.api.MetricQuery;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.Readiness;
import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.Workload;
import io.canaryanalysis.api.WorkloadSnapshot;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.spec.JudgeSpec;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.MetricKind;
import io.canaryanalysis.api.spec.SeriesAggregation;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.api.status.CheckKind;
import io.canaryanalysis.api.status.LatencyEvidence;
import io.canaryanalysis.core.AnalysisEngine;
import io.canaryanalysis.core.TickReport;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The judges' builtin series (four counts, two latency histograms) for every router kind and every
 * Gateway API implementation with per-backend series, against a real Prometheus holding synthetic
 * series for {@code test/podinfo}. Per 15 s step the canary serves 250 requests with 5 errors and
 * the primary 750 with 3, so over {@code [1m]} the counts are 20/1,000 and 12/3,000. Latency,
 * cumulative per step by {@code le} 5/10/25/50/100/250/+Inf (milliseconds, or the same numbers of
 * thousandths of a second for Traefik and NGINX): canary 25/75/125/190/235/248/250, primary three
 * times that (the same distribution). In namespace {@code slow} the canary's histogram is
 * 5/15/40/80/150/200/250 instead. Decoys a wrong selector would pick up: namespace {@code other},
 * Istio's other reporter, Envoy Gateway's per-rule cluster.
 */
class JudgeQueriesRealPrometheusTest {
  private static final Instant T0 = Instant.ofEpochSecond(1_700_000_000L);
  private static final Instant AT = T0.plusSeconds(600);
  private static final String[] LE_MS = {"5", "10", "25", "50", "100", "250", "+Inf"};
  private static final String[] LE_S = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "+Inf"};
  private static final int[] CANARY = {25, 75, 125, 190, 235, 248, 250};
  private static final int[] SLOW_CANARY = {5, 15, 40, 80, 150, 200, 250};

  @RegisterExtension
  static final PrometheusServerExtension PROMETHEUS =
      new PrometheusServerExtension(JudgeQueriesRealPrometheusTest::openMetrics);

  /** How one implementation labels a side: the series name prefix and the label set per side. */
  private record Source(String requests, String codeLabel, String errorCode, String okCode, String buckets,
      boolean seconds, Map<String, String> canary, Map<String, String> primary) {}

  private static Map<String, String> labels(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  private static final String TRAEFIK_GW = "httproute-%s-podinfo-gw-edge-public-ep-web-0-svc-%s-podinfo-%s-%d@kubernetesgateway";

  private static List<Source> sources(String ns) {
    return List.of(
        new Source("istio_requests_total", "response_code", "503", "200", "istio_request_duration_milliseconds_bucket",
            false, labels("reporter", "destination", "destination_workload_namespace", ns, "destination_workload", "podinfo"),
            labels("reporter", "destination", "destination_workload_namespace", ns, "destination_workload", "podinfo-primary")),
        new Source(null, "code", "500", "200", "traefik_service_request_duration_seconds_bucket", true,
            labels("service", ns + "-podinfo-canary-80@kubernetescrd"), labels("service", ns + "-podinfo-primary-80@kubernetescrd")),
        new Source("nginx_ingress_controller_requests", "status", "502", "200",
            "nginx_ingress_controller_response_duration_seconds_bucket", true,
            labels("namespace", ns, "ingress", "podinfo", "canary", ns + "-podinfo-canary-80"),
            labels("namespace", ns, "ingress", "podinfo")),
        new Source("istio_requests_total", "response_code", "500", "200", "istio_request_duration_milliseconds_bucket",
            false, labels("reporter", "source", "destination_service_namespace", ns, "destination_service_name", "podinfo-canary"),
            labels("reporter", "source", "destination_service_namespace", ns, "destination_service_name", "podinfo-primary")),
        new Source("traefik_service_requests_total", "code", "503", "200", "traefik_service_request_duration_seconds_bucket",
            true, labels("service", TRAEFIK_GW.formatted(ns, ns, "canary", 1)), labels("service", TRAEFIK_GW.formatted(ns, ns, "primary", 0))),
        new Source("envoy_cluster_upstream_rq_xx", "envoy_response_code_class", "5", "2", "envoy_cluster_upstream_rq_time_bucket",
            false, labels("envoy_cluster_name", "service/" + ns + "/podinfo-canary/9898"),
            labels("envoy_cluster_name", "service/" + ns + "/podinfo-primary/9898/http")),
        new Source("http_request_duration_seconds_count", "status", "500", "200", "http_request_duration_seconds_bucket",
            true, labels("kubernetes_namespace", ns, "kubernetes_pod_name", "podinfo-7d9f8b6c5d-x2x4k"),
            labels("kubernetes_namespace", ns, "kubernetes_pod_name", "podinfo-primary-5c8d9f7b6-k2l4p")));
  }

  static String openMetrics() {
    StringBuilder out = new StringBuilder(1 << 20);
    for (String ns : List.of("test", "slow", "other")) {
      int[] canary = ns.equals("slow") ? SLOW_CANARY : CANARY;
      int scale = ns.equals("other") ? 7 : 1;
      for (Source s : sources(ns)) {
        side(out, s, s.canary(), canary, 5 * scale);
        int[] primary = new int[CANARY.length];
        for (int i = 0; i < primary.length; i++) {
          primary[i] = 3 * CANARY[i];
        }
        side(out, s, s.primary(), primary, 3 * scale);
      }
    }
    // Envoy Gateway's default per-rule cluster serves both backends: a selector must not match it.
    Map<String, String> rule = labels("envoy_cluster_name", "httproute/test/podinfo/rule/0");
    side(out, sources("test").get(5), rule, new int[] {1, 1, 1, 1, 1, 1, 1000}, 900);
    // Istio's destination reporter through the gateway, and the source reporter of the mesh: decoys.
    return out.append("# EOF\n").toString();
  }

  /** One side's counters and histogram, each growing by its per-step increment. */
  private static void side(StringBuilder out, Source s, Map<String, String> base, int[] cumulative, int errors) {
    int total = cumulative[cumulative.length - 1];
    if (s.requests() != null) {
      counter(out, s.requests(), with(base, s.codeLabel(), s.okCode()), total - errors);
      counter(out, s.requests(), with(base, s.codeLabel(), s.errorCode()), errors);
    }
    String[] le = s.seconds() ? LE_S : LE_MS;
    for (int i = 0; i < le.length; i++) {
      // The errors are the slowest requests; the router Traefik counts come from the +Inf bucket by code.
      int ok = Math.min(cumulative[i], total - errors);
      int bad = cumulative[i] - ok;
      counter(out, s.buckets(), with(with(base, s.codeLabel(), s.okCode()), "le", le[i]), ok);
      counter(out, s.buckets(), with(with(base, s.codeLabel(), s.errorCode()), "le", le[i]), bad);
    }
  }

  private static Map<String, String> with(Map<String, String> base, String key, String value) {
    Map<String, String> m = new LinkedHashMap<>(base);
    m.put(key, value);
    return m;
  }

  private static void counter(StringBuilder out, String name, Map<String, String> labels, int perStep) {
    StringBuilder series = new StringBuilder(name).append('{');
    labels.forEach((k, v) -> series.append(k).append("=\"").append(v).append("\","));
    series.setLength(series.length() - 1);
    series.append('}');
    for (int step = 0; step <= 120; step++) {
      out.append(series).append(' ').append((long) step * perStep).append(' ')
          .append(T0.getEpochSecond() + step * 15L).append('\n');
    }
  }

  static Stream<Arguments> implementations() {
    return Stream.of(
        Arguments.of("istio", new PrometheusBuiltinQueries(), "istio", 1.0),
        Arguments.of("traefik", new PrometheusBuiltinQueries(), "traefik", 0.001),
        Arguments.of("nginx", new PrometheusBuiltinQueries(), "nginx", 0.001),
        Arguments.of("gatewayapi istio", new GatewayApiBuiltinQueries("istio"), "gatewayapi", 1.0),
        Arguments.of("gatewayapi traefik", new GatewayApiBuiltinQueries("traefik"), "gatewayapi:v1", 0.001),
        Arguments.of("gatewayapi envoy-gateway", new GatewayApiBuiltinQueries("envoy-gateway"), "gatewayapi", 1.0),
        Arguments.of("kubernetes", new PrometheusBuiltinQueries(), "kubernetes", 0.001),
        Arguments.of("gatewayapi nginx-gateway-fabric (app-level)", new GatewayApiBuiltinQueries("nginx-gateway-fabric"),
            "gatewayapi", 0.001));
  }

  private static String render(BuiltinMetricQueries queries, String series, String kind) {
    String template = queries.template(series, kind).orElseThrow(() -> new AssertionError("no " + series));
    return TemplateRenderer.render(template, Map.of("namespace", "test", "target", "podinfo", "service", "podinfo",
        "ingress", "podinfo", "interval", "1m"));
  }

  private static MetricQuery at(String query) {
    return new MetricQuery(query, MetricKind.VALUE, SeriesAggregation.NONE, AT);
  }

  private static PrometheusMetricProvider provider() {
    return new PrometheusMetricProvider(PROMETHEUS.clientBuilder().build());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("implementations")
  void theJudgesFourCountsAreTheHandComputedIncreases(String name, BuiltinMetricQueries queries, String kind,
      double unit) {
    Map<String, Double> expected = Map.of(JudgeSpec.CANARY_ERRORS, 20.0, JudgeSpec.CANARY_REQUESTS, 1000.0,
        JudgeSpec.PRIMARY_ERRORS, 12.0, JudgeSpec.PRIMARY_REQUESTS, 3000.0);
    expected.forEach((series, value) -> {
      MetricResult r = provider().query(new MetricQuery(render(queries, series, kind), MetricKind.VALUE,
          SeriesAggregation.SUM, AT));
      assertThat(r).as(series).isInstanceOf(MetricResult.Value.class);
      assertThat(((MetricResult.Value) r).value()).as(series).isCloseTo(value, within(1e-6));
    });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("implementations")
  void theLatencyHistogramsArePerLeIncreasesOfEachSide(String name, BuiltinMetricQueries queries, String kind,
      double unit) {
    for (boolean canary : new boolean[] {true, false}) {
      HistogramResult r = provider().histogram(at(render(queries,
          canary ? JudgeSpec.CANARY_BUCKETS : JudgeSpec.PRIMARY_BUCKETS, kind)));
      assertThat(r).as(name + (canary ? " canary" : " primary")).isInstanceOf(HistogramResult.Buckets.class);
      Map<Double, Double> got = ((HistogramResult.Buckets) r).cumulative();
      Map<Double, Double> expected = new TreeMap<>();
      String[] le = LE_MS;
      for (int i = 0; i < le.length; i++) {
        double bound = le[i].equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le[i]) * unit;
        expected.put(bound, 4.0 * CANARY[i] * (canary ? 1 : 3));
      }
      assertThat(got.keySet()).hasSize(expected.size());
      expected.forEach((bound, count) -> assertThat(got.entrySet()).as("le " + bound)
          .anySatisfy(e -> {
            assertThat(e.getKey()).isCloseTo(bound, within(1e-12));
            assertThat(e.getValue()).isCloseTo(count, within(1e-6));
          }));
    }
  }

  @Test
  void aQueryThatLostLeOrKeptOtherLabelsFailsWithTheCause() {
    String noLe = "sum(increase(istio_request_duration_milliseconds_bucket{destination_workload=\"podinfo\"}[1m]))";
    String keptLabels = "sum by (le, destination_workload_namespace) (increase("
        + "istio_request_duration_milliseconds_bucket{destination_workload=\"podinfo\"}[1m]))";
    String empty = "sum by (le) (increase(istio_request_duration_milliseconds_bucket{destination_workload=\"none\"}[1m]))";
    String noInf = "sum by (le) (increase(istio_request_duration_milliseconds_bucket{reporter=\"destination\","
        + "destination_workload=\"podinfo\", le!=\"+Inf\"}[1m]))";
    assertThat(provider().histogram(at(noLe)))
        .isEqualTo(new HistogramResult.Failed("histogram series without an le label: {} (aggregate with sum by (le))"));
    assertThat(provider().histogram(at(keptLabels)))
        .isInstanceOfSatisfying(HistogramResult.Failed.class, f -> assertThat(f.message())
            .startsWith("several histogram series for le=").endsWith("(aggregate with sum by (le))"));
    assertThat(provider().histogram(at(empty)))
        .isEqualTo(new HistogramResult.NoData("query returned no series"));
    assertThat(provider().histogram(at(noInf)))
        .isEqualTo(new HistogramResult.Failed("histogram has no le=\"+Inf\" bucket (the count of all requests)"));
    assertThat(provider().histogram(at("vector(1)")))
        .isInstanceOf(HistogramResult.Failed.class);
  }

  private static Canary canary(String namespace) {
    return canary(namespace, null);
  }

  private static Canary canary(String namespace, String metricsServer) {
    return canary(namespace, metricsServer, JudgeSpec.latency(0.01));
  }

  private static Canary canary(String namespace, String metricsServer, JudgeSpec judge) {
    MetricCheck latency = MetricCheck.builder("latency").judge(judge).build();
    CanarySpec spec = CanarySpec.builder()
        .deployment("podinfo")
        .service(CanaryService.ofPort(9898))
        .metricsServer(metricsServer)
        .analysis(Analysis.builder().interval(Duration.ofMinutes(1)).threshold(2).stepWeights(List.of(25))
            .metrics(List.of(latency)).build())
        .build();
    return new Canary("podinfo", namespace, null, Map.of(), Map.of(), spec);
  }

  /** Runs the real engine with Istio's builtin histograms, ticks a minute apart, until the run settles. */
  private static CanaryStatus run(Canary canary, List<String> events) {
    return run(canary, events, PROMETHEUS.baseUrl());
  }

  private static CanaryStatus run(Canary canary, List<String> events, String engineServer) {
    AtomicReference<Instant> now = new AtomicReference<>(T0.plus(Duration.ofMinutes(5)));
    AtomicReference<String> revision = new AtomicReference<>("r1");
    AtomicReference<TrafficSplit> routes = new AtomicReference<>(TrafficSplit.ALL_PRIMARY);
    AnalysisEngine engine = AnalysisEngine.builder()
        .router(new MemoryRouter(routes))
        .workload(new ReadyWorkload(revision))
        .statusStore((c, next) -> Optional.of("1"))
        .metrics(PrometheusMetrics.backend(engineServer, (namespace, name) -> Optional.empty()))
        .clock((InstantSource) now::get)
        .build();
    CanaryStatus status = CanaryStatus.initial();
    for (int i = 0; i < 20; i++) {
      if (status.phase() == CanaryPhase.INITIALIZED) {
        revision.set("r2");
      }
      TickReport report = engine.reconcile(canary, status);
      status = report.status();
      report.events().stream().map(CanaryEvent::message).forEach(events::add);
      now.set(now.get().plus(Duration.ofMinutes(1)));
      if (status.phase() == CanaryPhase.SUCCEEDED || status.phase() == CanaryPhase.FAILED) {
        break;
      }
    }
    return status;
  }

  @Test
  void theEngineRollsBackASlowerCanaryOnTheBuiltinHistograms() {
    List<String> events = new ArrayList<>();
    CanaryStatus status = run(canary("slow"), events);

    assertThat(status.phase()).as(String.join("\n", events)).isEqualTo(CanaryPhase.FAILED);
    assertThat(status.lastFailure().kind()).isEqualTo(CheckKind.JUDGE);
    assertThat(status.lastFailure().message()).startsWith("Rolling back podinfo.slow judge latency canary latency "
        + "higher than primary's: e-value ");
    LatencyEvidence latency = status.check("latency").orElseThrow().judge().latency();
    assertThat(latency.bounds()).containsExactly(5.0, 10.0, 25.0, 50.0, 100.0, 250.0);
    assertThat(latency.canaryP99()).isGreaterThan(latency.primaryP99());
  }

  @Test
  void theLatencyJudgeReadsTheCanarysOwnMetricsServer() {
    List<String> events = new ArrayList<>();
    // The engine's server is unreachable; the canary names the real one, as builtin metrics do.
    CanaryStatus status = run(canary("slow", PROMETHEUS.baseUrl()), events, "http://127.0.0.1:1");

    assertThat(status.phase()).as(String.join("\n", events)).isEqualTo(CanaryPhase.FAILED);
    assertThat(status.lastFailure().kind()).isEqualTo(CheckKind.JUDGE);
  }

  @Test
  void theErrorJudgeReadsTheCanarysOwnMetricsServerToo() {
    List<String> events = new ArrayList<>();
    // In namespace slow the canary fails 2% of requests, the primary 0.4%.
    CanaryStatus status = run(canary("slow", PROMETHEUS.baseUrl(), JudgeSpec.alpha(0.01)), events,
        "http://127.0.0.1:1");

    assertThat(status.phase()).as(String.join("\n", events)).isEqualTo(CanaryPhase.FAILED);
    assertThat(status.lastFailure().kind()).isEqualTo(CheckKind.JUDGE);
    assertThat(status.lastFailure().message()).contains("canary error rate higher than primary's");
  }

  @Test
  void theEnginePromotesACanaryWithThePrimarysLatency() {
    List<String> events = new ArrayList<>();
    CanaryStatus status = run(canary("test"), events);

    assertThat(status.phase()).as(String.join("\n", events)).isEqualTo(CanaryPhase.SUCCEEDED);
    assertThat(events).noneMatch(e -> e.startsWith("Rolling back"));
  }

  /** Keeps the split it was given. */
  private record MemoryRouter(AtomicReference<TrafficSplit> routes) implements TrafficRouter {
    @Override
    public String kind() {
      return "istio";
    }

    @Override
    public RouterCapabilities capabilities() {
      return RouterCapabilities.WEIGHTS_ONLY;
    }

    @Override
    public void reconcile(Canary canary) {}

    @Override
    public void setRoutes(Canary canary, TrafficSplit split) {
      routes.set(split);
    }

    @Override
    public TrafficSplit getRoutes(Canary canary) {
      return routes.get();
    }

    @Override
    public void finalizeRoutes(Canary canary) {
      routes.set(TrafficSplit.ALL_PRIMARY);
    }
  }

  /** Both workloads always ready; the revision is the test's. */
  private record ReadyWorkload(AtomicReference<String> revision) implements Workload {
    @Override
    public void initialize(Canary canary) {}

    @Override
    public WorkloadSnapshot observe(Canary canary) {
      return new WorkloadSnapshot(revision.get(), Map.of(), Readiness.READY, Readiness.READY);
    }

    @Override
    public void scaleUp(Canary canary) {}

    @Override
    public void scaleToZero(Canary canary) {}

    @Override
    public void promote(Canary canary) {}
  }
}
