package io.canaryanalysis.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.core.validation.CanaryValidator;
import org.junit.jupiter.api.Test;

/** The sample manifests pass the core validator for the router each is written for. */
class SampleManifestsValidationTest {
  static final RouterCapabilities TRAEFIK = RouterCapabilities.WEIGHTS_ONLY;
  static final RouterCapabilities ISTIO = new RouterCapabilities(true, true, true, true, true);
  static final RouterCapabilities NGINX = new RouterCapabilities(true, true, true, false, false);
  static final RouterCapabilities KUBERNETES = new RouterCapabilities(false, false, false, false, false);

  @Test
  void sampleManifestsAreValidForTheirRouters() {
    assertThat(CanaryValidator.validate(load("podinfo-traefik.yaml"), TRAEFIK)).isEmpty();
    assertThat(CanaryValidator.validate(load("istio-ab.yaml"), ISTIO)).isEmpty();
    assertThat(CanaryValidator.validate(load("nginx-ingress.yaml"), NGINX)).isEmpty();
    assertThat(CanaryValidator.validate(load("bluegreen.yaml"), KUBERNETES)).isEmpty();
    assertThat(CanaryValidator.validate(load("istio-ab.yaml"), TRAEFIK)).extracting(SpecProblem::path)
        .containsExactly("spec.analysis.match", "spec.analysis.match", "spec.analysis.match",
            "spec.analysis.sessionAffinity");
  }

  private static Canary load(String name) {
    return CanaryManifests.readCanary(SampleManifestsTest.resource(name)).canary();
  }
}
