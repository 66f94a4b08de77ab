package io.canaryanalysis.providers.istio;

import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.spec.HttpMatch;
import io.canaryanalysis.api.spec.StringMatch;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MatchConditionsTest {

  private static HttpMatch uri(StringMatch uri) {
    return new HttpMatch(uri, null, null, null, Map.of(), Map.of(), Map.of());
  }

  @Test
  void withoutDefaultsTheCanaryConditionsAreUsedAsTheyAre() {
    List<HttpMatch> canary = List.of(HttpMatch.headers(Map.of("x-a", StringMatch.exact("1"))));
    assertThat(MatchConditions.merge(canary, List.of())).isSameAs(canary);
  }

  @Test
  void mergeIsTheCrossProductAndCanaryMapsReplaceDefaultMaps() {
    HttpMatch defaultA = new HttpMatch(StringMatch.prefix("/a"), null, null, null,
        Map.of("x-default", StringMatch.exact("d")), Map.of(), Map.of("app", "default"));
    HttpMatch defaultB = uri(StringMatch.prefix("/b"));
    HttpMatch canary1 = HttpMatch.headers(Map.of("x-canary", StringMatch.exact("1")));
    HttpMatch canary2 = new HttpMatch(null, StringMatch.exact("POST"), null, null,
        Map.of(), Map.of("q", StringMatch.exact("v")), Map.of("app", "web"));

    List<HttpMatch> merged = MatchConditions.merge(List.of(canary1, canary2), List.of(defaultA, defaultB));

    assertThat(merged).containsExactly(
        new HttpMatch(StringMatch.prefix("/a"), null, null, null,
            Map.of("x-canary", StringMatch.exact("1")), Map.of(), Map.of("app", "default")),
        new HttpMatch(StringMatch.prefix("/b"), null, null, null,
            Map.of("x-canary", StringMatch.exact("1")), Map.of(), Map.of()),
        new HttpMatch(StringMatch.prefix("/a"), StringMatch.exact("POST"), null, null,
            Map.of("x-default", StringMatch.exact("d")), Map.of("q", StringMatch.exact("v")),
            Map.of("app", "web")),
        new HttpMatch(StringMatch.prefix("/b"), StringMatch.exact("POST"), null, null,
            Map.of(), Map.of("q", StringMatch.exact("v")), Map.of("app", "web")));
  }

  @Test
  void aSuffixBecomesAnAnchoredQuotedRegexBecauseIstioHasNoSuffixMatch() {
    assertThat(MatchConditions.toIstio(StringMatch.suffix(".example.com")))
        .isEqualTo(Map.of("regex", ".*\\.example\\.com"));
    assertThat(MatchConditions.quoteRegex("a+b(c)|[d]{e}^$?*\\"))
        .isEqualTo("a\\+b\\(c\\)\\|\\[d\\]\\{e\\}\\^\\$\\?\\*\\\\");
    assertThat("www.example.com").matches(".*\\.example\\.com");
    assertThat("wwwXexampleXcom").doesNotMatch(".*\\.example\\.com");
  }

  @Test
  void emptyFieldsAreLeftOut() {
    assertThat(MatchConditions.toIstio(uri(StringMatch.exact("/"))))
        .isEqualTo(Map.of("uri", Map.of("exact", "/")));
  }
}
