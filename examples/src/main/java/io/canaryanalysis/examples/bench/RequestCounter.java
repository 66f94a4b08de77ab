package io.canaryanalysis.examples.bench;

import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the API requests a fabric8 client sends, by verb and kind ({@code GET deployments},
 * {@code PUT canaries/status}, {@code WATCH services}), as a client interceptor, so the count is
 * what the controller asks for whatever server answers.
 */
final class RequestCounter implements Interceptor {
  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

  @Override
  public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
    counts.computeIfAbsent(classify(request.method(), request.uri().getPath(),
        request.uri().getQuery()), k -> new LongAdder()).increment();
  }

  /** The counts so far, sorted by key, and resets them. */
  Map<String, Long> drain() {
    Map<String, Long> out = new TreeMap<>();
    for (String key : counts.keySet()) {
      LongAdder adder = counts.get(key);
      long value = adder.sumThenReset();
      if (value > 0) {
        out.put(key, value);
      }
    }
    return out;
  }

  /**
   * {@code VERB kind[/subresource]}: GET of a collection is LIST, a {@code watch=true} query is
   * WATCH. Paths are {@code /api/v1/namespaces/ns/kind/name[/sub]} or
   * {@code /apis/group/version/namespaces/ns/kind/name[/sub]} (or without the namespace part).
   */
  static String classify(String method, String path, String query) {
    String[] parts = path.split("/");
    int i = 1;
    if (i < parts.length && "api".equals(parts[i])) {
      i += 2;
    } else if (i < parts.length && "apis".equals(parts[i])) {
      i += 3;
    }
    if (i < parts.length && "namespaces".equals(parts[i]) && i + 2 < parts.length) {
      i += 2;
    }
    String kind = i < parts.length ? parts[i] : path;
    boolean named = i + 1 < parts.length;
    String sub = i + 2 < parts.length ? "/" + parts[i + 2] : "";
    String verb = method;
    if ("GET".equals(method)) {
      verb = query != null && query.contains("watch=true") ? "WATCH" : named ? "GET" : "LIST";
    }
    return verb + " " + kind + sub;
  }
}
