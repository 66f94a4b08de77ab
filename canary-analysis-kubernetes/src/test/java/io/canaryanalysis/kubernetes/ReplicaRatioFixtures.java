package io.canaryanalysis.kubernetes;

import static io.canaryanalysis.kubernetes.Fixtures.NAMESPACE;

import io.canaryanalysis.api.spec.Canary;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.LinkedHashMap;
import java.util.Map;

/** The podinfo target carrying {@link KubernetesRouter#TRAFFIC_LABEL}, and its primary. */
final class ReplicaRatioFixtures {
  private ReplicaRatioFixtures() {}

  static void createTargetAndPrimary(KubernetesClient client, Canary canary) {
    Fixtures.createAll(client);
    Fixtures.edit(client, "podinfo", d -> {
      Map<String, String> labels = new LinkedHashMap<>(d.getSpec().getTemplate().getMetadata().getLabels());
      labels.put(KubernetesRouter.TRAFFIC_LABEL, "podinfo");
      d.getSpec().getTemplate().getMetadata().setLabels(labels);
    });
    DeploymentWorkload.create(client).initialize(canary);
    for (String name : new String[] {"podinfo", "podinfo-primary", "podinfo-canary"}) {
      client.services().inNamespace(NAMESPACE).withName(name).delete();
    }
  }

  static void replicas(KubernetesClient client, String name, int replicas) {
    Fixtures.edit(client, name, d -> d.getSpec().setReplicas(replicas));
  }

  static int replicas(KubernetesClient client, String name) {
    Deployment d = Fixtures.get(client, name);
    return d.getSpec().getReplicas();
  }
}
