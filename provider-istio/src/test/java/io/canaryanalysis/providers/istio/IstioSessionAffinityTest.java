package io.canaryanalysis.providers.istio;

import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.HttpMatch;
import io.canaryanalysis.api.spec.SessionAffinity;
import io.canaryanalysis.api.spec.StringMatch;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Cookie session affinity as Flagger implements it (reference/flagger.md §5.6): a sticky route
 * matching the cookie ahead of the weighted route, {@code Set-Cookie} on the canary destination,
 * and {@code Max-Age=-1} for the last run's cookie once the canary weight is back to 0.
 */
@EnableKubernetesMockClient(crud = true)
class IstioSessionAffinityTest {
  KubernetesMockServer server;
  KubernetesClient client;

  private final Iterator<String> cookieValues = List.of("FirstValue", "SecondValue", "ThirdValue").iterator();

  private IstioRouter router() {
    return new IstioRouter(client, "v1beta1", cookieValues::next);
  }

  private static Canary canary(SessionAffinity affinity, List<HttpMatch> serviceMatch) {
    return IstioTestSupport.canary(IstioTestSupport.spec(
            CanaryService.builder().port(9898).match(serviceMatch).build())
        .analysis(Analysis.builder().interval(Duration.ofSeconds(30)).stepWeight(10)
            .sessionAffinity(affinity).build())
        .build());
  }

  private static Map<String, Object> destination(String host, int weight) {
    return Map.of("destination", Map.of("host", host), "weight", weight);
  }

  private static Map<String, Object> destinationSettingCookie(String host, int weight, String cookie) {
    return Map.of("destination", Map.of("host", host), "weight", weight,
        "headers", Map.of("response", Map.of("add", Map.of("Set-Cookie", cookie))));
  }

  private static Map<String, Object> cookieMatch(String regex) {
    return Map.of("headers", Map.of("cookie", Map.of("regex", regex)));
  }

  private GenericKubernetesResource vs() {
    return IstioTestSupport.virtualService(client, "v1beta1");
  }

  private Object http() {
    Map<String, Object> tree = IstioTestSupport.tree(client, vs());
    IstioSchema.assertIstioObject(tree, "networking.istio.io/v1beta1", "VirtualService");
    return ((Map<?, ?>) tree.get("spec")).get("http");
  }

  @Test
  void aRunSetsAStableCookieAndExpiresItAfterwards() {
    Canary canary = canary(new SessionAffinity("flagger-cookie", null, 3600), List.of());
    IstioRouter router = router();
    router.reconcile(canary);

    router.setRoutes(canary, TrafficSplit.canary(10));
    List<Object> duringRun = List.of(
        Map.of("match", List.of(cookieMatch(".*flagger-cookie.*FirstValue.*")),
            "route", List.of(destination("podinfo-primary", 0), destination("podinfo-canary", 100))),
        Map.of("route", List.of(destination("podinfo-primary", 90),
            destinationSettingCookie("podinfo-canary", 10, "flagger-cookie=FirstValue; Max-Age=3600"))));
    assertThat(http()).isEqualTo(duringRun);
    assertThat(vs().getMetadata().getAnnotations())
        .containsEntry("canary-analysis.io/session-affinity-cookie", "flagger-cookie=FirstValue");
    assertThat(router.getRoutes(canary)).as("the weighted route, not the sticky one")
        .isEqualTo(TrafficSplit.canary(10));

    String resourceVersion = vs().getMetadata().getResourceVersion();
    router.reconcile(canary);
    router.setRoutes(canary, TrafficSplit.canary(10));
    assertThat(vs().getMetadata().getResourceVersion()).as("no write for the same tick").isEqualTo(resourceVersion);

    router.setRoutes(canary, TrafficSplit.canary(20));
    assertThat(http()).as("the cookie value is kept across ticks").isEqualTo(List.of(
        duringRun.get(0),
        Map.of("route", List.of(destination("podinfo-primary", 80),
            destinationSettingCookie("podinfo-canary", 20, "flagger-cookie=FirstValue; Max-Age=3600")))));

    router.setRoutes(canary, TrafficSplit.ALL_PRIMARY);
    List<Object> afterRun = List.of(
        Map.of("match", List.of(cookieMatch(".*flagger-cookie.*FirstValue.*")),
            "headers", Map.of("response", Map.of("add",
                Map.of("Set-Cookie", "flagger-cookie=FirstValue; Max-Age=-1"))),
            "route", List.of(destination("podinfo-primary", 100), destination("podinfo-canary", 0))),
        Map.of("route", List.of(destination("podinfo-primary", 100), destination("podinfo-canary", 0))));
    assertThat(http()).isEqualTo(afterRun);
    assertThat(vs().getMetadata().getAnnotations())
        .doesNotContainKey("canary-analysis.io/session-affinity-cookie")
        .containsEntry("canary-analysis.io/previous-session-affinity-cookie", "flagger-cookie=FirstValue");
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.ALL_PRIMARY);

