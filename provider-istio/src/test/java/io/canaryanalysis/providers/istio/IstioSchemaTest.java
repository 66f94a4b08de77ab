package io.canaryanalysis.providers.istio;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The schema checker used by the object tests catches the mistakes it is there to catch. */
class IstioSchemaTest {

  private static Map<String, Object> vsSpec(Map<String, Object> destination, Map<String, Object> match) {
    return Map.of("hosts", List.of("podinfo"),
        "http", List.of(Map.of("match", List.of(match), "route", List.of(destination))));
  }

  @Test
  void acceptsAWellFormedRoute() {
    assertThat(IstioSchema.violations(vsSpec(
        Map.of("destination", Map.of("host", "podinfo-canary"), "weight", 10),
        Map.of("headers", Map.of("x-canary", Map.of("exact", "1")))), IstioSchema.VIRTUAL_SERVICE_SPEC))
        .isEmpty();
  }

  @Test
  void rejectsWrongNamesTypesAndStringMatches() {
    assertThat(IstioSchema.violations(vsSpec(
        Map.of("destination", Map.of("name", "podinfo-canary"), "weight", "10"),
        Map.of("headers", Map.of("x-canary", Map.of("suffix", "1")))), IstioSchema.VIRTUAL_SERVICE_SPEC))
        .containsExactlyInAnyOrder(
            "spec.http[0].route[0].destination: missing required field host",
            "spec.http[0].route[0].destination: unknown field name",
            "spec.http[0].route[0].weight: expected INTEGER, got String 10",
            "spec.http[0].match[0].headers.x-canary: expected exactly one of "
                + "[exact, prefix, regex] with a string, got {suffix=1}");
  }
}
