package io.canaryanalysis.providers.gatewayapi;

import static io.canaryanalysis.providers.gatewayapi.GatewayTestSupport.HTTP_ROUTE_V1;
import static io.canaryanalysis.providers.gatewayapi.GatewayTestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The schema check used by the object tests catches the mistakes it is there to catch. */
class CrdSchemaTest {
  private static final String VALID = """
      {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
       "metadata": {"name": "podinfo", "namespace": "test"},
       "spec": {"parentRefs": [{"name": "gateway"}],
         "rules": [{"backendRefs": [{"name": "podinfo-primary", "port": 9898, "weight": 90}]}]}}
      """;

  @Test
  void acceptsAWellFormedRoute() {
    assertThat(HTTP_ROUTE_V1.violations(json(VALID))).isEmpty();
  }

  @Test
  void rejectsAnUnknownField() {
    assertThat(HTTP_ROUTE_V1.violations(json(VALID.replace("\"weight\": 90", "\"weight\": 90, \"wieght\": 1"))))
        .singleElement().asString().contains("wieght");
  }

  @Test
  void rejectsAWrongType() {
    assertThat(HTTP_ROUTE_V1.violations(json(VALID.replace("\"weight\": 90", "\"weight\": \"90\""))))
        .singleElement().asString().contains("weight");
  }

  @Test
  void rejectsAnOutOfRangeValueAndABadEnum() {
    assertThat(HTTP_ROUTE_V1.violations(json(VALID.replace("\"weight\": 90", "\"weight\": 1000001")
        .replace("\"name\": \"gateway\"", "\"name\": \"gateway\", \"kind\": \"gate way\""))))
        .hasSize(2);
  }

  @Test
  void defaultsAreTheCrdsOwn() {
    assertThat(HTTP_ROUTE_V1.withDefaults(json(VALID)).at("/spec/parentRefs/0"))
        .isEqualTo(json("{\"name\": \"gateway\", \"group\": \"gateway.networking.k8s.io\", \"kind\": \"Gateway\"}"));
    assertThat(HTTP_ROUTE_V1.withDefaults(json(VALID)).at("/spec/rules/0/backendRefs/0/kind"))
        .isEqualTo(json("\"Service\""));
  }
}
