package io.canaryanalysis.providers.nginx;

import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.HttpMatch;
import io.canaryanalysis.api.spec.ObjectReference;
import io.canaryanalysis.api.spec.StringMatch;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * {@code validate} rejects every match ingress-nginx cannot express, where Flagger keeps one
 * header and one cookie and silently drops the rest. Validation is pure: the client below is
 * never contacted.
 */
class NginxValidationTest {
  private static final KubernetesClient client = new KubernetesClientBuilder()
      .withConfig(new ConfigBuilder().withMasterUrl("https://127.0.0.1:1").build()).build();

  @AfterAll
  static void closeClient() {
    client.close();
  }

  private List<SpecProblem> validate(HttpMatch... match) {
    return validate(Fixtures.canary(Analysis.builder().interval(Duration.ofMinutes(1))
        .iterations(10).match(List.of(match)).build()));
  }

  private List<SpecProblem> validate(Canary canary) {
    return NginxRouter.builder(client).build().validate(canary);
  }

  private static HttpMatch header(String name, StringMatch condition) {
    return HttpMatch.headers(Map.of(name, condition));
  }

  @Test
  void oneHeaderAndOneCookieInSeparateEntriesAreAccepted() {
    assertThat(validate(header("x-canary", StringMatch.exact("insider")),
        header("cookie", StringMatch.exact("canary")))).isEmpty();
  }

  @Test
  void theSameHeaderConditionTwiceIsAccepted() {
    assertThat(validate(header("x-canary", StringMatch.regex("insider|beta")),
        header("x-canary", StringMatch.regex("insider|beta")))).isEmpty();
  }

  @Test
  void aWeightedCanaryWithoutMatchIsAccepted() {
    assertThat(validate(Fixtures.weightedCanary())).isEmpty();
  }

  @Test
  void twoHeadersInOneEntryAreRejectedWithBothNames() {
    Map<String, StringMatch> headers = new LinkedHashMap<>();
    headers.put("x-user", StringMatch.exact("alice"));
    headers.put("x-canary", StringMatch.exact("insider"));

    assertThat(validate(HttpMatch.headers(headers))).containsExactly(new SpecProblem(
        "spec.analysis.match[0].headers",
        "ingress-nginx can route a canary on one header only (canary-by-header); found 2: "
            + "x-canary, x-user"));
  }

  @Test
  void differentHeadersInTwoEntriesAreRejected() {
    assertThat(validate(header("x-canary", StringMatch.exact("insider")),
        header("x-user", StringMatch.exact("alice")))).containsExactly(new SpecProblem(
        "spec.analysis.match[1].headers",
        "ingress-nginx can route a canary on one header only (canary-by-header); match[0] "
            + "already routes on x-canary exact \"insider\""));
  }

  @Test
  void twoCookiesAreRejected() {
    assertThat(validate(header("cookie", StringMatch.exact("canary")),
        header("cookie", StringMatch.exact("beta")))).containsExactly(new SpecProblem(
        "spec.analysis.match[1].headers",
        "ingress-nginx can route a canary on one cookie only (canary-by-cookie); match[0] "
            + "already routes on cookie canary"));
  }

  @Test
  void aHeaderAndACookieThatMustBothHoldAreRejected() {
    Map<String, StringMatch> headers = new LinkedHashMap<>();
    headers.put("x-canary", StringMatch.exact("insider"));
    headers.put("cookie", StringMatch.exact("canary"));

    assertThat(validate(HttpMatch.headers(headers))).singleElement().satisfies(problem -> {
      assertThat(problem.path()).isEqualTo("spec.analysis.match[0].headers");
      assertThat(problem.message()).contains("cannot require a header and a cookie together")
          .contains("separate match entries");
    });
  }

