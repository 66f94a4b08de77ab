package io.canaryanalysis.simulation;

import static io.canaryanalysis.simulation.Podinfo.describe;
import static io.canaryanalysis.simulation.Podinfo.minutes;
import static org.assertj.core.api.Assertions.assertThat;

import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.HttpMatch;
import io.canaryanalysis.api.spec.StringMatch;
import io.canaryanalysis.api.status.CanaryPhase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Blue/green, A/B testing and traffic mirroring. */
class IterationStrategiesSimulationTest {

  private static Analysis.Builder iterations(int n) {
    return Podinfo.analysis().stepWeight(0).maxWeight(null).iterations(n);
  }

  @Test
  void blueGreenRunsIterationsThenRoutesAllTrafficToCanaryBeforePromoting() {
    SimulationResult r = Simulation.of(Podinfo.canary(iterations(3).build()))
        .metric("request-success-rate", (t, weight) -> 100)
        .newRevisionAt(Duration.ZERO)
        .run(minutes(30));

    assertThat(describe(r)).isEqualTo(String.join("\n",
        "0m INITIALIZED 100/0 fc=0 it=0 [all the metrics providers are available!, Initialization done! podinfo.test]",
        "1m PROGRESSING 100/0 fc=0 it=0 [New revision detected! Scaling up podinfo.test]",
        "2m PROGRESSING 100/0 fc=0 it=1 [Starting canary analysis for podinfo.test, Advance podinfo.test canary iteration 1/3]",
        "3m PROGRESSING 100/0 fc=0 it=2 [Advance podinfo.test canary iteration 2/3]",
        "4m PROGRESSING 100/0 fc=0 it=3 [Advance podinfo.test canary iteration 3/3]",
        "5m PROGRESSING 0/100 fc=0 it=4 [Routing all traffic to canary]",
        "6m PROMOTING 0/100 fc=0 it=4 [Copying podinfo.test template spec to podinfo-primary.test]",
        "7m FINALISING 100/0 fc=0 it=4 [Routing all traffic to primary]",
        "8m SUCCEEDED 100/0 fc=0 it=0 [Promotion completed! Scaling down podinfo.test]"));
  }

  @Test
  void blueGreenWithMirroringMirrorsDuringTheIterations() {
    SimulationResult r = Simulation.of(Podinfo.canary(iterations(2).mirror(true).build()))
        .metric("request-success-rate", (t, weight) -> 100)
        .newRevisionAt(Duration.ZERO)
        .run(minutes(30));

    assertThat(describe(r)).isEqualTo(String.join("\n",
        "0m INITIALIZED 100/0 fc=0 it=0 [all the metrics providers are available!, Initialization done! podinfo.test]",
        "1m PROGRESSING 100/0 fc=0 it=0 [New revision detected! Scaling up podinfo.test]",
        "2m PROGRESSING 100/0m fc=0 it=1 [Starting canary analysis for podinfo.test, Advance podinfo.test canary iteration 1/2]",
        "3m PROGRESSING 100/0m fc=0 it=2 [Advance podinfo.test canary iteration 2/2]",
        "4m PROGRESSING 0/100 fc=0 it=3 [Stop traffic mirroring and route all traffic to canary]",
        "5m PROMOTING 0/100 fc=0 it=3 [Copying podinfo.test template spec to podinfo-primary.test]",
        "6m FINALISING 100/0 fc=0 it=3 [Routing all traffic to primary]",
        "7m SUCCEEDED 100/0 fc=0 it=0 [Promotion completed! Scaling down podinfo.test]"));
  }

  @Test
  void abTestingRoutesMatchedTrafficToCanaryForEachIteration() {
    Analysis analysis = iterations(2)
        .match(List.of(HttpMatch.headers(Map.of("x-canary", StringMatch.exact("insider")))))
        .build();
    SimulationResult r = Simulation.of(Podinfo.canary(analysis))
        .metric("request-success-rate", (t, weight) -> 100)
        .newRevisionAt(Duration.ZERO)
        .run(minutes(30));

    assertThat(describe(r)).isEqualTo(String.join("\n",
        "0m INITIALIZED 100/0 fc=0 it=0 [all the metrics providers are available!, Initialization done! podinfo.test]",
        "1m PROGRESSING 100/0 fc=0 it=0 [New revision detected! Scaling up podinfo.test]",
        "2m PROGRESSING 0/100 fc=0 it=1 [Starting canary analysis for podinfo.test, Advance podinfo.test canary iteration 1/2]",
        "3m PROGRESSING 0/100 fc=0 it=2 [Advance podinfo.test canary iteration 2/2]",
        "4m PROMOTING 0/100 fc=0 it=2 [Copying podinfo.test template spec to podinfo-primary.test]",
        "5m FINALISING 100/0 fc=0 it=2 [Routing all traffic to primary]",
        "6m SUCCEEDED 100/0 fc=0 it=0 [Promotion completed! Scaling down podinfo.test]"));
  }

  @Test
  void canaryWithMirroringMirrorsOneTickBeforeShiftingTraffic() {
    Analysis analysis = Podinfo.analysis().stepWeight(10).maxWeight(20).mirror(true).build();
    SimulationResult r = Simulation.of(Podinfo.canary(analysis))
        .metric("request-success-rate", (t, weight) -> 100)
        .newRevisionAt(Duration.ZERO)
        .run(minutes(30));

    assertThat(describe(r)).isEqualTo(String.join("\n",
        "0m INITIALIZED 100/0 fc=0 it=0 [all the metrics providers are available!, Initialization done! podinfo.test]",
        "1m PROGRESSING 100/0 fc=0 it=0 [New revision detected! Scaling up podinfo.test]",
        "2m PROGRESSING 100/0m fc=0 it=0 [Starting canary analysis for podinfo.test, Advance podinfo.test canary weight 0]",
        "3m PROGRESSING 90/10 fc=0 it=0 [Advance podinfo.test canary weight 10]",
        "4m PROGRESSING 80/20 fc=0 it=0 [Advance podinfo.test canary weight 20]",
        "5m PROMOTING 80/20 fc=0 it=0 [Copying podinfo.test template spec to podinfo-primary.test]",
        "6m FINALISING 100/0 fc=0 it=0 [Routing all traffic to primary]",
        "7m SUCCEEDED 100/0 fc=0 it=0 [Promotion completed! Scaling down podinfo.test]"));
  }

  @Test
  void mirroringOnARouterThatCannotMirrorIsRejectedBeforeAnythingHappens() {
    Analysis analysis = Podinfo.analysis().stepWeight(10).maxWeight(20).mirror(true).build();
    SimulationResult r = Simulation.of(Podinfo.canary(analysis))
        .router("traefik", RouterCapabilities.WEIGHTS_ONLY)
        .metric("request-success-rate", (t, weight) -> 100)
        .newRevisionAt(Duration.ZERO)
        .run(minutes(5));

    // Flagger would stay at weight 0 forever on a router that cannot mirror; here the spec is
    // refused on every tick and nothing is initialized, shifted or promoted.
    assertThat(r.phases()).isNotEmpty().containsOnly(CanaryPhase.INITIALIZING);
    assertThat(r.canaryWeights()).containsOnly(0);
    assertThat(r.eventMessages()).isNotEmpty().allMatch(m -> m.equals("Invalid canary podinfo.test spec: "
        + "spec.analysis.mirror: traffic mirroring is not supported by the traefik router; "
        + "remove mirror or use the istio router"));
  }

}
