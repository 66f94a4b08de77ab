package io.canaryanalysis.kubernetes;

import io.canaryanalysis.api.Readiness;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;

/**
 * Flagger's {@code isDeploymentReady} (flagger.md §2.10) with its texts. The only
 * {@link Readiness.State#FAILED} case is the Deployment's own {@code ProgressDeadlineExceeded}
 * condition; the canary's {@code progressDeadlineSeconds} is measured by the engine, not inferred
 * from the {@code Available} condition as Flagger does.
 */
final class DeploymentReadiness {
  private DeploymentReadiness() {}

  /**
   * @param prefix the text before the reason, for example
   *     {@code canary deployment podinfo.test not ready: }
   * @param readyThreshold percent of the updated replicas that must be available
   */
  static Readiness of(Deployment deployment, int readyThreshold, String prefix) {
    DeploymentStatus status = deployment.getStatus() == null
        ? new DeploymentStatus() : deployment.getStatus();
    long generation = deployment.getMetadata().getGeneration() == null
        ? 0 : deployment.getMetadata().getGeneration();
    long observed = status.getObservedGeneration() == null ? 0 : status.getObservedGeneration();
    if (generation > observed) {
      return Readiness.waiting(prefix + "waiting for rollout to finish: observed deployment "
          + "generation less than desired generation");
    }
    DeploymentCondition progressing = condition(status, "Progressing");
    if (progressing != null && "ProgressDeadlineExceeded".equals(progressing.getReason())) {
      return Readiness.failed(prefix + "deployment \"" + deployment.getMetadata().getName()
          + "\" exceeded its progress deadline");
    }
    int updated = orZero(status.getUpdatedReplicas());
    int replicas = orZero(status.getReplicas());
    int available = orZero(status.getAvailableReplicas());
    Integer desired = deployment.getSpec() == null ? null : deployment.getSpec().getReplicas();
    if (desired != null && updated < desired) {
      return Readiness.waiting(prefix + "waiting for rollout to finish: " + updated + " out of "
          + desired + " new replicas have been updated");
    }
    if (replicas > updated) {
      return Readiness.waiting(prefix + "waiting for rollout to finish: " + (replicas - updated)
          + " old replicas are pending termination");
    }
    int needed = (int) ((long) updated * readyThreshold / 100);
    if (available < needed) {
      return Readiness.waiting(prefix + "waiting for rollout to finish: " + available + " of "
          + needed + " (readyThreshold " + readyThreshold + "%) updated replicas are available");
    }
    return Readiness.READY;
  }

  private static DeploymentCondition condition(DeploymentStatus status, String type) {
    if (status.getConditions() == null) {
      return null;
    }
    for (DeploymentCondition c : status.getConditions()) {
      if (type.equals(c.getType())) {
        return c;
      }
    }
    return null;
  }

  private static int orZero(Integer value) {
    return value == null ? 0 : value;
  }
}
