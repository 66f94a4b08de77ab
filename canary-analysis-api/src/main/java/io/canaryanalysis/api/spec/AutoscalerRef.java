package io.canaryanalysis.api.spec;

import java.util.Map;
import java.util.Objects;

/**
 * {@code spec.autoscalerRef}: the canary's autoscaler, which Flagger copies for the primary. Flagger
 * knows {@code HorizontalPodAutoscaler} ({@code autoscaling/v2}, {@code autoscaling/v2beta2}) and
 * KEDA's {@code ScaledObject} ({@code keda.sh/v1alpha1}).
 *
 * @param primaryScalerReplicas replica bounds for the primary's autoscaler, or null
 * @param primaryScalerQueries KEDA trigger name to the query the primary's ScaledObject uses
 *     instead of the canary's; never null
 */
public record AutoscalerRef(String apiVersion, String kind, String name,
    ScalerReplicas primaryScalerReplicas, Map<String, String> primaryScalerQueries) {
  public AutoscalerRef {
    Objects.requireNonNull(name, "name");
    apiVersion = Specs.blankToNull(apiVersion);
    kind = Specs.blankToNull(kind);
    primaryScalerQueries = Specs.map(primaryScalerQueries);
  }
}
