package io.canaryanalysis.providers.nginx;

import static io.canaryanalysis.providers.nginx.Fixtures.NAMESPACE;
import static io.canaryanalysis.providers.nginx.Fixtures.PREFIX;
import static io.canaryanalysis.providers.nginx.Fixtures.UID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.HttpMatch;
import io.canaryanalysis.api.spec.StringMatch;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressSpec;
import io.fabric8.kubernetes.api.model.networking.v1.IngressSpecBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The objects the router writes, checked field by field against what ingress-nginx accepts.
 *
 * <p>Annotation names and values follow the ingress-nginx annotation reference, section "Canary"
 * (kubernetes/ingress-nginx, docs/user-guide/nginx-configuration/annotations.md):
 * {@code canary: "true"} enables the other canary annotations; {@code canary-by-header},
 * {@code canary-by-header-value} (exact), {@code canary-by-header-pattern} (PCRE, ignored when a
 * value is set); {@code canary-by-cookie} (routes when the cookie value is {@code always});
 * {@code canary-weight} "the integer based (0 - &lt;weight-total&gt;) percent of random
 * requests"; {@code canary-weight-total} "if unspecified, it defaults to 100". All annotation
 * values are strings.
 *
 * <p>The preview host needs its own, non-canary Ingress: ingress-nginx merges a canary Ingress
 * only into servers a main Ingress already defines; for any other host it logs "cannot merge
 * alternative backend %s into hostname %s that does not exist" and drops the canary backend
 * (kubernetes/ingress-nginx, internal/ingress/controller/controller.go,
 * {@code mergeAlternativeBackends}).
 */
@EnableKubernetesMockClient(crud = true)
class NginxRouterTest {
  KubernetesMockServer server;
  KubernetesClient client;

  private static final String CANARY = PREFIX + "/canary";
  private static final String WEIGHT = PREFIX + "/canary-weight";
  private static final String WEIGHT_TOTAL = PREFIX + "/canary-weight-total";
  private static final String BY_HEADER = PREFIX + "/canary-by-header";
  private static final String BY_HEADER_VALUE = PREFIX + "/canary-by-header-value";
  private static final String BY_HEADER_PATTERN = PREFIX + "/canary-by-header-pattern";
  private static final String BY_COOKIE = PREFIX + "/canary-by-cookie";

  private NginxRouter router() {
    return NginxRouter.builder(client).build();
  }

  private Ingress canaryIngress() {
    return Fixtures.get(client, "podinfo-canary");
  }

  private Map<String, String> canaryAnnotations() {
    return canaryIngress().getMetadata().getAnnotations();
  }

  private static Map<String, String> userAnnotationsPlus(String... keyValues) {
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put(PREFIX + "/proxy-body-size", "8m");
    expected.put("example.com/team", "payments");
    for (int i = 0; i < keyValues.length; i += 2) {
      expected.put(keyValues[i], keyValues[i + 1]);
    }
    return expected;
  }

  private static Canary abCanary(HttpMatch... match) {
    return Fixtures.canary(Analysis.builder().interval(Duration.ofMinutes(1)).iterations(10)
        .match(List.of(match)).build());
  }

  private void update(Ingress ingress) {
    client.network().v1().ingresses().inNamespace(NAMESPACE).resource(ingress).update();
  }

