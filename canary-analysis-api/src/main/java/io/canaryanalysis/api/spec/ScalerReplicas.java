package io.canaryanalysis.api.spec;

/**
 * {@code spec.autoscalerRef.primaryScalerReplicas}: replica bounds for the primary's autoscaler
 * that replace the ones copied from the canary's autoscaler.
 *
 * @param minReplicas the primary's minimum replicas, or null to copy the canary's
 * @param maxReplicas the primary's maximum replicas, or null to copy the canary's
 */
public record ScalerReplicas(Integer minReplicas, Integer maxReplicas) {}
