package io.canaryanalysis.metrics.prometheus;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.canaryanalysis.api.MetricQuery;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.MetricKind;
import io.canaryanalysis.api.spec.SeriesAggregation;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;

/**
 * Measures what {@link PrometheusMetricProvider} (OkHttp + Jackson + result reduction) adds per
 * query over a plain {@link HttpClient} sending the same GET to the same real Prometheus on
 * loopback. Single-threaded, interleaved rounds, after warm-up. Not a unit test: run it by hand
 * (see the module's final report for the command).
 *
 * <p>Arguments: {@code [iterationsPerRound] [rounds]} (defaults 2000 and 5).
 */
public final class PrometheusClientOverheadBenchmark {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private PrometheusClientOverheadBenchmark() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.log.io.canaryanalysis", "info");
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    PrintStream out = System.out;
    try (PrometheusServer server = PrometheusServer.start(CanaryTrafficSeries.openMetrics())) {
      String successRate = TemplateRenderer.renderForPodinfo(new PrometheusBuiltinQueries()
          .template(MetricCheck.REQUEST_SUCCESS_RATE, "istio").orElseThrow());
      out.printf("Prometheus %s, %d iterations x %d rounds per variant, JDK %s%n",
          server.baseUrl(), iterations, rounds, System.getProperty("java.version"));
      run(out, server.baseUrl(), "vector(1)", null, iterations, rounds);
      run(out, server.baseUrl(), successRate, CanaryTrafficSeries.DURING_BURST, iterations, rounds);
    }
  }

  private static void run(PrintStream out, String baseUrl, String query, Instant at, int iterations, int rounds)
      throws Exception {
    PrometheusMetricProvider provider = new PrometheusMetricProvider(PrometheusClient.builder(baseUrl).build());
    MetricQuery metricQuery = new MetricQuery(query, MetricKind.VALUE, SeriesAggregation.NONE, at);
    HttpClient plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String collapsed = PrometheusClient.collapseWhitespace(query);
    String url = baseUrl + "/api/v1/query?query=" + URLEncoder.encode(collapsed, StandardCharsets.UTF_8)
        + (at == null ? "" : "&time=" + at.getEpochSecond() + ".000");
    HttpRequest request = HttpRequest.newBuilder(URI.create(url)).GET().build();

    // Sanity: all variants see the same answer.
    MetricResult viaProvider = provider.query(metricQuery);
    String viaPlain = plain.send(request, HttpResponse.BodyHandlers.ofString()).body();
    if (!(viaProvider instanceof MetricResult.Value)) {
      throw new IllegalStateException("provider answered " + viaProvider);
    }

    Runnable providerCall = () -> {
      if (!(provider.query(metricQuery) instanceof MetricResult.Value)) {
        throw new IllegalStateException("unexpected result");
      }
    };
    Runnable plainCall = () -> body(plain, request);
    okhttp3.OkHttpClient okhttp = new okhttp3.OkHttpClient();
    okhttp3.Request okRequest = new okhttp3.Request.Builder().url(url).build();
    Runnable okhttpCall = () -> {
      try (okhttp3.Response r = okhttp.newCall(okRequest).execute()) {
        r.body().string();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    };
    Runnable plainParseCall = () -> {
      try {
        MAPPER.readTree(body(plain, request));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    };

    for (int i = 0; i < iterations * 2; i++) {
      providerCall.run();
      plainCall.run();
      plainParseCall.run();
      okhttpCall.run();
    }
    long[] provider_ = new long[iterations * rounds];
    long[] plain_ = new long[iterations * rounds];
    long[] plainParse = new long[iterations * rounds];
    long[] bareOkhttp = new long[iterations * rounds];
    for (int r = 0; r < rounds; r++) {
      time(providerCall, provider_, r * iterations, iterations);
      time(plainCall, plain_, r * iterations, iterations);
      time(plainParseCall, plainParse, r * iterations, iterations);
      time(okhttpCall, bareOkhttp, r * iterations, iterations);
    }
    out.printf("%nquery: %s%s (response %d bytes, value %s)%n", collapsed.length() > 60
        ? collapsed.substring(0, 60) + "..." : collapsed, at == null ? "" : " @" + at, viaPlain.length(),
        ((MetricResult.Value) viaProvider).value());
    Stats p = Stats.of(provider_);
    Stats b = Stats.of(plain_);
    Stats bp = Stats.of(plainParse);
    out.println(Stats.HEADER);
    out.println(p.row("PrometheusMetricProvider (OkHttp+Jackson+reduce)"));
    out.println(b.row("java.net.http GET, body as String"));
    out.println(bp.row("java.net.http GET + Jackson readTree"));
    Stats ok = Stats.of(bareOkhttp);
    out.println(ok.row("bare OkHttp GET, body as String"));
    out.printf(Locale.ROOT, "ratio provider/plain: mean %.2f, median %.2f; overhead per query: mean %+.1f us, "
            + "median %+.1f us (vs plain+parse: mean %+.1f us)%n",
        p.mean / b.mean, p.median / b.median, (p.mean - b.mean) / 1000, (p.median - b.median) / 1000,
        (p.mean - bp.mean) / 1000);
    out.printf(Locale.ROOT, "our layer over bare OkHttp: median %+.1f us (ratio %.2f)%n",
        (p.median - ok.median) / 1000, p.median / ok.median);
  }

  private static String body(HttpClient client, HttpRequest request) {
    try {
      HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException("HTTP " + r.statusCode());
      }
      return r.body();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void time(Runnable call, long[] into, int offset, int n) {
    for (int i = 0; i < n; i++) {
      long start = System.nanoTime();
      call.run();
      into[offset + i] = System.nanoTime() - start;
    }
  }

  private record Stats(double mean, double median, double p90, double p99) {
    static final String HEADER = String.format(Locale.ROOT, "%-52s %10s %10s %10s %10s",
        "variant (per query, microseconds)", "mean", "median", "p90", "p99");

    static Stats of(long[] nanos) {
      long[] s = nanos.clone();
      Arrays.sort(s);
      return new Stats(Arrays.stream(s).average().orElseThrow(), s[s.length / 2],
          s[(int) (s.length * 0.90)], s[(int) (s.length * 0.99)]);
    }

    String row(String name) {
      return String.format(Locale.ROOT, "%-52s %10.1f %10.1f %10.1f %10.1f", name, mean / 1000,
          median / 1000, p90 / 1000, p99 / 1000);
    }
  }
}
