package io.canaryanalysis.kubernetes;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.function.Function;

/**
 * Values derived from Kubernetes objects (a revision hash, a config checksum, a parsed Canary),
 * computed once per object version: an object's uid and resourceVersion name its content, so a
 * tick that finds the object unchanged in the informer cache reuses what it derived last time
 * instead of serializing and hashing it again. One entry per object (kind, namespace, name),
 * least recently used evicted beyond the bound (Caffeine, maintained on the calling thread); an
 * object without a uid or resourceVersion is never memoized.
 */
final class VersionMemo<V> {
  /** Objects remembered per memo by default: 4 per canary for 16,384 canaries. */
  static final int DEFAULT_SIZE = 65_536;

  private record Versioned<V>(String uid, String resourceVersion, V value) {}

  private final Cache<String, Versioned<V>> entries;

  VersionMemo(int size) {
    this.entries = Caffeine.newBuilder().maximumSize(size).executor(Runnable::run).build();
  }

  /** {@code derive(object)}, computed again only when the object's uid or resourceVersion changed. */
  <T extends HasMetadata> V get(T object, Function<? super T, ? extends V> derive) {
    ObjectMeta meta = object.getMetadata();
    if (meta == null || meta.getUid() == null || meta.getResourceVersion() == null) {
      return derive.apply(object);
    }
    String key = object.getKind() + "/" + meta.getNamespace() + "/" + meta.getName();
    Versioned<V> cached = entries.getIfPresent(key);
    if (cached != null && cached.uid().equals(meta.getUid())
        && cached.resourceVersion().equals(meta.getResourceVersion())) {
      return cached.value();
    }
    V value = derive.apply(object);
    entries.put(key, new Versioned<>(meta.getUid(), meta.getResourceVersion(), value));
    return value;
  }

  /** Entries held now (after pending evictions), for tests. */
  long size() {
    entries.cleanUp();
    return entries.estimatedSize();
  }
}
