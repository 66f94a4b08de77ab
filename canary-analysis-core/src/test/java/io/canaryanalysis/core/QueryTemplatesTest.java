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
        "{{name}}|{{ namespace }}|{{  target  }}|{{ service}}|{{ingress }}|{{ route }}|"
            + "{{ interval }}|{{ variables.path }}|{{- name -}}", CANARY, check);
    assertThat(rendered).isEqualTo(
        "podinfo|test|podinfo-deploy|podinfo-svc|podinfo-ingress|podinfo-deploy|30s|/api|podinfo");
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
}
