package io.canaryanalysis.kubernetes;

import io.canaryanalysis.api.spec.Canary;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flagger's config tracking (flagger.md §2.11): the ConfigMaps and Secrets a pod spec references
 * (volumes, projected volumes, {@code env[].valueFrom}, {@code envFrom} of containers and init
 * containers), their checksums, the {@code -primary} copies and the rewrite of references to them.
 * An object annotated {@code flagger.app/config-tracking: disabled} is not tracked and the primary
 * keeps referring to it; so are Secrets of other types than Opaque, basic-auth, ssh-auth and tls.
 */
final class ConfigTracker {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigTracker.class);
  static final String TRACKING_ANNOTATION = "flagger.app/config-tracking";
  static final String CONFIGMAP = "configmap";
  static final String SECRET = "secret";
  private static final Set<String> TRACKED_SECRET_TYPES = Set.of("Opaque",
      "kubernetes.io/basic-auth", "kubernetes.io/ssh-auth", "kubernetes.io/tls");

  /** A tracked object: {@code kind} is {@code configmap} or {@code secret}. */
  record Tracked(String kind, String name, String checksum, HasMetadata object) {
    String key() {
      return kind + "/" + name;
    }
  }

  private final KubeCalls calls;
  private final boolean enabled;
  /** Checksums by ConfigMap or Secret version: an unchanged object is not hashed again. */
  private final VersionMemo<String> checksums = new VersionMemo<>(VersionMemo.DEFAULT_SIZE);

  ConfigTracker(KubeCalls calls, boolean enabled) {
    this.calls = calls;
    this.enabled = enabled;
  }

  /** The tracked configs of a pod spec, keyed {@code configmap/<name>} or {@code secret/<name>}, in reference order. */
  Map<String, Tracked> track(String namespace, PodSpec spec) {
    Map<String, Tracked> tracked = new LinkedHashMap<>();
    if (!enabled || spec == null) {
      return tracked;
    }
    for (String ref : references(spec)) {
      int slash = ref.indexOf('/');
      String kind = ref.substring(0, slash);
      String name = ref.substring(slash + 1);
      Tracked t = CONFIGMAP.equals(kind) ? configMap(namespace, name) : secret(namespace, name);
      if (t != null) {
        tracked.put(t.key(), t);
      }
    }
    return tracked;
  }

  /** Checksums by key, the form stored in {@code status.trackedConfigs}. */
  static Map<String, String> checksums(Map<String, Tracked> tracked) {
    Map<String, String> result = new LinkedHashMap<>();
    tracked.forEach((key, t) -> result.put(key, t.checksum()));
    return result;
  }

  private Tracked configMap(String namespace, String name) {
    ConfigMap map = calls.get(ConfigMap.class, namespace, name,
        "configmap " + KubeCalls.key(name, namespace));
    if (map == null) {
      LOG.debug("configmap {}.{} is referenced but does not exist; not tracked", name, namespace);
      return null;
    }
    if (optedOut(map.getMetadata())) {
      return null;
    }
    return new Tracked(CONFIGMAP, name, checksums.get(map, m -> {
      Map<String, String> data = new LinkedHashMap<>();
      if (m.getData() != null) {
        data.putAll(m.getData());
      }
      return Hashes.configChecksum(data);
    }), map);
  }

  private Tracked secret(String namespace, String name) {
    Secret secret = calls.get(Secret.class, namespace, name,
        "secret " + KubeCalls.key(name, namespace));
    if (secret == null) {
      LOG.debug("secret {}.{} is referenced but does not exist; not tracked", name, namespace);
      return null;
    }
    String type = secret.getType() == null ? "Opaque" : secret.getType();
    if (!TRACKED_SECRET_TYPES.contains(type) || optedOut(secret.getMetadata())) {
      return null;
    }
    return new Tracked(SECRET, name, checksums.get(secret, s -> Hashes.configChecksum(s.getData())), secret);
  }

  private static boolean optedOut(ObjectMeta meta) {
    String value = meta == null || meta.getAnnotations() == null
        ? null : meta.getAnnotations().get(TRACKING_ANNOTATION);
    return value != null && value.startsWith("disable");
  }

  /** Creates or updates the {@code <name>-primary} copy of each tracked object. */
  void syncPrimaryCopies(Canary canary, Iterable<Tracked> tracked) {
    for (Tracked t : tracked) {
      String copyName = t.name() + "-primary";
      if (t.object() instanceof ConfigMap) {
        ConfigMap source = (ConfigMap) t.object();
        calls.createOrUpdate(ConfigMap.class, canary.namespace(), copyName,
            "configmap " + KubeCalls.key(copyName, canary.namespace()),
            () -> new ConfigMapBuilder()
                .withMetadata(copyMeta(source.getMetadata(), copyName, canary))
                .withData(source.getData())
                .withBinaryData(source.getBinaryData())
                .build(),
            current -> {
              boolean same = Objects.equals(orEmpty(current.getData()), orEmpty(source.getData()))
                  && Objects.equals(orEmpty(current.getBinaryData()), orEmpty(source.getBinaryData()))
                  && sameCopyMeta(current.getMetadata(), source.getMetadata(), canary);
              if (same) {
                return false;
              }
              current.setData(source.getData());
              current.setBinaryData(source.getBinaryData());
              applyCopyMeta(current.getMetadata(), source.getMetadata(), canary);
              return true;
            });
      } else {
        Secret source = (Secret) t.object();
        calls.createOrUpdate(Secret.class, canary.namespace(), copyName,
            "secret " + KubeCalls.key(copyName, canary.namespace()),
            () -> new SecretBuilder()
                .withMetadata(copyMeta(source.getMetadata(), copyName, canary))
                .withType(source.getType())
                .withData(source.getData())
                .build(),
            current -> {
              boolean same = Objects.equals(orEmpty(current.getData()), orEmpty(source.getData()))
                  && Objects.equals(current.getType(), source.getType())
                  && sameCopyMeta(current.getMetadata(), source.getMetadata(), canary);
              if (same) {
                return false;
              }
              current.setData(source.getData());
              current.setType(source.getType());
              applyCopyMeta(current.getMetadata(), source.getMetadata(), canary);
              return true;
            });
      }
    }
  }

  private static ObjectMeta copyMeta(ObjectMeta source, String name, Canary canary) {
    List<io.fabric8.kubernetes.api.model.OwnerReference> owners = KubeCalls.owners(null, canary);
    return new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(canary.namespace())
        .withLabels(nullIfEmpty(source.getLabels()))
        .withOwnerReferences(owners.isEmpty() ? null : owners)
        .build();
  }

  private static boolean sameCopyMeta(ObjectMeta current, ObjectMeta source, Canary canary) {
    return orEmpty(current.getLabels()).equals(orEmpty(source.getLabels()))
        && Objects.equals(orEmptyList(current.getOwnerReferences()),
            KubeCalls.owners(current.getOwnerReferences(), canary));
  }

  private static void applyCopyMeta(ObjectMeta current, ObjectMeta source, Canary canary) {
    current.setLabels(nullIfEmpty(source.getLabels()));
    List<io.fabric8.kubernetes.api.model.OwnerReference> owners =
        KubeCalls.owners(current.getOwnerReferences(), canary);
    current.setOwnerReferences(owners.isEmpty() ? null : owners);
  }

  /** Every ConfigMap and Secret the spec refers to, as {@code configmap/<name>} or {@code secret/<name>}. */
  static Set<String> references(PodSpec spec) {
    Set<String> refs = new LinkedHashSet<>();
    rewrite(spec, kind -> name -> {
      refs.add(kind + "/" + name);
      return name;
    });
    return refs;
  }

  /** Points every reference to a tracked object at its {@code -primary} copy (in place). */
  static void pointAtPrimaryCopies(PodSpec spec, Set<String> trackedKeys) {
    rewrite(spec, kind -> name -> trackedKeys.contains(kind + "/" + name) ? name + "-primary" : name);
  }

  /** Visits every config reference; {@code renamer.apply(kind)} maps an old name to the new one. */
  private static void rewrite(PodSpec spec,
      java.util.function.Function<String, UnaryOperator<String>> renamer) {
    UnaryOperator<String> configMaps = renamer.apply(CONFIGMAP);
    UnaryOperator<String> secrets = renamer.apply(SECRET);
    for (Volume volume : orEmptyList(spec.getVolumes())) {
      if (volume.getConfigMap() != null && volume.getConfigMap().getName() != null) {
        volume.getConfigMap().setName(configMaps.apply(volume.getConfigMap().getName()));
      }
      if (volume.getSecret() != null && volume.getSecret().getSecretName() != null) {
        volume.getSecret().setSecretName(secrets.apply(volume.getSecret().getSecretName()));
      }
      if (volume.getProjected() != null) {
        for (VolumeProjection source : orEmptyList(volume.getProjected().getSources())) {
          if (source.getConfigMap() != null && source.getConfigMap().getName() != null) {
            source.getConfigMap().setName(configMaps.apply(source.getConfigMap().getName()));
          }
          if (source.getSecret() != null && source.getSecret().getName() != null) {
            source.getSecret().setName(secrets.apply(source.getSecret().getName()));
          }
        }
      }
    }
    List<Container> containers = new ArrayList<>(orEmptyList(spec.getInitContainers()));
    containers.addAll(orEmptyList(spec.getContainers()));
    for (Container container : containers) {
      for (EnvVar env : orEmptyList(container.getEnv())) {
        if (env.getValueFrom() == null) {
          continue;
        }
        if (env.getValueFrom().getConfigMapKeyRef() != null
            && env.getValueFrom().getConfigMapKeyRef().getName() != null) {
          env.getValueFrom().getConfigMapKeyRef().setName(
              configMaps.apply(env.getValueFrom().getConfigMapKeyRef().getName()));
        }
        if (env.getValueFrom().getSecretKeyRef() != null
            && env.getValueFrom().getSecretKeyRef().getName() != null) {
          env.getValueFrom().getSecretKeyRef().setName(
              secrets.apply(env.getValueFrom().getSecretKeyRef().getName()));
        }
      }
      for (EnvFromSource envFrom : orEmptyList(container.getEnvFrom())) {
        if (envFrom.getConfigMapRef() != null && envFrom.getConfigMapRef().getName() != null) {
          envFrom.getConfigMapRef().setName(configMaps.apply(envFrom.getConfigMapRef().getName()));
        }
        if (envFrom.getSecretRef() != null && envFrom.getSecretRef().getName() != null) {
          envFrom.getSecretRef().setName(secrets.apply(envFrom.getSecretRef().getName()));
        }
      }
    }
  }

  static <K, V> Map<K, V> orEmpty(Map<K, V> map) {
    return map == null ? Map.of() : map;
  }

  static <T> List<T> orEmptyList(List<T> list) {
    return list == null ? List.of() : list;
  }

  static <K, V> Map<K, V> nullIfEmpty(Map<K, V> map) {
    return map == null || map.isEmpty() ? null : map;
  }
}
