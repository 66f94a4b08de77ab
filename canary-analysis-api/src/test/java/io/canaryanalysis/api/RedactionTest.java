package io.canaryanalysis.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.spec.MetricTemplate;
import io.canaryanalysis.api.spec.MetricTemplateProvider;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Webhook;
import io.canaryanalysis.api.spec.WebhookType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RedactionTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "http://user:s3cr3t@prom:9090/x | http://***@prom:9090/x",
      "https://u:pa/ss@host/hook | https://***@host/hook",
      "https://u:p?a#s@host:8443/hook?x=1 | https://***@host:8443/hook?x=***",
      "http://host/hook?token=abc123&b=2#frag | http://host/hook?token=***&b=***",
      "failed: POST http://user:pw@h/x timed out | failed: POST http://***@h/x timed out",
      "Authorization: Bearer eyJabc.def | Authorization: ***",
      "sent Bearer eyJhbGciOi.x.y here | sent Bearer *** here",
      "{\"token\":\"abcdef\"} | {\"token\":\"***\"}",
      "X-Api-Key: k-123456 and password=hunter22 | X-Api-Key: *** and password=***",
      "provider.secretRef: required | provider.secretRef: required",
      "denied Basic dXNlcjpwYXNz&#x3D; here | denied Basic *** here",
      "use basic authentication or Basic auth | use basic authentication or Basic auth",
      "Halt podinfo.test advancement success rate 53.42% < 99% | Halt podinfo.test advancement success rate 53.42% < 99%",
  })
  void masksCredentialsInFreeText(String in, String expected) {
    assertThat(Redaction.redact(in)).isEqualTo(expected);
  }

  @Test
  void knownSecretsAndTheirUrlEncodingAreMasked() {
    String secret = "p@ss/w0rd?";
    assertThat(Redaction.redact("echo p@ss/w0rd? and p%40ss%2Fw0rd%3F", List.of(secret)))
        .isEqualTo("echo *** and ***");
    assertThat(Redaction.redact("abc", List.of("abc"))).isEqualTo("abc");
    assertThat(Redaction.redact(null)).isEmpty();
  }

  @Test
  void excerptRedactsBeforeCutting() {
    String token = "tok-0123456789ABCDEF";
    String body = "x".repeat(290) + " " + token + " tail";
    String excerpt = Redaction.excerpt(body, 300, List.of(token));
    assertThat(excerpt).doesNotContain("tok-0123").contains("***");
    assertThat(Redaction.excerpt("a   b\n c", 10)).isEqualTo("a b c");
    assertThat(Redaction.excerpt("abcdef", 3)).isEqualTo("abc...");
  }

  @Test
  void recordsPrintThemselvesRedacted() {
    MetricTemplateProvider provider = new MetricTemplateProvider("prometheus",
        "http://admin:S3CRET-PW@prom:9090/?token=Q-TOKEN-1", "prom-auth",
        Map.of("Authorization", "Bearer H-TOKEN-2"), false);
    MetricTemplate template = new MetricTemplate("latency", "test", provider, "vector(1)");
    Webhook hook = new Webhook("gate", WebhookType.CONFIRM_PROMOTION,
        "https://hook:W-PASS-3@gate.example/approve?key=W-KEY-4", null, 1, false, false,
        Map.of("cmd", "curl -H 'X-Token: M-TOKEN-5' http://x"));
    CanarySpec spec = CanarySpec.builder().deployment("podinfo")
        .service(CanaryService.ofPort(9898))
        .metricsServer("http://m:M-PASS-6@prom:9090")
        .analysis(Analysis.builder().webhooks(List.of(hook)).build())
        .build();
    Canary canary = new Canary("podinfo", "test", null, Map.of(),
        Map.of("kubectl.kubernetes.io/last-applied-configuration", "{\"url\":\"https://hook:W-PASS-3@x\"}"),
        spec);
    WebhookPayload payload = new WebhookPayload("podinfo", "test", "Progressing", "c",
        Map.of("cmd", "curl -H 'X-Token: M-TOKEN-5' http://x"));
    String all = String.join("\n", provider.toString(), template.toString(), hook.toString(),
        spec.toString(), canary.toString(), payload.toString());
    for (String secret : List.of("S3CRET-PW", "Q-TOKEN-1", "H-TOKEN-2", "W-PASS-3", "W-KEY-4",
        "M-TOKEN-5", "M-PASS-6")) {
      assertThat(all).doesNotContain(secret);
    }
    assertThat(all).contains("prom:9090", "gate.example/approve", "Authorization", "cmd");
  }
}
