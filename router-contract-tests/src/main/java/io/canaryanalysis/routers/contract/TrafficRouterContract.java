package io.canaryanalysis.routers.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.canaryanalysis.api.ProviderException;
import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.CanarySpec;
import io.canaryanalysis.api.spec.ObjectMetadata;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The behaviour every {@link TrafficRouter} must show, whatever objects it writes. A router's test
 * class extends this, supplies a fresh cluster per test (for example fabric8's mock API server in
 * CRUD mode with instance fields), and implements the few hooks below.
 *
 * <p>The contract: a new object routes everything to the primary; weights round-trip exactly at
 * 0, 5, 50 and 100; reconcile and setRoutes are idempotent (no write when nothing changed);
 * reconcile never resets an in-flight split, including 0% and 100% canary; objects edited or deleted by someone else are brought
 * back; a 409 conflict is retried; finalize leaves all traffic on the primary; a mirrored split is
 * applied only by routers that declare mirroring.
 */
public abstract class TrafficRouterContract {

  /** The router under test, bound to this test's cluster. */
  protected abstract TrafficRouter router();

  /**
   * A canary this router can serve, with every object it needs (for example the user's Ingress for
   * NGINX) already present in the cluster.
   */
  protected abstract Canary canary();

  /**
   * A value that changes whenever the router writes any of its objects, for example the map of
   * object name to {@code metadata.resourceVersion}.
   */
  protected abstract Object writeFingerprint(Canary canary);

  /** Changes a non-weight field of the routing objects behind the router's back (another writer). */
  protected abstract void editRoutingObjectsBehindRoutersBack(Canary canary);

  /** Deletes the routing objects the router owns. */
  protected abstract void deleteRoutingObjects(Canary canary);

  /** Makes the next write to the routing object fail once with HTTP 409 Conflict. */
  protected abstract void failNextWriteWithConflict(Canary canary);

  /**
   * The same canary with a spec change unrelated to weights: an apex label and annotation and a
   * different port. Routers override this when they need another kind of change.
   */
  protected Canary withUnrelatedSpecChange(Canary canary) {
    CanarySpec spec = canary.spec();
    CanaryService service = spec.service().toBuilder()
        .port(spec.service().port() + 1)
        .apex(new ObjectMetadata(Map.of("team", "payments"), Map.of("example.com/owner", "sre")))
        .build();
    return canary.withSpec(spec.toBuilder().service(service).build());
  }

  @Test
  void reconcileCreatesObjectsThatRouteAllTrafficToThePrimary() {
    Canary canary = canary();
    router().reconcile(canary);

    assertThat(router().getRoutes(canary)).isEqualTo(TrafficSplit.ALL_PRIMARY);
  }

  @ParameterizedTest(name = "canary weight {0}")
  @ValueSource(ints = {0, 5, 50, 100})
  void weightsRoundTrip(int canaryWeight) {
    Canary canary = canary();
    router().reconcile(canary);

    router().setRoutes(canary, TrafficSplit.canary(canaryWeight));

    assertThat(router().getRoutes(canary)).isEqualTo(TrafficSplit.canary(canaryWeight));
  }

  @Test
  void weightsRoundTripThroughASequenceOfSteps() {
    Canary canary = canary();
    router().reconcile(canary);

    for (int weight : new int[] {10, 20, 100, 0, 35}) {
      router().setRoutes(canary, TrafficSplit.canary(weight));
      assertThat(router().getRoutes(canary)).isEqualTo(TrafficSplit.canary(weight));
    }
  }

  @Test
  void reconcileIsIdempotent() {
    Canary canary = canary();
    router().reconcile(canary);
    Object afterFirst = writeFingerprint(canary);

    router().reconcile(canary);

    assertThat(writeFingerprint(canary)).isEqualTo(afterFirst);
  }

