package io.canaryanalysis.examples.bench;

import io.canaryanalysis.api.MetricProvider;
import io.canaryanalysis.api.MetricQuery;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.Webhook;
import io.canaryanalysis.api.spec.WebhookType;
import java.time.Duration;
import java.util.List;

/** The podinfo.test canary the benchmarks use: 1m interval, threshold 3, 5% steps to 50%, two builtin metrics, a rollout hook. */
final class BenchCanaries {
  /** Flagger's Istio request-success-rate query, so the benchmark pays for template rendering. */
  static final String ISTIO_SUCCESS_RATE = "sum(rate(istio_requests_total{reporter=\"destination\","
      + "destination_workload_namespace=\"{{ namespace }}\",destination_workload=~\"{{ target }}\","
      + "response_code!~\"5.*\"}[{{ interval }}])) / sum(rate(istio_requests_total{reporter=\"destination\","
      + "destination_workload_namespace=\"{{ namespace }}\",destination_workload=~\"{{ target }}\"}"
      + "[{{ interval }}])) * 100";
  /** Flagger's Istio request-duration (P99, ms) query. */
  static final String ISTIO_DURATION = "histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{"
      + "reporter=\"destination\",destination_workload_namespace=\"{{ namespace }}\","
      + "destination_workload=~\"{{ target }}\"}[{{ interval }}])) by (le))";

  private BenchCanaries() {}

  /** A metric provider whose every query answers 99.9: the controller benchmarks' canaries are healthy. */
  static MetricProvider healthyMetrics() {
    return new MetricProvider() {
      @Override
      public MetricResult query(MetricQuery query) {
        return MetricResult.value(99.9);
      }

      @Override
      public boolean isOnline() {
        return true;
      }
    };
  }

  static Canary podinfo() {
    return Canary.of("podinfo", "test", CanarySpec.builder()
        .deployment("podinfo")
        .service(CanaryService.ofPort(9898))
        .analysis(Analysis.builder()
            .interval(Duration.ofMinutes(1))
            .threshold(3)
            .stepWeight(5)
            .maxWeight(50)
            .metrics(List.of(
                MetricCheck.builder(MetricCheck.REQUEST_SUCCESS_RATE).thresholdRange(99.0, null).build(),
                MetricCheck.builder(MetricCheck.REQUEST_DURATION).thresholdRange(null, 500.0).build()))
            .webhooks(List.of(Webhook.of("load-test", WebhookType.ROLLOUT, "http://flagger-loadtester.test/")))
            .build())
        .build());
  }
}
