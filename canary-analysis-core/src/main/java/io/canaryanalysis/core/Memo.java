package io.canaryanalysis.core;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A bounded memo of pure results keyed by value, evicting the least recently used entry beyond
 * its capacity (so a fleet larger than the bound degrades to computing, never to unbounded
 * memory or a wholesale clear). No threads and no clock: safe inside the pure core. The value is
 * computed outside the lock, so two threads missing on one key may both compute it (the results
 * are equal). A capacity of 0 memoizes nothing.
 */
final class Memo<K, V> {
  private final int capacity;
  private final Map<K, V> entries;
  private long hits;
  private long misses;

  Memo(int capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("capacity must not be negative, got " + capacity);
    }
    this.capacity = capacity;
    this.entries = new LinkedHashMap<>(Math.min(capacity, 1024), 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > Memo.this.capacity;
      }
    };
  }

  /** The memoized value for {@code key}, computed by {@code compute} (which must be pure) on a miss. */
  V get(K key, Function<? super K, ? extends V> compute) {
    if (capacity == 0) {
      return compute.apply(key);
    }
    synchronized (this) {
      V cached = entries.get(key);
      if (cached != null) {
        hits++;
        return cached;
      }
      misses++;
    }
    V value = compute.apply(key);
    synchronized (this) {
      entries.put(key, value);
    }
    return value;
  }

  synchronized int size() {
    return entries.size();
  }

  synchronized long hits() {
    return hits;
  }

  synchronized long misses() {
    return misses;
  }
}
