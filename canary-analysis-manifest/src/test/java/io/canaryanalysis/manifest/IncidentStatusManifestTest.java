package io.canaryanalysis.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.status.Incident;
import io.canaryanalysis.api.status.IncidentKind;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** {@code status.incidents} read and written, bad entries reported with their paths; partial canaries. */
class IncidentStatusManifestTest {
  private static final String CANARY = "apiVersion: flagger.app/v1beta1\nkind: Canary\n"
      + "metadata: {name: podinfo, namespace: test, uid: u-1}\n"
      + "spec:\n  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}\n"
      + "  service: {port: 9898}\n  analysis:\n    interval: 1m\n    stepWeight: 10\n"
      + "    alerts:\n      - {name: on-call, severity: error, providerRef: {name: slack}}\n";

  @Test
  void incidentsRoundTrip() {
    String yaml = CANARY + "status:\n  phase: Succeeded\n  incidents:\n"
        + "    - {kind: router, message: 'Traffic routing failed, error setting routes: HTTP 503',"
        + " since: '2026-12-01T10:00:00Z', alertedAt: '2026-12-01T10:01:00Z'}\n"
        + "    - {kind: metrics, message: m, since: '2026-12-01T10:02:00Z'}\n";
    CanaryDocument doc = CanaryManifests.readCanary(yaml);
    assertThat(doc.status().incidents()).containsExactly(
        new Incident(IncidentKind.ROUTER, "Traffic routing failed, error setting routes: HTTP 503",
            Instant.parse("2026-12-01T10:00:00Z"), Instant.parse("2026-12-01T10:01:00Z")),
        new Incident(IncidentKind.METRICS, "m", Instant.parse("2026-12-01T10:02:00Z"), null));
    assertThat(CanaryManifests.readCanary(CanaryManifests.toYaml(doc.canary(), doc.status())).status())
        .isEqualTo(doc.status());
  }

  @Test
  void badIncidentsAreErrorsWithTheirPathsAllAtOnce() {
    ManifestException e = catchThrowableOfType(() -> CanaryManifests.readCanary(CANARY
        + "status:\n  incidents:\n    - {kind: weather, since: '2026-12-01T10:00:00Z'}\n"
        + "    - {kind: router}\n    - {kind: router, since: yesterday}\n"
        + "    - {kind: spec, since: '2026-12-01T10:00:00Z'}\n    - {kind: spec, since: '2026-12-01T10:00:00Z', x: 1}\n"),
        ManifestException.class);
    assertThat(e.problems()).extracting(SpecProblem::path).contains(
        "status.incidents[0].kind", "status.incidents[1].since", "status.incidents[2].since",
        "status.incidents[4].kind", "status.incidents[4].x");
    assertThat(e.partial()).as("the status has problems: nothing may be written back").isEmpty();
  }

  @Test
  void aCanaryWhoseSpecAloneIsInvalidComesWithWhatCouldBeRead() {
    ManifestException e = catchThrowableOfType(() -> CanaryManifests.readCanary(
        CANARY.replace("stepWeight: 10", "stepWeigth: 10")
            + "status:\n  phase: Failed\n  failedChecks: 3\n"), ManifestException.class);
    assertThat(e.problems()).extracting(SpecProblem::path).containsExactly("spec.analysis.stepWeigth");
    CanaryDocument partial = e.partial().orElseThrow();
    assertThat(partial.canary().uid()).isEqualTo("u-1");
    assertThat(partial.canary().spec().analysis().alerts()).singleElement()
        .satisfies(alert -> assertThat(alert.providerRef().name()).isEqualTo("slack"));
    assertThat(partial.status().failedChecks()).isEqualTo(3);
  }
}
