package io.canaryanalysis.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.NoDataPolicy;
import io.canaryanalysis.api.status.CheckKind;
import org.junit.jupiter.api.Test;

/** ±Inf is no data unless a check opts in, and prints as Inf, never as an overflowed duration. */
class NonFiniteMetricTest {
  private static MetricJudge.Verdict judge(MetricCheck check, double value) {
    return MetricJudge.judge(check, new MetricOutcome.Measured(MetricResult.value(value)), null, null,
        10, "podinfo.test", "podinfo.test", "istio");
  }

  @Test
  void plusInfDoesNotPassAMinimumWithoutEvidence() {
    MetricCheck check = MetricCheck.builder("throughput").templateRef("rps")
        .thresholdRange(10.0, null).build();

    MetricJudge.Verdict verdict = judge(check, Double.POSITIVE_INFINITY);

    assertThat(verdict).satisfies(f -> {
      assertThat(f.effect()).isEqualTo(MetricJudge.Effect.FAIL_CHECK);
      assertThat(f.outcome()).isEqualTo(io.canaryanalysis.api.status.OutcomeClass.NO_DATA);
      assertThat(f.kind()).isEqualTo(CheckKind.METRIC_NO_DATA);
      assertThat(f.message()).isEqualTo(
          "Halt advancement no values found for custom metric: throughput: query returned +Inf");
    });
  }

  @Test
  void noDataPolicyAppliesToInfinities() {
    MetricCheck hold = MetricCheck.builder("ratio").query("x").thresholdRange(null, 1.0)
        .onNoData(NoDataPolicy.HOLD).build();
    MetricCheck pass = hold.toBuilder().onNoData(NoDataPolicy.PASS).build();

    assertThat(judge(hold, Double.NEGATIVE_INFINITY).effect()).isEqualTo(MetricJudge.Effect.HOLD);
    assertThat(judge(pass, Double.NEGATIVE_INFINITY).effect()).isEqualTo(MetricJudge.Effect.ADVANCE);
  }

  @Test
  void aCheckThatOptsInJudgesInfinityAndPrintsItSensibly() {
    MetricCheck latency = MetricCheck.builder(MetricCheck.REQUEST_DURATION).threshold(500.0)
        .acceptInfinite(true).build();
    MetricCheck rps = MetricCheck.builder("throughput").query("x").thresholdRange(10.0, null)
        .acceptInfinite(true).build();

    assertThat(judge(latency, Double.POSITIVE_INFINITY))
        .satisfies(f -> {
          assertThat(f.effect()).isEqualTo(MetricJudge.Effect.FAIL_CHECK);
          assertThat(f.kind()).isEqualTo(CheckKind.METRIC);
          assertThat(f.message()).isEqualTo(
              "Halt podinfo.test advancement request duration +Inf > 500ms");
        });
    assertThat(judge(rps, Double.POSITIVE_INFINITY).effect()).isEqualTo(MetricJudge.Effect.ADVANCE);
  }

  @Test
  void durationFormattingHandlesNonFiniteAndHugeValues() {
    assertThat(GoFormat.durationFromMillis(Double.POSITIVE_INFINITY)).isEqualTo("+Inf");
    assertThat(GoFormat.durationFromMillis(Double.NEGATIVE_INFINITY)).isEqualTo("-Inf");
    assertThat(GoFormat.durationFromMillis(Double.NaN)).isEqualTo("NaN");
    assertThat(GoFormat.durationFromMillis(1e300)).endsWith("ms").doesNotStartWith("-");
    assertThat(GoFormat.durationFromMillis(-1500)).isEqualTo("-1.5s");
  }
}
