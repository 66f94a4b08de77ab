package io.canaryanalysis.providers.traefik;

import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.HttpMatch;
import io.canaryanalysis.api.spec.SessionAffinity;
import io.canaryanalysis.api.spec.StringMatch;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** What the traefik router declares and rejects at validation time. */
@EnableKubernetesMockClient(crud = true)
class TraefikRouterValidationTest {
  KubernetesClient client;

  private List<SpecProblem> validate(UnaryOperator<Analysis.Builder> change) {
    Canary canary = Fixtures.canary();
    Analysis analysis = change.apply(canary.spec().analysis().toBuilder()).build();
    return TraefikRouter.create(client)
        .validate(canary.withSpec(canary.spec().toBuilder().analysis(analysis).build()));
  }

  @Test
  void declaresWeightsOnly() {
    assertThat(TraefikRouter.create(client).capabilities())
        .isEqualTo(RouterCapabilities.WEIGHTS_ONLY);
  }

  @Test
  void aWeightedCanaryAndABlueGreenCanaryAreAccepted() {
    assertThat(validate(b -> b)).isEmpty();
    assertThat(validate(b -> b.stepWeight(0).maxWeight(null).iterations(10))).isEmpty();
  }

  @Test
  void aCanaryWithoutAnalysisIsAccepted() {
    Canary canary = Fixtures.canary();
    Canary skipped = canary.withSpec(canary.spec().toBuilder()
        .analysis(null).skipAnalysis(true).build());

    assertThat(TraefikRouter.create(client).validate(skipped)).isEmpty();
  }

  @Test
  void headerAndCookieMatchesAreRejected() {
    List<SpecProblem> problems = validate(b -> b.iterations(10).stepWeight(0).match(List.of(
        HttpMatch.headers(Map.of("x-canary", StringMatch.exact("insider"))),
        HttpMatch.headers(Map.of("cookie", StringMatch.regex("^(.*?;)?(canary=always)(;.*)?$"))))));

    assertThat(problems).extracting(SpecProblem::toString).containsExactly(
        "spec.analysis.match: A/B routing on headers is not supported by the traefik router; "
            + "use weights (stepWeight or stepWeights) or blue/green (iterations without match)");
  }

  @Test
  void mirroringIsRejected() {
    assertThat(validate(b -> b.mirror(true).mirrorWeight(50)))
        .extracting(SpecProblem::path)
        .containsExactly("spec.analysis.mirror", "spec.analysis.mirrorWeight");
    assertThat(validate(b -> b.mirror(true)))
        .extracting(SpecProblem::message)
        .containsExactly("traffic mirroring is not supported by the traefik router");
  }

  @Test
  void sessionAffinityIsRejected() {
    assertThat(validate(b -> b.sessionAffinity(new SessionAffinity("flagger-cookie", null, 0))))
        .extracting(SpecProblem::toString)
        .containsExactly(
            "spec.analysis.sessionAffinity: "
                + "session affinity is not supported by the traefik router");
  }

  @Test
  void serviceMatchIsRejectedRatherThanIgnored() {
    Canary canary = Fixtures.canary();
    Canary withServiceMatch = canary.withSpec(canary.spec().toBuilder()
        .service(canary.spec().service().toBuilder()
            .match(List.of(new HttpMatch(StringMatch.prefix("/api"), null, null, null,
                Map.of(), Map.of(), Map.of())))
            .build())
        .build());

    assertThat(TraefikRouter.create(client).validate(withServiceMatch))
        .extracting(SpecProblem::path)
        .containsExactly("spec.service.match");
  }

  @Test
  void everyProblemIsListed() {
    assertThat(validate(b -> b.iterations(5).stepWeight(0)
        .match(List.of(HttpMatch.headers(Map.of("x-canary", StringMatch.exact("1")))))
        .mirror(true)
        .sessionAffinity(new SessionAffinity("c", null, 0))))
        .extracting(SpecProblem::path)
        .containsExactly("spec.analysis.match", "spec.analysis.mirror",
            "spec.analysis.sessionAffinity");
  }
}
