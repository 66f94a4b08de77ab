package io.canaryanalysis.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.core.validation.CanaryValidator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Limits apply before and while parsing, and out-of-range values are refused with their path. */
class ManifestLimitsTest {
  static final String SPEC = "spec:\n  targetRef:\n    name: p\n  service:\n    port: 80\n";

  static List<SpecProblem> problems(String manifest) {
    return catchThrowableOfType(() -> ManifestReader.create().withCanaryChecks(CanaryValidator::check)
        .readCanary(manifest), ManifestException.class).problems();
  }

  static String withName(String name) {
    return "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: " + name + "\n" + SPEC;
  }

  @Test
  void anEightMegabyteNameIsRefusedBeforeParsing() {
    assertThat(problems(withName("a".repeat(8 * 1024 * 1024)))).containsExactly(new SpecProblem("manifest",
        "larger than 3145728 characters (3 MiB); Kubernetes keeps at most 1.5 MiB per object"));
  }

  @Test
  void aLineLongerThanAStringMayBeIsRefusedBeforeTheYamlScannerSeesIt() {
    assertThat(problems(withName("a".repeat(2 * 1024 * 1024)))).singleElement()
        .satisfies(p -> assertThat(p.toString()).isEqualTo("manifest: line 4 is longer than 266240 characters; "
            + "a string value may have at most 262144"));
  }

  @Test
  void aLongMultiLineStringIsRefusedWithItsPath() {
    String query = ("  up\n").repeat(100_000);
    List<SpecProblem> problems = problems(withName("p") + "  analysis:\n    interval: 1m\n    threshold: 1\n"
        + "    iterations: 1\n    metrics:\n      - name: m\n        thresholdRange: {min: 1}\n        query: |\n"
        + query.replace("  up", "          up"));
    assertThat(problems).contains(new SpecProblem("spec.analysis.metrics[0].query", "longer than 262144 characters"));
  }

  @Test
  void aLongJsonStringIsRefused() {
    String json = "{\"apiVersion\":\"flagger.app/v1beta1\",\"kind\":\"Canary\",\"metadata\":{\"name\":\""
        + "a".repeat(300_000) + "\"}}";
    assertThat(problems(json)).contains(new SpecProblem("metadata.name", "longer than 262144 characters"));
  }

  @Test
  void deepNestingIsRefused() {
    String deep = "[".repeat(100) + "]".repeat(100);
    String yaml = withName("p") + "  service:\n    port: 80\n    retries: {a: " + deep + "}\n";
    assertThat(problems(yaml.replace(SPEC, "spec:\n  targetRef:\n    name: p\n")))
        .extracting(SpecProblem::message).contains("nested deeper than 64 levels");
  }

  @Test
  void yamlAliasesAreRefusedWithTheirPaths() {
    assertThat(problems("apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: &app podinfo\n"
        + "spec:\n  targetRef:\n    name: *app\n  service: &svc\n    port: 80\n  skipAnalysis: true\n"))
        .containsExactly(
            new SpecProblem("spec.targetRef.name", "YAML aliases (*name) are not supported; write the value out"));
  }

  @Test
  void numbersOutOfRangeAreRefusedWithTheirPaths() {
    assertThat(problems(withName("p") + "  analysis:\n    interval: 1m\n    threshold: 1\n    iterations: 1e400\n"
        + "    metrics:\n      - name: request-success-rate\n        thresholdRange: {min: 1e400, max: .inf}\n"))
        .containsExactly(
            new SpecProblem("spec.analysis.iterations", "must fit a 32-bit integer"),
            new SpecProblem("spec.analysis.metrics[0].thresholdRange.min", "out of range: expected a finite number"),
            new SpecProblem("spec.analysis.metrics[0].thresholdRange.max", "out of range: expected a finite number"));
  }

  @Test
  void durationsBeyondTheEnginesRangeAreRefusedWithTheirPaths() {
    assertThat(problems(withName("p") + "  analysis:\n    interval: 10000000000000h\n    threshold: 1\n"
        + "    iterations: 1\n    webhooks:\n      - name: w\n        url: http://w/\n"
        + "        timeout: 99999999999999999999999s\n"))
        .containsExactly(
            new SpecProblem("spec.analysis.interval", "out of range: at most 100 years (876000h)"),
            new SpecProblem("spec.analysis.webhooks[0].timeout", "out of range: at most 100 years (876000h)"));
  }

  @Test
  void parserMessagesNeverQuoteTheInput() {
    ManifestException e = catchThrowableOfType(() -> CanaryManifests.readCanary(
        "{\"apiVersion\": \"flagger.app/v1beta1\", \"kind\": HookPassw0rd-s3cr3t}"), ManifestException.class);
    assertThat(e.problems()).singleElement().satisfies(p -> {
      assertThat(p.path()).isEqualTo("manifest");
      assertThat(p.message()).startsWith("not valid JSON at line 1, column ");
    });
    assertThat(e.getMessage()).doesNotContain("s3cr3t").doesNotContain("HookPass");
    ManifestException yaml = catchThrowableOfType(() -> CanaryManifests.readCanary(
        "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: \"p\n  token: HookPassw0rd"),
        ManifestException.class);
    assertThat(yaml.getMessage()).doesNotContain("HookPass");
  }
}
