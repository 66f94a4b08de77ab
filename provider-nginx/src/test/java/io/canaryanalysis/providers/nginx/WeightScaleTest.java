package io.canaryanalysis.providers.nginx;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WeightScaleTest {

  @ParameterizedTest(name = "total {0}")
  @ValueSource(ints = {100, 101, 150, 199, 333, 999, 1000, 4096, 10000, 1_000_000})
  void everyPercentMapsToAWeightWithinTheTotalAndBack(int total) {
    long previous = -1;
    for (int percent = 0; percent <= 100; percent++) {
      long weight = WeightScale.toWeight(percent, total);
      assertThat(weight).isBetween(0L, (long) total).isGreaterThan(previous);
      assertThat(WeightScale.toPercent(weight, total)).as("percent %d", percent)
          .isEqualTo(percent);
      previous = weight;
    }
    assertThat(WeightScale.toWeight(0, total)).isZero();
    assertThat(WeightScale.toWeight(100, total)).isEqualTo(total);
  }
}
