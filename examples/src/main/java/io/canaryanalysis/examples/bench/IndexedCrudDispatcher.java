package io.canaryanalysis.examples.bench;

import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.crud.CrudDispatcher;
import java.lang.reflect.Field;
import io.fabric8.mockwebserver.http.MockResponse;
import java.util.AbstractMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * fabric8's CRUD dispatcher with an index by (resource, namespace, name), so that finding the
 * object a write or a GET names costs a hash lookup instead of a scan of every stored object. The
 * stock dispatcher scans on every create, update, patch and GET (a GET copies the whole store
 * first), which makes a store of 100,000 objects (10,000 canaries) answer a dozen requests a
 * second; its CRUD semantics (resourceVersion, status subresource, merge and JSON patches,
 * watches, lists, label selectors) are unchanged, because only the lookup of one named object is
 * replaced and a query the index cannot answer (no name or namespace, a watch) goes the stock way.
 * A GET reads the store under the dispatcher's read lock, as the stock GET does.
 */
final class IndexedCrudDispatcher extends KubernetesCrudDispatcher {
  private final Map<String, List<AttributeSet>> index = new ConcurrentHashMap<>();
  private Lock readLock;

  private IndexedCrudDispatcher() {
    super(List.of());
  }

  static IndexedCrudDispatcher create() {
    IndexedCrudDispatcher dispatcher = new IndexedCrudDispatcher();
    try {
      // The store is a plain HashMap the handlers write directly; an indexing map in its place
      // sees every put and remove.
      Field store = CrudDispatcher.class.getDeclaredField("map");
      store.setAccessible(true);
      store.set(dispatcher, dispatcher.new IndexingMap());
      Field lock = KubernetesCrudDispatcher.class.getDeclaredField("lock");
      lock.setAccessible(true);
      dispatcher.readLock = ((ReadWriteLock) lock.get(dispatcher)).readLock();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("fabric8's CRUD dispatcher has no field 'map' or 'lock' any more", e);
    }
    return dispatcher;
  }

  @Override
  public Map.Entry<AttributeSet, String> findResource(AttributeSet query) {
    String key = indexKey(query);
    if (key == null) {
      return super.findResource(query);
    }
    List<AttributeSet> candidates = index.get(key);
    if (candidates == null) {
      return null;
    }
    for (AttributeSet candidate : candidates) {
      String value = map.get(candidate);
      if (value != null && candidate.matches(query)) {
        return new AbstractMap.SimpleImmutableEntry<>(candidate, value);
      }
    }
    return null;
  }

  /** A GET of one named object from the index; lists, watches and discovery go the stock way. */
  @Override
  public MockResponse handleGet(String path) {
    if (!path.contains("watch=")) {
      AttributeSet query = attributeExtractor.fromPath(path);
      if (indexKey(query) != null) {
        Map.Entry<AttributeSet, String> found;
        readLock.lock();
        try {
          found = findResource(query);
        } finally {
          readLock.unlock();
        }
        return found == null ? new MockResponse().setResponseCode(404)
            : new MockResponse().setResponseCode(200).setBody(found.getValue());
      }
    }
    return super.handleGet(path);
  }

  /** {@code plural/namespace/name} of a stored key or a query, null when one of them is missing. */
  private static String indexKey(AttributeSet set) {
    Attribute plural = set.getAttribute(KubernetesAttributesExtractor.PLURAL);
    Attribute namespace = set.getAttribute(KubernetesAttributesExtractor.NAMESPACE);
    Attribute name = set.getAttribute(KubernetesAttributesExtractor.NAME);
    if (plural == null || namespace == null || name == null) {
      return null;
    }
    return plural.getValues() + "/" + namespace.getValues() + "/" + name.getValues();
  }

  /** The dispatcher's store, keeping {@link #index} in step with every write. */
  private final class IndexingMap extends HashMap<AttributeSet, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String put(AttributeSet key, String value) {
      String previous = super.put(key, value);
      String indexKey = indexKey(key);
      if (previous == null && indexKey != null) {
        index.computeIfAbsent(indexKey, k -> new CopyOnWriteArrayList<>()).add(key);
      }
      return previous;
    }

    @Override
    public String remove(Object key) {
      String previous = super.remove(key);
      if (previous != null && key instanceof AttributeSet set) {
        String indexKey = indexKey(set);
        if (indexKey != null) {
          index.computeIfPresent(indexKey, (k, list) -> {
            list.remove(set);
            return list.isEmpty() ? null : list;
          });
        }
      }
      return previous;
    }

    @Override
    public void clear() {
      super.clear();
      index.clear();
    }
  }
}