  @Test
  void setRoutesWritesNothingWhenTheSplitIsAlreadyApplied() {
    Canary canary = canary();
    router().reconcile(canary);
    router().setRoutes(canary, TrafficSplit.canary(20));
    Object afterFirst = writeFingerprint(canary);

    router().setRoutes(canary, TrafficSplit.canary(20));

    assertThat(writeFingerprint(canary)).isEqualTo(afterFirst);
  }

  @ParameterizedTest(name = "canary weight {0}")
  @ValueSource(ints = {0, 30, 100})
  void reconcileAfterAnUnrelatedSpecChangeKeepsTheInFlightSplit(int canaryWeight) {
    Canary canary = canary();
    router().reconcile(canary);
    router().setRoutes(canary, TrafficSplit.canary(canaryWeight));
    Object beforeChange = writeFingerprint(canary);

    Canary changed = withUnrelatedSpecChange(canary);
    router().reconcile(changed);

    assertThat(writeFingerprint(changed))
        .as("the spec change must reach the routing objects")
        .isNotEqualTo(beforeChange);
    assertThat(router().getRoutes(changed)).isEqualTo(TrafficSplit.canary(canaryWeight));
  }

  @Test
  void reconcileRepairsAnObjectEditedBySomeoneElseAndKeepsTheSplit() {
    Canary canary = canary();
    router().reconcile(canary);
    router().setRoutes(canary, TrafficSplit.canary(40));

    editRoutingObjectsBehindRoutersBack(canary);
    router().reconcile(canary);

    assertThat(router().getRoutes(canary)).isEqualTo(TrafficSplit.canary(40));
    Object repaired = writeFingerprint(canary);
    router().reconcile(canary);
    assertThat(writeFingerprint(canary)).as("repair converges").isEqualTo(repaired);
  }

  @Test
  void getRoutesOnAMissingObjectIsAnErrorNotAGuess() {
    Canary canary = canary();

    assertThatThrownBy(() -> router().getRoutes(canary)).isInstanceOf(ProviderException.class);
  }

  @Test
  void reconcileRecreatesADeletedObject() {
    Canary canary = canary();
    router().reconcile(canary);
    deleteRoutingObjects(canary);

    router().reconcile(canary);

    assertThat(router().getRoutes(canary)).isEqualTo(TrafficSplit.ALL_PRIMARY);
  }

  @Test
  void setRoutesRecreatesADeletedObjectWithTheRequestedSplit() {
    Canary canary = canary();
    router().reconcile(canary);
    router().setRoutes(canary, TrafficSplit.canary(10));
    deleteRoutingObjects(canary);

    router().setRoutes(canary, TrafficSplit.canary(20));

    assertThat(router().getRoutes(canary)).isEqualTo(TrafficSplit.canary(20));
  }

  @Test
  void aConflictingWriteIsRetriedOnAFreshRead() {
    Canary canary = canary();
    router().reconcile(canary);
    failNextWriteWithConflict(canary);

    router().setRoutes(canary, TrafficSplit.canary(25));

    assertThat(router().getRoutes(canary)).isEqualTo(TrafficSplit.canary(25));
  }

  @Test
  void finalizeLeavesAllTrafficOnThePrimary() {
    Canary canary = canary();
    router().reconcile(canary);
    router().setRoutes(canary, TrafficSplit.canary(60));

    router().finalizeRoutes(canary);

    assertThat(router().getRoutes(canary)).isEqualTo(TrafficSplit.ALL_PRIMARY);
  }

  @Test
  void aMirroredSplitIsAppliedOnlyByRoutersThatDeclareMirroring() {
    Canary canary = canary();
    router().reconcile(canary);
    TrafficSplit mirrored = new TrafficSplit(100, 0, true);

    if (router().capabilities().mirroring()) {
      router().setRoutes(canary, mirrored);
      assertThat(router().getRoutes(canary)).isEqualTo(mirrored);
    } else {
      assertThatThrownBy(() -> router().setRoutes(canary, mirrored))
          .isInstanceOf(ProviderException.class)
          .hasMessageContaining("mirror");
      assertThat(router().getRoutes(canary)).isEqualTo(TrafficSplit.ALL_PRIMARY);
    }
  }
}