  @Test
  void reconcileClonesTheUserIngressWithTheServiceMovedToItsCanary() {
    Fixtures.createUserIngress(client);

    router().reconcile(Fixtures.weightedCanary());

    Ingress clone = canaryIngress();
    assertThat(clone.getApiVersion()).isEqualTo("networking.k8s.io/v1");
    assertThat(clone.getKind()).isEqualTo("Ingress");
    assertThat(clone.getMetadata().getName()).isEqualTo("podinfo-canary");
    assertThat(clone.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    assertThat(clone.getMetadata().getLabels())
        .containsExactlyInAnyOrderEntriesOf(Map.of("app", "podinfo", "team", "payments"));
    assertThat(clone.getMetadata().getAnnotations()).containsExactlyInAnyOrderEntriesOf(
        userAnnotationsPlus(CANARY, "true", WEIGHT, "0"));
    assertThat(clone.getMetadata().getOwnerReferences()).containsExactly(
        new OwnerReferenceBuilder().withApiVersion("flagger.app/v1beta1").withKind("Canary")
            .withName("podinfo").withUid(UID).withController(true).withBlockOwnerDeletion(true)
            .build());
    IngressSpec expected = new IngressSpecBuilder()
        .withIngressClassName("nginx")
        .addNewTl().withHosts("app.example.com", "*.preview.example.com")
        .withSecretName("app-tls").endTl()
        .addNewRule().withHost("app.example.com").withNewHttp()
        .addToPaths(Fixtures.path("/", "podinfo-canary", 9898))
        .addToPaths(Fixtures.path("/static", "assets", 80))
        .endHttp().endRule()
        .addNewRule().withHost("www.example.com").withNewHttp()
        .addToPaths(Fixtures.path("/api", "podinfo-canary", 9898))
        .endHttp().endRule()
        .build();
    assertThat(clone.getSpec()).isEqualTo(expected);
    assertThat(Fixtures.get(client, "podinfo").getSpec().getRules().get(0).getHttp().getPaths()
        .get(0).getBackend().getService().getName())
        .as("the user's Ingress is untouched").isEqualTo("podinfo");
  }

  @Test
  void aCanaryWithoutUidGetsNoOwnerReference() {
    Fixtures.createUserIngress(client);
    Canary simulated = Canary.of("podinfo", NAMESPACE, Fixtures.weightedCanary().spec());

    router().reconcile(simulated);

    assertThat(canaryIngress().getMetadata().getOwnerReferences()).isEmpty();
  }

  @Test
  void theDefaultBackendIsMovedToTheCanaryToo() {
    Ingress source = new IngressBuilder()
        .withNewMetadata().withName("podinfo").withNamespace(NAMESPACE).endMetadata()
        .withNewSpec().withIngressClassName("nginx")
        .withNewDefaultBackend().withNewService().withName("podinfo")
        .withNewPort().withName("http").endPort().endService().endDefaultBackend()
        .endSpec().build();
    client.network().v1().ingresses().inNamespace(NAMESPACE).resource(source).create();

    router().reconcile(Fixtures.weightedCanary());

    assertThat(canaryIngress().getSpec().getDefaultBackend().getService().getName())
        .isEqualTo("podinfo-canary");
    assertThat(canaryIngress().getSpec().getDefaultBackend().getService().getPort().getName())
        .isEqualTo("http");
  }

  @Test
  void aMissingUserIngressIsAClearError() {
    assertThatThrownBy(() -> router().reconcile(Fixtures.weightedCanary()))
        .isInstanceOf(ProviderException.class)
        .hasMessage("Ingress test/podinfo (spec.ingressRef of canary podinfo.test) does not exist");
    assertThat(canaryIngress()).isNull();
  }

  @Test
  void anIngressWithoutTheServiceNamesTheIngressTheServiceAndTheBackendsFound() {
    Ingress source = new IngressBuilder(Fixtures.userIngress())
        .editSpec().editFirstRule().editHttp().withPaths(
            Fixtures.path("/", "frontend", 80), Fixtures.path("/static", "assets", 80))
        .endHttp().endRule().removeFromRules(Fixtures.userIngress().getSpec().getRules().get(1))
        .endSpec().build();
    client.network().v1().ingresses().inNamespace(NAMESPACE).resource(source).create();

    assertThatThrownBy(() -> router().reconcile(Fixtures.weightedCanary()))
        .isInstanceOf(ProviderException.class)
        .hasMessage("Ingress test/podinfo has no backend for service podinfo, so there is nothing "
            + "to send to podinfo-canary; backends found: frontend:80, assets:80")
        .matches(e -> !((ProviderException) e).retriable());
  }

  @Test
  void aUserIngressThatIsItselfACanaryIsRejected() {
    Ingress source = new IngressBuilder(Fixtures.userIngress())
        .editMetadata().addToAnnotations(CANARY, "true").endMetadata().build();
    client.network().v1().ingresses().inNamespace(NAMESPACE).resource(source).create();

    assertThatThrownBy(() -> router().reconcile(Fixtures.weightedCanary()))
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("Ingress test/podinfo is itself a canary Ingress")
        .hasMessageContaining("spec.ingressRef must name the main Ingress");
  }

  @Test
  void theWeightIsAnIntegerStringOutOfTheDefaultTotal() {
    Fixtures.createUserIngress(client);
    Canary canary = Fixtures.weightedCanary();
    NginxRouter router = router();
    router.reconcile(canary);

    router.setRoutes(canary, TrafficSplit.canary(5));

    assertThat(canaryAnnotations()).containsExactlyInAnyOrderEntriesOf(
        userAnnotationsPlus(CANARY, "true", WEIGHT, "5"));
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.canary(5));
  }

