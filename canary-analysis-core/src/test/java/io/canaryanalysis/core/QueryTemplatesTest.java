package io.canaryanalysis.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.spec.MetricCheck;
import io.canaryanalysis.api.spec.ObjectReference;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QueryTemplatesTest {
  private static final Canary CANARY = Canary.of("podinfo", "test", CanarySpec.builder()
      .deployment("podinfo-deploy")
      .ingressRef(ObjectReference.ingress("podinfo-ingress"))
      .service(CanaryService.builder().name("podinfo-svc").port(9898).build())
      .build());

  @Test
  void rendersEveryFlaggerPlaceholderWithFlexibleWhitespace() {
    MetricCheck check = MetricCheck.builder("404s").templateRef("not-found")
        .interval(Duration.ofSeconds(30)).templateVariables(Map.of("path", "/api")).build();
    String rendered = QueryTemplates.render(
        "\"{{name}}|{{ namespace }}|{{  target  }}|{{ service}}|{{ingress }}|{{ route }}|"
            + "{{ interval }}|{{ variables.path }}|{{- name -}}\"", CANARY, check);
    assertThat(rendered).isEqualTo(
        "\"podinfo|test|podinfo-deploy|podinfo-svc|podinfo-ingress|podinfo-deploy|30s|/api|podinfo\"");
  }

  @Test
  void templateMetricsGetTheOneMinuteIntervalDefault() {
    MetricCheck check = MetricCheck.builder("errors").templateRef("errors").build();
    assertThat(QueryTemplates.render("rate(errors[{{ interval }}])", CANARY, check))
        .isEqualTo("rate(errors[1m])");
  }

  @Test
  void missingVariableIsAnErrorNamingIt() {
    MetricCheck check = MetricCheck.builder("errors").templateRef("errors").build();
    assertThatThrownBy(() -> QueryTemplates.render("x{path=\"{{ variables.path }}\"}", CANARY, check))
        .isInstanceOfSatisfying(QueryTemplates.RenderException.class,
            e -> assertThat(e.placeholder()).isEqualTo("variables.path"))
        .hasMessageContaining("'path'");
  }

  @Test
  void unknownPlaceholderAndUnclosedBracesAreErrors() {
    MetricCheck check = MetricCheck.builder("errors").build();
    assertThatThrownBy(() -> QueryTemplates.render("{{ .namespace }}", CANARY, check))
        .isInstanceOf(QueryTemplates.RenderException.class)
        .hasMessage("unknown placeholder {{ .namespace }}");
    assertThatThrownBy(() -> QueryTemplates.render("up{ns=\"{{ namespace \"}", CANARY, check))
        .isInstanceOf(QueryTemplates.RenderException.class)
        .hasMessageContaining("unclosed placeholder");
  }

  @Test
  void valuesCannotBreakOutOfALabelMatcher() {
    MetricCheck check = MetricCheck.builder("errors").templateRef("errors")
        .templateVariables(Map.of("path", "x\"} or vector(1) or up{a=\"\\")).build();
    String rendered = QueryTemplates.render("sum(errors{path=\"{{ variables.path }}\"})", CANARY, check);
    assertThat(rendered).isEqualTo("sum(errors{path=\"x\\\"} or vector(1) or up{a=\\\"\\\\\"})");
    assertThat(QueryTemplates.escapePromQlString("a\nb")).isEqualTo("a\\nb");
    assertThat(QueryTemplates.escapePromQlString("plain")).isEqualTo("plain");
  }

  @Test
  void durationsRenderAsPrometheusText() {
    assertThat(QueryTemplates.prometheusDuration(Duration.ofSeconds(60))).isEqualTo("1m");
    assertThat(QueryTemplates.prometheusDuration(Duration.ofSeconds(30))).isEqualTo("30s");
    assertThat(QueryTemplates.prometheusDuration(Duration.ofHours(2))).isEqualTo("2h");
    assertThat(QueryTemplates.prometheusDuration(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(QueryTemplates.prometheusDuration(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(QueryTemplates.prometheusDuration(Duration.ofDays(1))).isEqualTo("1d");
    assertThatThrownBy(() -> QueryTemplates.prometheusDuration(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static final String HOSTILE = "x'}[1m])) or vector(100) or sum(rate(y{a=\"`\\";

  private static String renderWith(String template, String value) {
    return QueryTemplates.render(template, Map.of("variables.v", value));
  }

  @Test
  void valuesAreEscapedForTheQuoteTheyLandIn() {
    assertThat(renderWith("up{a=\"{{ variables.v }}\"}", "a\"b'c\\d\n"))
        .isEqualTo("up{a=\"a\\\"b'c\\\\d\\n\"}");
    assertThat(renderWith("up{a='{{ variables.v }}'}", "a\"b'c\\d\u0001"))
        .isEqualTo("up{a='a\"b\\'c\\\\d\\x01'}");
    assertThat(renderWith("up{a=`{{ variables.v }}`}", "a\"b'c\\d"))
        .isEqualTo("up{a=`a\"b'c\\d`}");
  }

  @Test
  void theContextFollowsEscapesAndEarlierStrings() {
    // The '"' inside the single-quoted string does not open a double-quoted one.
    assertThat(renderWith("up{b='say \"hi\\' x', a='{{ variables.v }}'}", "it's"))
        .isEqualTo("up{b='say \"hi\\' x', a='it\\'s'}");
    assertThat(renderWith("up{a=\"\\\"{{ variables.v }}\"}", "\""))
        .isEqualTo("up{a=\"\\\"\\\"\"}");
  }

  @Test
  void aBacktickCannotEnterARawString() {
    assertThatThrownBy(() -> renderWith("up{a=`{{ variables.v }}`}", HOSTILE))
        .isInstanceOfSatisfying(QueryTemplates.RenderException.class,
            e -> assertThat(e.placeholder()).isEqualTo("variables.v"))
        .hasMessageContaining("backtick").hasMessageNotContaining("vector(100)");
  }

  @Test
  void unquotedValuesMustBeIdentifiersDurationsOrNumbers() {
    assertThat(renderWith("rate(x[{{ variables.v }}])", "5m")).isEqualTo("rate(x[5m])");
    assertThat(renderWith("histogram_quantile({{ variables.v }}, x)", "0.99"))
        .isEqualTo("histogram_quantile(0.99, x)");
    assertThat(renderWith("{{ variables.v }}_total", "http_requests")).isEqualTo("http_requests_total");
    for (String bad : new String[] {HOSTILE, "1m] or vector(1", "a-b", "", "x y", "x#"}) {
      assertThatThrownBy(() -> renderWith("rate(x[{{ variables.v }}])", bad))
          .isInstanceOf(QueryTemplates.RenderException.class)
          .hasMessageContaining("outside a string literal");
    }
  }

  @Test
  void aCommentValueCannotEndTheComment() {
    assertThat(renderWith("up # for {{ variables.v }}", "x'\"`")).isEqualTo("up # for x'\"`");
    assertThatThrownBy(() -> renderWith("up # {{ variables.v }}", "x\nor vector(100)"))
        .isInstanceOf(QueryTemplates.RenderException.class).hasMessageContaining("line break");
    // A new line ends the comment: the next placeholder is unquoted again.
    assertThatThrownBy(() -> renderWith("up # note\n+ {{ variables.v }}", "vector(1)"))
        .hasMessageContaining("outside a string literal");
  }

  @Test
  void aBackslashBeforeAPlaceholderIsRefused() {
    assertThatThrownBy(() -> renderWith("up{a=\"x\\{{ variables.v }}\"}", "\""))
        .isInstanceOf(QueryTemplates.RenderException.class)
        .hasMessageContaining("backslash right before");
    assertThat(renderWith("up{a=\"x\\\\{{ variables.v }}\"}", "y")).isEqualTo("up{a=\"x\\\\y\"}");
  }
}