    router.reconcile(canary);
    assertThat(http()).as("reconcile keeps the expiring route").isEqualTo(afterRun);

    router.setRoutes(canary, TrafficSplit.canary(5));
    assertThat(http()).as("the next run gets a new cookie").isEqualTo(List.of(
        Map.of("match", List.of(cookieMatch(".*flagger-cookie.*SecondValue.*")),
            "route", List.of(destination("podinfo-primary", 0), destination("podinfo-canary", 100))),
        Map.of("route", List.of(destination("podinfo-primary", 95),
            destinationSettingCookie("podinfo-canary", 5, "flagger-cookie=SecondValue; Max-Age=3600")))));
  }

  @Test
  void aPrimaryCookieKeepsPrimaryUsersOnThePrimaryForOneInterval() {
    HttpMatch api = new HttpMatch(StringMatch.prefix("/api"), null, null, null, Map.of(), Map.of(), Map.of());
    Canary canary = canary(new SessionAffinity("canary.id", "primary-id", 0), List.of(api));
    IstioRouter router = router();
    router.reconcile(canary);
    router.setRoutes(canary, TrafficSplit.canary(30));

    Map<String, Object> uri = Map.of("uri", Map.of("prefix", "/api"));
    assertThat(http()).isEqualTo(List.of(
        Map.of("match", List.of(with(uri, cookieMatch(".*canary\\.id.*FirstValue.*"))),
            "route", List.of(destination("podinfo-primary", 0), destination("podinfo-canary", 100))),
        Map.of("match", List.of(with(uri, cookieMatch(".*primary-id.*SecondValue.*"))),
            "route", List.of(destination("podinfo-primary", 100), destination("podinfo-canary", 0))),
        Map.of("match", List.of(uri),
            "route", List.of(
                destinationSettingCookie("podinfo-primary", 70, "primary-id=SecondValue; Max-Age=30"),
                destinationSettingCookie("podinfo-canary", 30, "canary.id=FirstValue; Max-Age=86400")))));
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.canary(30));
  }

  private static Map<String, Object> with(Map<String, Object> a, Map<String, Object> b) {
    Map<String, Object> merged = new java.util.LinkedHashMap<>(a);
    merged.putAll(b);
    return merged;
  }

  @Test
  void reconcileAfterASpecChangeKeepsTheCookieAndTheSplit() {
    Canary canary = canary(new SessionAffinity("flagger-cookie", null, 0), List.of());
    IstioRouter router = router();
    router.reconcile(canary);
    router.setRoutes(canary, TrafficSplit.canary(40));

    Canary changed = canary.withSpec(canary.spec().toBuilder()
        .service(canary.spec().service().toBuilder().timeout("10s").build()).build());
    router.reconcile(changed);

    assertThat(http()).isEqualTo(List.of(
        Map.of("match", List.of(cookieMatch(".*flagger-cookie.*FirstValue.*")),
            "timeout", "10s",
            "route", List.of(destination("podinfo-primary", 0), destination("podinfo-canary", 100))),
        Map.of("timeout", "10s",
            "route", List.of(destination("podinfo-primary", 60),
                destinationSettingCookie("podinfo-canary", 40, "flagger-cookie=FirstValue; Max-Age=86400")))));
    assertThat(router.getRoutes(changed)).isEqualTo(TrafficSplit.canary(40));
  }
}
