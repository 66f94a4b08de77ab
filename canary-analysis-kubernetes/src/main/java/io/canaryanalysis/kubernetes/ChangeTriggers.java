package io.canaryanalysis.kubernetes;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * Turns informer events into ticks: a Canary added, its spec changed or its deletion started, a
 * target Deployment whose pod template changed (a new revision), and a ConfigMap or Secret that a
 * target references whose data changed each tick the canaries concerned; a deleted Canary is
 * forgotten. Status-only changes (our own writes, a rollout's progress) tick nothing: the
 * canary's scheduled tick sees them.
 */
final class ChangeTriggers {
  /** The Deployment index of the configs a pod template references: {@code ConfigMap/name}, {@code Secret/name}. */
  static final String CONFIGS_INDEX = "canary-analysis-configs";

  private final KubernetesInformers informers;
  private final String namespace;
  private final BiConsumer<String, String> tick;
  private final BiConsumer<String, String> forget;
  /** {@code namespace/deployment} to the keys of the canaries targeting it. */
  private final Map<String, Set<String>> byTarget = new ConcurrentHashMap<>();
  /** Canary key to its target's key. */
  private final Map<String, String> targets = new ConcurrentHashMap<>();

  ChangeTriggers(KubernetesInformers informers, String namespace, BiConsumer<String, String> tick,
      BiConsumer<String, String> forget) {
    this.informers = informers;
    this.namespace = namespace;
    this.tick = tick;
    this.forget = forget;
  }

  void register() {
    informers.onCanary(new ResourceEventHandler<>() {
      @Override
      public void onAdd(GenericKubernetesResource canary) {
        if (inScope(canary)) {
          track(canary);
          tick(canary);
        }
      }

      @Override
      public void onUpdate(GenericKubernetesResource before, GenericKubernetesResource after) {
        if (!inScope(after)) {
          return;
        }
        track(after);
        if (!Objects.equals(before.getAdditionalProperties().get("spec"),
            after.getAdditionalProperties().get("spec"))
            || !Objects.equals(before.getMetadata().getDeletionTimestamp(),
                after.getMetadata().getDeletionTimestamp())) {
          tick(after);
        }
      }

      @Override
      public void onDelete(GenericKubernetesResource canary, boolean unknownFinalState) {
        if (!inScope(canary)) {
          return;
        }
        String key = key(canary);
        String target = targets.remove(key);
        if (target != null) {
          Set<String> keys = byTarget.get(target);
          if (keys != null) {
            keys.remove(key);
          }
        }
        forget.accept(canary.getMetadata().getNamespace(), canary.getMetadata().getName());
      }
    });
    informers.onDeployment(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Deployment deployment) {
        canariesOf(deployment);
      }

      @Override
      public void onUpdate(Deployment before, Deployment after) {
        if (before.getSpec() != null && after.getSpec() != null
            && !Objects.equals(before.getSpec().getTemplate(), after.getSpec().getTemplate())) {
          canariesOf(after);
        }
      }

      @Override
      public void onDelete(Deployment deployment, boolean unknownFinalState) {
        canariesOf(deployment);
      }
    });
    informers.onConfigMap(configHandler("ConfigMap", ConfigMap::getData));
    informers.onSecret(configHandler("Secret", Secret::getData));
  }

  private <T extends HasMetadata> ResourceEventHandler<T> configHandler(String kind,
      java.util.function.Function<T, Object> data) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T object) {
        // A config added while nothing referenced it yet, or at startup: nothing to tick.
      }

      @Override
      public void onUpdate(T before, T after) {
        if (!Objects.equals(data.apply(before), data.apply(after))) {
          configChanged(kind, after);
        }
      }

      @Override
      public void onDelete(T object, boolean unknownFinalState) {
        configChanged(kind, object);
      }
    };
  }

  private void configChanged(String kind, HasMetadata config) {
    String ns = config.getMetadata().getNamespace();
    for (Deployment deployment : informers.deploymentsBy(CONFIGS_INDEX,
        ns + "/" + kind + "/" + config.getMetadata().getName())) {
      canariesOf(deployment);
    }
  }

  private void canariesOf(Deployment deployment) {
    Set<String> keys = byTarget.get(deployment.getMetadata().getNamespace() + "/"
        + deployment.getMetadata().getName());
    if (keys == null) {
      return;
    }
    for (String key : keys) {
      int slash = key.indexOf('/');
      tick.accept(key.substring(0, slash), key.substring(slash + 1));
    }
  }

  private boolean inScope(GenericKubernetesResource canary) {
    return namespace == null || namespace.equals(canary.getMetadata().getNamespace());
  }

  private void tick(GenericKubernetesResource canary) {
    tick.accept(canary.getMetadata().getNamespace(), canary.getMetadata().getName());
  }

  private void track(GenericKubernetesResource canary) {
    String key = key(canary);
    String target = canary.getMetadata().getNamespace() + "/" + targetName(canary);
    String previous = targets.put(key, target);
    if (previous != null && !previous.equals(target)) {
      Set<String> keys = byTarget.get(previous);
      if (keys != null) {
        keys.remove(key);
      }
    }
    byTarget.computeIfAbsent(target, k -> ConcurrentHashMap.newKeySet()).add(key);
  }

  private static String key(GenericKubernetesResource canary) {
    return canary.getMetadata().getNamespace() + "/" + canary.getMetadata().getName();
  }

  private static String targetName(GenericKubernetesResource canary) {
    Object spec = canary.getAdditionalProperties().get("spec");
    if (spec instanceof Map<?, ?> map && map.get("targetRef") instanceof Map<?, ?> ref
        && ref.get("name") instanceof String name) {
      return name;
    }
    return "";
  }

  /** The index values of a Deployment: {@code namespace/ConfigMap/name} and {@code namespace/Secret/name} it references. */
  static List<String> configReferences(Deployment deployment) {
    if (deployment.getSpec() == null || deployment.getSpec().getTemplate() == null
        || deployment.getSpec().getTemplate().getSpec() == null) {
      return List.of();
    }
    String ns = deployment.getMetadata().getNamespace();
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    Set<String> refs = new LinkedHashSet<>();
    List<Container> containers = new ArrayList<>();
    if (pod.getContainers() != null) {
      containers.addAll(pod.getContainers());
    }
    if (pod.getInitContainers() != null) {
      containers.addAll(pod.getInitContainers());
    }
    for (Container c : containers) {
      for (EnvVar env : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
        if (env.getValueFrom() != null && env.getValueFrom().getConfigMapKeyRef() != null) {
          refs.add(ns + "/ConfigMap/" + env.getValueFrom().getConfigMapKeyRef().getName());
        }
        if (env.getValueFrom() != null && env.getValueFrom().getSecretKeyRef() != null) {
          refs.add(ns + "/Secret/" + env.getValueFrom().getSecretKeyRef().getName());
        }
      }
      for (EnvFromSource from : c.getEnvFrom() == null ? List.<EnvFromSource>of() : c.getEnvFrom()) {
        if (from.getConfigMapRef() != null) {
          refs.add(ns + "/ConfigMap/" + from.getConfigMapRef().getName());
        }
        if (from.getSecretRef() != null) {
          refs.add(ns + "/Secret/" + from.getSecretRef().getName());
        }
      }
    }
    for (Volume v : pod.getVolumes() == null ? List.<Volume>of() : pod.getVolumes()) {
      if (v.getConfigMap() != null) {
        refs.add(ns + "/ConfigMap/" + v.getConfigMap().getName());
      }
      if (v.getSecret() != null) {
        refs.add(ns + "/Secret/" + v.getSecret().getSecretName());
      }
      if (v.getProjected() != null && v.getProjected().getSources() != null) {
        for (VolumeProjection p : v.getProjected().getSources()) {
          if (p.getConfigMap() != null) {
            refs.add(ns + "/ConfigMap/" + p.getConfigMap().getName());
          }
          if (p.getSecret() != null) {
            refs.add(ns + "/Secret/" + p.getSecret().getName());
          }
        }
      }
    }
    return new ArrayList<>(refs);
  }
}
