package io.canaryanalysis.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.core.validation.CanaryValidator;
import io.canaryanalysis.simulation.Simulation;
import io.canaryanalysis.simulation.SimulationResult;
import java.time.Duration;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Properties of reading, validating, writing and re-reading, over random canaries and random damage
 * to their manifests. Each case is drawn from one seed ({@link RandomManifests}), which the test
 * name reports when a property fails, so the case replays with that seed alone. (Plain JUnit over
 * seeds rather than jqwik: jqwik's engine asks AI agents not to use it, and this project is built
 * with one.)
 */
class ManifestProperties {
  static final Map<String, RouterCapabilities> ROUTERS = Map.of(
      "istio", new RouterCapabilities(true, true, true, true, true),
      "nginx", new RouterCapabilities(true, true, true, false, false),
      "traefik", RouterCapabilities.WEIGHTS_ONLY,
      "kubernetes", new RouterCapabilities(false, false, false, false, false));

  static final ManifestReader CHECKED = ManifestReader.create()
      .withCanaryChecks(canary -> CanaryValidator.check(canary))
      .withMetricTemplateChecks(CanaryValidator::check);

  static String kind(Canary canary) {
    return canary.spec().provider() == null ? "istio" : canary.spec().provider();
  }

  static LongStream seeds(int count) {
    // Spread over the long range, but fixed, so every CI run checks the same cases.
    return LongStream.range(0, count).map(i -> i * 0x9E3779B97F4A7C15L);
  }

  static LongStream fourHundred() {
    return seeds(400);
  }

  static LongStream oneThousand() {
    return seeds(1000);
  }

  static LongStream threeHundred() {
    return seeds(300);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("fourHundred")
  void aWrittenManifestReadsBackEqual(long seed) {
    Canary canary = new RandomManifests(seed).canary();
    String yaml = CanaryManifests.toYaml(canary);
    assertThat(CanaryManifests.readCanary(yaml).canary()).as(yaml).isEqualTo(canary);
    String json = CanaryManifests.toJson(canary, null);
    assertThat(CanaryManifests.readCanary(json).canary()).as(json).isEqualTo(canary);
    assertThat(CanaryManifests.readCanary(CanaryManifests.toTree(canary, null)).canary()).isEqualTo(canary);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("oneThousand")
  void damagedManifestsThrowOnlyManifestExceptionAndWhatIsReadWritesBackEqual(long seed) {
    RandomManifests random = new RandomManifests(seed);
    Canary canary = random.canary();
    String manifest = random.damage(seed % 3 == 0 ? CanaryManifests.toJson(canary, null) : CanaryManifests.toYaml(canary));
    try {
      Canary read = CHECKED.readCanary(manifest).canary();
      assertThat(CanaryManifests.readCanary(CanaryManifests.toYaml(read)).canary()).isEqualTo(read);
    } catch (ManifestException expected) {
      assertThat(expected.problems()).isNotEmpty();
    }
    try {
      CHECKED.readAll(manifest);
    } catch (ManifestException expected) {
      assertThat(expected.problems()).isNotEmpty();
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("threeHundred")
  void aCanaryThatValidatesAlsoSimulates(long seed) {
    Canary canary = new RandomManifests(seed).canary();
    String kind = kind(canary);
    RouterCapabilities capabilities = ROUTERS.get(kind);
    if (!CanaryValidator.validate(canary, capabilities).isEmpty()) {
      return;
    }
    Canary read = CHECKED.readCanary(CanaryManifests.toYaml(canary)).canary();
    SimulationResult result = Simulation.of(read).router(kind, capabilities)
        .newRevisionAt(Duration.ZERO)
        .run(Duration.ofHours(3));
    assertThat(result.outcome()).isNotNull();
    assertThat(result.eventMessages()).noneMatch(m -> m.startsWith("Invalid canary"));
  }

  /** Keeps the last property meaningful: enough random canaries pass validation to be simulated. */
  @Test
  void enoughRandomCanariesValidate() {
    long valid = LongStream.range(0, 500).filter(seed -> {
      Canary canary = new RandomManifests(seed).canary();
      return CanaryValidator.validate(canary, ROUTERS.get(kind(canary))).isEmpty();
    }).count();
    assertThat(valid).isGreaterThan(25);
  }
}