  @Test
  void aWeightTotalScalesTheWrittenWeightAndReadsBackExactly() {
    Fixtures.createUserIngress(client);
    Canary canary = Fixtures.weightedCanary();
    NginxRouter router = NginxRouter.builder(client).canaryWeightTotal(1000).build();
    router.reconcile(canary);
    assertThat(canaryAnnotations()).containsEntry(WEIGHT, "0").containsEntry(WEIGHT_TOTAL, "1000");

    for (int percent = 0; percent <= 100; percent++) {
      router.setRoutes(canary, TrafficSplit.canary(percent));
      assertThat(canaryAnnotations()).containsEntry(WEIGHT, Integer.toString(percent * 10))
          .containsEntry(WEIGHT_TOTAL, "1000");
      assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.canary(percent));
    }
  }

  @Test
  void anUnevenWeightTotalStillRoundTripsEveryPercent() {
    Fixtures.createUserIngress(client);
    Canary canary = Fixtures.weightedCanary();
    NginxRouter router = NginxRouter.builder(client).canaryWeightTotal(333).build();
    router.reconcile(canary);

    router.setRoutes(canary, TrafficSplit.canary(1));
    assertThat(canaryAnnotations()).containsEntry(WEIGHT, "3").containsEntry(WEIGHT_TOTAL, "333");
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.canary(1));
    router.setRoutes(canary, TrafficSplit.canary(50));
    assertThat(canaryAnnotations()).containsEntry(WEIGHT, "167");
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.canary(50));
  }

  @Test
  void getRoutesReadsAWeightOtherWritersSetAgainstTheirTotal() {
    Fixtures.createUserIngress(client);
    Canary canary = Fixtures.weightedCanary();
    router().reconcile(canary);
    update(new IngressBuilder(canaryIngress()).editMetadata()
        .addToAnnotations(WEIGHT, "333").addToAnnotations(WEIGHT_TOTAL, "1000").endMetadata()
        .build());

    assertThat(router().getRoutes(canary)).isEqualTo(TrafficSplit.canary(33));
  }

  @Test
  void getRoutesRejectsAWeightIngressNginxWouldNotAccept() {
    Fixtures.createUserIngress(client);
    Canary canary = Fixtures.weightedCanary();
    router().reconcile(canary);

    update(new IngressBuilder(canaryIngress()).editMetadata().addToAnnotations(WEIGHT, "ten")
        .endMetadata().build());
    assertThatThrownBy(() -> router().getRoutes(canary))
        .isInstanceOf(ProviderException.class)
        .hasMessage("Ingress test/podinfo-canary: annotation " + WEIGHT
            + " is \"ten\"; it is not an integer");

    update(new IngressBuilder(canaryIngress()).editMetadata().addToAnnotations(WEIGHT, "150")
        .endMetadata().build());
    assertThatThrownBy(() -> router().getRoutes(canary))
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("it must be an integer from 0 to 100");
  }

  @Test
  void getRoutesRejectsACloneThatIsNoLongerMarkedCanary() {
    Fixtures.createUserIngress(client);
    Canary canary = Fixtures.weightedCanary();
    router().reconcile(canary);
    update(new IngressBuilder(canaryIngress()).editMetadata().removeFromAnnotations(CANARY)
        .endMetadata().build());

    assertThatThrownBy(() -> router().getRoutes(canary))
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("lacks " + CANARY + ": \"true\"");

    router().reconcile(canary);
    assertThat(router().getRoutes(canary)).isEqualTo(TrafficSplit.ALL_PRIMARY);
  }

  @Test
  void reconcileFollowsTheUsersAnnotationsAndLabelsAndKeepsTheWeight() {
    Fixtures.createUserIngress(client);
    Canary canary = Fixtures.weightedCanary();
    NginxRouter router = router();
    router.reconcile(canary);
    router.setRoutes(canary, TrafficSplit.canary(30));

    Ingress source = Fixtures.get(client, "podinfo");
    update(new IngressBuilder(source).editMetadata()
        .removeFromAnnotations("example.com/team")
        .addToAnnotations(PREFIX + "/proxy-body-size", "16m")
        .addToAnnotations(PREFIX + "/upstream-hash-by", "$request_uri")
        .addToLabels("tier", "web")
        .endMetadata().build());
    router.reconcile(canary);

    assertThat(canaryAnnotations()).containsExactlyInAnyOrderEntriesOf(Map.of(
        PREFIX + "/proxy-body-size", "16m",
        PREFIX + "/upstream-hash-by", "$request_uri",
        CANARY, "true",
        WEIGHT, "30"));
    assertThat(canaryIngress().getMetadata().getLabels()).containsEntry("tier", "web");
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.canary(30));
  }

  @Test
  void reconcileResetsUnreadableRoutingToThePrimary() {
    Fixtures.createUserIngress(client);
    Canary canary = Fixtures.weightedCanary();
    router().reconcile(canary);
    update(new IngressBuilder(canaryIngress()).editMetadata().addToAnnotations(WEIGHT, "-4")
        .endMetadata().build());

    router().reconcile(canary);

    assertThat(canaryAnnotations()).containsEntry(WEIGHT, "0");
    assertThat(router().getRoutes(canary)).isEqualTo(TrafficSplit.ALL_PRIMARY);
  }

  @Test
  void abTestingOnAnExactHeaderWritesCanaryByHeaderValue() {
    Fixtures.createUserIngress(client);
    Canary canary = abCanary(HttpMatch.headers(Map.of("x-canary", StringMatch.exact("insider"))));
    NginxRouter router = router();
    router.reconcile(canary);

    router.setRoutes(canary, TrafficSplit.ALL_CANARY);
    assertThat(canaryAnnotations()).containsExactlyInAnyOrderEntriesOf(userAnnotationsPlus(
        CANARY, "true", WEIGHT, "0", BY_HEADER, "x-canary", BY_HEADER_VALUE, "insider"));
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.ALL_CANARY);

    router.setRoutes(canary, TrafficSplit.ALL_PRIMARY);
    assertThat(canaryAnnotations()).containsExactlyInAnyOrderEntriesOf(
        userAnnotationsPlus(CANARY, "true", WEIGHT, "0"));
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.ALL_PRIMARY);
  }

  @Test
  void abTestingOnARegexHeaderAndACookieWritesPatternAndCookie() {
    Fixtures.createUserIngress(client);
    Canary canary = abCanary(
        HttpMatch.headers(Map.of("user-agent", StringMatch.regex(".*Firefox.*"))),
        HttpMatch.headers(Map.of("cookie", StringMatch.exact("canary"))));
    NginxRouter router = router();
    router.reconcile(canary);

    router.setRoutes(canary, TrafficSplit.ALL_CANARY);

    assertThat(canaryAnnotations()).containsExactlyInAnyOrderEntriesOf(userAnnotationsPlus(
        CANARY, "true", WEIGHT, "0", BY_HEADER, "user-agent", BY_HEADER_PATTERN, ".*Firefox.*",
        BY_COOKIE, "canary"));
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.ALL_CANARY);
  }

  @Test
  void abTestingCannotApplyAPartialSplit() {
    Fixtures.createUserIngress(client);
    Canary canary = abCanary(HttpMatch.headers(Map.of("x-canary", StringMatch.exact("insider"))));
    NginxRouter router = router();
    router.reconcile(canary);
    String before = canaryIngress().getMetadata().getResourceVersion();

    assertThatThrownBy(() -> router.setRoutes(canary, TrafficSplit.canary(50)))
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("a split of 50% cannot be applied (only 0 or 100)");
    assertThat(canaryIngress().getMetadata().getResourceVersion()).isEqualTo(before);
  }

  @Test
  void reconcileKeepsAbRoutingAndFollowsAChangedMatch() {
    Fixtures.createUserIngress(client);
    Canary canary = abCanary(HttpMatch.headers(Map.of("x-canary", StringMatch.exact("insider"))));
    NginxRouter router = router();
    router.reconcile(canary);
    router.setRoutes(canary, TrafficSplit.ALL_CANARY);

    router.reconcile(canary);
    assertThat(canaryAnnotations()).containsEntry(BY_HEADER, "x-canary")
        .containsEntry(BY_HEADER_VALUE, "insider");

    Canary changed = abCanary(HttpMatch.headers(Map.of("x-canary", StringMatch.exact("beta"))));
    router.reconcile(changed);
    assertThat(canaryAnnotations()).containsEntry(BY_HEADER, "x-canary")
        .containsEntry(BY_HEADER_VALUE, "beta");
    assertThat(router.getRoutes(changed)).isEqualTo(TrafficSplit.ALL_CANARY);
  }

  @Test
  void finalizeRemovesHeaderRoutingAndThePreviewIngress() {
    Fixtures.createUserIngress(client);
    Canary canary = abCanary(HttpMatch.headers(Map.of("x-canary", StringMatch.exact("insider"))));
    NginxRouter router = NginxRouter.builder(client).previewHost("canary.example.com").build();
    router.reconcile(canary);
    router.setRoutes(canary, TrafficSplit.ALL_CANARY);
    assertThat(Fixtures.get(client, "podinfo-preview")).isNotNull();

    router.finalizeRoutes(canary);

    assertThat(canaryAnnotations()).containsExactlyInAnyOrderEntriesOf(
        userAnnotationsPlus(CANARY, "true", WEIGHT, "0"));
    assertThat(Fixtures.get(client, "podinfo-preview")).isNull();
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.ALL_PRIMARY);
  }

  @Test
  void finalizeWithoutACanaryIngressWritesNothing() {
    Fixtures.createUserIngress(client);

    router().finalizeRoutes(Fixtures.weightedCanary());

    assertThat(canaryIngress()).isNull();
  }

  @Test
  void reconcileRetriesAConflictOnAFreshRead() {
    Fixtures.createUserIngress(client);
    Canary canary = Fixtures.weightedCanary();
    NginxRouter router = router();
    router.reconcile(canary);
    router.setRoutes(canary, TrafficSplit.canary(10));
    update(new IngressBuilder(Fixtures.get(client, "podinfo")).editMetadata()
        .addToAnnotations("example.com/new", "yes").endMetadata().build());
    Fixtures.failNextPut(server, "podinfo-canary", 2);

    router.reconcile(canary);

    assertThat(canaryAnnotations()).containsEntry("example.com/new", "yes")
        .containsEntry(WEIGHT, "10");
  }

  @Test
  void aConflictThatDoesNotGoAwayIsARetriableError() {
    Fixtures.createUserIngress(client);
    Canary canary = Fixtures.weightedCanary();
    NginxRouter router = router();
    router.reconcile(canary);
    Fixtures.failNextPut(server, "podinfo-canary", IngressStore.MAX_ATTEMPTS);

    assertThatThrownBy(() -> router.setRoutes(canary, TrafficSplit.canary(25)))
        .isInstanceOf(ProviderException.class)
        .hasMessage("writing Ingress test/podinfo-canary still conflicted with other writers "
            + "after 5 attempts")
        .matches(e -> ((ProviderException) e).retriable());
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.ALL_PRIMARY);
  }

  @Test
  void aServerErrorIsARetriableErrorNamingTheObject() {
    server.expect().get().withPath(Fixtures.ingressPath("podinfo-canary"))
        .andReturn(503, new StatusBuilder().withCode(503).withMessage("etcd unavailable").build())
        .always();
    KubernetesClient noRetries = new KubernetesClientBuilder().withConfig(
        new ConfigBuilder(client.getConfiguration()).withRequestRetryBackoffLimit(0).build())
        .build();

    assertThatThrownBy(() -> NginxRouter.builder(noRetries).build()
        .getRoutes(Fixtures.weightedCanary()))
        .isInstanceOf(ProviderException.class)
        .hasMessage("could not read Ingress test/podinfo-canary: HTTP 503, etcd unavailable")
        .matches(e -> ((ProviderException) e).retriable());
  }

  @Test
  void capabilitiesAreWeightsHeadersAndCookies() {
    assertThat(router().capabilities())
        .isEqualTo(new RouterCapabilities(true, true, true, false, false));
  }

  @Test
  void aCustomAnnotationPrefixIsUsedForEveryCanaryKey() {
    Fixtures.createUserIngress(client);
    Canary canary = abCanary(HttpMatch.headers(Map.of("x-canary", StringMatch.exact("insider"))));
    NginxRouter router = NginxRouter.builder(client).annotationPrefix("ingress.example.com").build();
    router.reconcile(canary);

    router.setRoutes(canary, TrafficSplit.ALL_CANARY);

    assertThat(canaryAnnotations())
        .containsEntry("ingress.example.com/canary", "true")
        .containsEntry("ingress.example.com/canary-weight", "0")
        .containsEntry("ingress.example.com/canary-by-header", "x-canary")
        .containsEntry("ingress.example.com/canary-by-header-value", "insider")
        .doesNotContainKey(CANARY);
    assertThat(router.getRoutes(canary)).isEqualTo(TrafficSplit.ALL_CANARY);
  }

  @Test
  void thePreviewIngressServesThePreviewHostFromTheCanary() {
    Fixtures.createUserIngress(client);
    NginxRouter router =
        NginxRouter.builder(client).previewHost("canary.preview.example.com").build();

    router.reconcile(Fixtures.weightedCanary());

    Ingress preview = Fixtures.get(client, "podinfo-preview");
    assertThat(preview.getMetadata().getLabels())
        .containsExactlyInAnyOrderEntriesOf(Map.of("app", "podinfo", "team", "payments"));
    assertThat(preview.getMetadata().getAnnotations()).containsExactlyInAnyOrderEntriesOf(
        userAnnotationsPlus("canaryanalysis.io/preview-of", "podinfo"));
    assertThat(preview.getMetadata().getOwnerReferences()).hasSize(1)
        .allMatch(owner -> owner.getUid().equals(UID) && owner.getKind().equals("Canary"));
    IngressSpec expected = new IngressSpecBuilder()
        .withIngressClassName("nginx")
        .addNewTl().withHosts("canary.preview.example.com").withSecretName("app-tls").endTl()
        .addNewRule().withHost("canary.preview.example.com").withNewHttp()
        .addToPaths(Fixtures.path("/", "podinfo-canary", 9898))
        .addToPaths(Fixtures.path("/api", "podinfo-canary", 9898))
        .endHttp().endRule()
        .build();
    assertThat(preview.getSpec()).isEqualTo(expected);
  }

  @Test
  void aPreviewHostNoCertificateCoversGetsNoTls() {
    Fixtures.createUserIngress(client);
    NginxRouter router = NginxRouter.builder(client).previewHost("canary.other.org").build();

    router.reconcile(Fixtures.weightedCanary());

    Ingress preview = Fixtures.get(client, "podinfo-preview");
    assertThat(preview.getSpec().getTls()).isEmpty();
    assertThat(preview.getSpec().getRules().get(0).getHost()).isEqualTo("canary.other.org");
  }

  @Test
  void aPreviewIngressTheRouterDidNotCreateIsNeverTouched() {
    Fixtures.createUserIngress(client);
    Ingress foreign = new IngressBuilder().withNewMetadata().withName("podinfo-preview")
        .withNamespace(NAMESPACE).endMetadata()
        .withNewSpec().addNewRule().withHost("mine.example.com").withNewHttp()
        .addToPaths(Fixtures.path("/", "mine", 80)).endHttp().endRule().endSpec().build();
    client.network().v1().ingresses().inNamespace(NAMESPACE).resource(foreign).create();
    String version = Fixtures.get(client, "podinfo-preview").getMetadata().getResourceVersion();
    NginxRouter router = NginxRouter.builder(client).previewHost("canary.example.com").build();

    assertThatThrownBy(() -> router.reconcile(Fixtures.weightedCanary()))
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("Ingress test/podinfo-preview exists and was not created by this "
            + "router");
    router.finalizeRoutes(Fixtures.weightedCanary());

    assertThat(Fixtures.get(client, "podinfo-preview").getMetadata().getResourceVersion())
        .isEqualTo(version);
  }

  @Test
  void aPreviewHostTheUserIngressAlreadyServesIsRejected() {
    Fixtures.createUserIngress(client);
    NginxRouter router = NginxRouter.builder(client).previewHost("www.example.com").build();

    assertThatThrownBy(() -> router.reconcile(Fixtures.weightedCanary()))
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("Ingress test/podinfo already has a rule for the preview host "
            + "www.example.com");
    assertThat(Fixtures.get(client, "podinfo-preview")).isNull();
  }

  @Test
  void theBuilderRejectsOptionsIngressNginxCannotUse() {
    assertThatThrownBy(() -> NginxRouter.builder(client).canaryWeightTotal(99))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 99");
    assertThatThrownBy(() -> NginxRouter.builder(client).previewHost("*.example.com"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no wildcard");
    assertThatThrownBy(() -> NginxRouter.builder(client).previewHost("Canary.Example.com:8080"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> NginxRouter.builder(client).annotationPrefix("nginx.example.com/"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trailing slash");
  }
}
