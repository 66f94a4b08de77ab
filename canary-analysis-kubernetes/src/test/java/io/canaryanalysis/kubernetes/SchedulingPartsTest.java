package io.canaryanalysis.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The pacer of change-triggered ticks, the queue-lag window and the config references index. */
class SchedulingPartsTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  @Test
  void fiveHundredKicksAtTwentyASecondAreSpreadOverTwentyFiveSeconds() {
    Pacer pacer = new Pacer(20);
    long t0 = 1_000 * SECOND;
    long last = -1;
    for (int i = 0; i < 500; i++) {
      long delay = pacer.delayNanos(t0);
      assertThat(delay).isGreaterThan(last);
      last = delay;
    }
    assertThat(last).isEqualTo(499 * SECOND / 20);
    assertThat(pacer.peekNanos(t0)).isEqualTo(500 * SECOND / 20);
  }

  @Test
  void anIdlePacerStartsAtOnce() {
    Pacer pacer = new Pacer(5);
    assertThat(pacer.delayNanos(0)).isZero();
    assertThat(pacer.delayNanos(0)).isEqualTo(SECOND / 5);
    assertThat(pacer.delayNanos(10 * SECOND)).as("the backlog has passed").isZero();
  }

  @Test
  void queueLagQuantilesOverTheLastSamples() {
    QueueLag lag = new QueueLag(100);
    assertThat(lag.quantile(0.99)).isZero();
    for (int i = 1; i <= 100; i++) {
      lag.record(i);
    }
    assertThat(lag.quantile(0.5)).isEqualTo(50);
    assertThat(lag.quantile(0.99)).isEqualTo(99);
    for (int i = 0; i < 100; i++) {
      lag.record(1000);
    }
    assertThat(lag.quantile(0.5)).as("old samples dropped").isEqualTo(1000);
    lag.record(-5);
    assertThat(lag.quantile(0.0)).as("early starts count as zero").isZero();
  }

  @Test
  void everyConfigTheTemplateReferencesIsIndexed() {
    assertThat(ChangeTriggers.configReferences(Fixtures.deployment())).containsExactlyInAnyOrder(
        "test/ConfigMap/podinfo-init", "test/ConfigMap/podinfo-env", "test/Secret/podinfo-secret",
        "test/ConfigMap/podinfo-files", "test/Secret/podinfo-tls");
  }
}
