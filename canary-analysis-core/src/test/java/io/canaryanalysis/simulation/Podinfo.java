package io.canaryanalysis.simulation;

import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.Webhook;
import io.canaryanalysis.api.spec.WebhookType;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/** The podinfo.test canary of Flagger's examples. */
final class Podinfo {
  static final Duration MINUTE = Duration.ofMinutes(1);

  private Podinfo() {}

  static MetricCheck successRate() {
    return MetricCheck.builder("request-success-rate").thresholdRange(99.0, null).build();
  }

  static MetricCheck duration() {
    return MetricCheck.builder("request-duration").thresholdRange(null, 500.0).build();
  }

  /** 1m interval, threshold 3, success rate >= 99%, stepWeight 5 up to 50. */
  static Analysis.Builder analysis() {
    return Analysis.builder()
        .interval(MINUTE)
        .threshold(3)
        .stepWeight(5)
        .maxWeight(50)
        .metrics(List.of(successRate()));
  }

  static Canary canary(Analysis analysis) {
    return canary(CanarySpec.builder().deployment("podinfo").service(CanaryService.ofPort(9898))
        .analysis(analysis));
  }

  static Canary canary(CanarySpec.Builder spec) {
    return Canary.of("podinfo", "test", spec.build());
  }

  static Webhook hook(String name, WebhookType type) {
    return Webhook.of(name, type, "http://flagger-loadtester.test/" + name);
  }

  static Duration minutes(long m) {
    return Duration.ofMinutes(m);
  }

  /** A compact, readable timeline for assertion failures: "t phase weight failedChecks [events]". */
  static String describe(SimulationResult r) {
    return r.timeline().stream()
        .map(t -> t.time().toMinutes() + "m " + t.phase() + " " + t.primaryWeight() + "/"
            + t.canaryWeight() + (t.mirrored() ? "m" : "") + " fc=" + t.failedChecks() + " it="
            + t.iterations() + " " + t.eventMessages())
        .collect(Collectors.joining("\n"));
  }
}
