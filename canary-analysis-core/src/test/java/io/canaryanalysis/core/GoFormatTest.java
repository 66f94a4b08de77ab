package io.canaryanalysis.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GoFormatTest {
  @Test
  void durationsMatchGo() {
    assertThat(GoFormat.durationFromMillis(1515.9)).isEqualTo("1.515s");
    assertThat(GoFormat.durationFromMillis(500)).isEqualTo("500ms");
    assertThat(GoFormat.durationFromMillis(0)).isEqualTo("0s");
    assertThat(GoFormat.durationFromMillis(90_000)).isEqualTo("1m30s");
    assertThat(GoFormat.durationFromMillis(3_600_000)).isEqualTo("1h0m0s");
    assertThat(GoFormat.duration(1_500)).isEqualTo("1.5\u00b5s");
    assertThat(GoFormat.duration(999)).isEqualTo("999ns");
  }

  @Test
  void numbersMatchGoPercentV() {
    assertThat(GoFormat.number(99)).isEqualTo("99");
    assertThat(GoFormat.number(99.5)).isEqualTo("99.5");
    assertThat(GoFormat.number(0.25)).isEqualTo("0.25");
    assertThat(GoFormat.twoDecimals(53.4199)).isEqualTo("53.42");
  }
}