  @Test
  void prefixAndSuffixHeaderMatchesAreRejected() {
    assertThat(validate(header("x-canary", StringMatch.prefix("ins"))))
        .extracting(SpecProblem::toString).containsExactly(
            "spec.analysis.match[0].headers.x-canary.prefix: ingress-nginx matches a header value "
                + "exactly (canary-by-header-value) or by regular expression "
                + "(canary-by-header-pattern); write the prefix match as a regex");
    assertThat(validate(header("x-canary", StringMatch.suffix("der"))))
        .extracting(SpecProblem::path)
        .containsExactly("spec.analysis.match[0].headers.x-canary.suffix");
  }

  @Test
  void aCookieMustBeNamedExactly() {
    assertThat(validate(header("cookie", StringMatch.regex(".*canary.*"))))
        .extracting(SpecProblem::toString).containsExactly(
            "spec.analysis.match[0].headers.cookie: ingress-nginx routes on a cookie by name "
                + "(canary-by-cookie: requests whose cookie value is \"always\" reach the "
                + "canary); set exact: <cookie name>, found regex");
  }

  @Test
  void conditionsOtherThanHeadersAreRejectedWithTheirPaths() {
    HttpMatch everything = new HttpMatch(StringMatch.prefix("/api"), StringMatch.exact("GET"),
        StringMatch.exact("https"), StringMatch.exact("app.example.com"),
        Map.of("x-canary", StringMatch.exact("insider")),
        Map.of("beta", StringMatch.exact("1")), Map.of("app", "tester"));

    assertThat(validate(everything)).extracting(SpecProblem::path).containsExactly(
        "spec.analysis.match[0].uri",
        "spec.analysis.match[0].method",
        "spec.analysis.match[0].scheme",
        "spec.analysis.match[0].authority",
        "spec.analysis.match[0].queryParams",
        "spec.analysis.match[0].sourceLabels");
    assertThat(validate(everything).get(4).message())
        .isEqualTo("ingress-nginx routes a canary on one header or one cookie only; a query "
            + "parameter match cannot be expressed");
  }

  @Test
  void anEmptyMatchEntryIsRejected() {
    assertThat(validate(HttpMatch.headers(Map.of()))).extracting(SpecProblem::toString)
        .containsExactly("spec.analysis.match[0]: has no condition; ingress-nginx needs one "
            + "header (canary-by-header) or one cookie (canary-by-cookie)");
  }

  @Test
  void aMatchWithoutIterationsIsRejected() {
    Canary canary = Fixtures.canary(Analysis.builder().stepWeight(10)
        .match(List.of(header("x-canary", StringMatch.exact("insider")))).build());

    assertThat(validate(canary)).extracting(SpecProblem::path)
        .containsExactly("spec.analysis.match");
    assertThat(validate(canary).get(0).message())
        .startsWith("ingress-nginx applies a header or cookie match only in A/B testing");
  }

  @Test
  void theIngressRefIsRequiredAndMustBeAnIngress() {
    Canary withoutRef = Fixtures.weightedCanary().withSpec(
        Fixtures.weightedCanary().spec().toBuilder().ingressRef(null).build());
    assertThat(validate(withoutRef)).extracting(SpecProblem::path)
        .containsExactly("spec.ingressRef");

    Canary wrongKind = Fixtures.weightedCanary().withSpec(Fixtures.weightedCanary().spec()
        .toBuilder().ingressRef(new ObjectReference("gateway.networking.k8s.io/v1", "HTTPRoute",
            "podinfo")).build());
    assertThat(validate(wrongKind)).extracting(SpecProblem::toString).containsExactly(
        "spec.ingressRef.kind: must be Ingress, found HTTPRoute");
  }

  @Test
  void anOldIngressApiVersionIsReadAsNetworkingV1AsFlaggerDoes() {
    Canary old = Fixtures.weightedCanary().withSpec(Fixtures.weightedCanary().spec()
        .toBuilder().ingressRef(new ObjectReference("extensions/v1beta1", "Ingress", "podinfo"))
        .build());
    assertThat(validate(old)).isEmpty();
  }
}
