package io.canaryanalysis.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DurationsTest {

  @Test
  void parsesFlaggerAndGoStyleDurations() {
    assertThat(Durations.parse("10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(Durations.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Durations.parse("2h")).isEqualTo(Duration.ofHours(2));
    assertThat(Durations.parse("1s250ms")).isEqualTo(Duration.ofMillis(1250));
    assertThat(Durations.parse("0s")).isEqualTo(Duration.ZERO);
  }

  @Test
  void rejectsEverythingElse() {
    for (String bad : List.of("", "10", "1x", "m", "1.5s", "-1s", "1s1m", "1 m", "10S", "99999999999999999999s")) {
      assertThat(Durations.parse(bad)).as(bad).isNull();
    }
  }

  @Test
  void formatsInTheUnitsFlaggersCrdAccepts() {
    assertThat(Durations.format(Duration.ofSeconds(60))).isEqualTo("1m");
    assertThat(Durations.format(Duration.ofHours(1))).isEqualTo("60m");
    assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
    assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1s500ms");
    assertThat(Durations.format(Duration.ofMillis(20))).isEqualTo("20ms");
    for (Duration d : List.of(Duration.ofMillis(1500), Duration.ofMillis(20), Duration.ofMinutes(61), Duration.ZERO)) {
      assertThat(Durations.parse(Durations.format(d))).isEqualTo(d);
    }
  }
}
