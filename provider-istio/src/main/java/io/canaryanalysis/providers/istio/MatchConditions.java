package io.canaryanalysis.providers.istio;

import io.canaryanalysis.api.spec.HttpMatch;
import io.canaryanalysis.api.spec.StringMatch;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Translates {@link HttpMatch} conditions into Istio {@code HTTPMatchRequest} trees and merges them. */
final class MatchConditions {
  private static final String REGEX_METACHARACTERS = "\\.+*?()|[]{}^$";

  private MatchConditions() {}

  /**
   * Flagger's {@code mergeMatchConditions}: with no default conditions the canary conditions are
   * used as they are; otherwise every canary condition is combined with every default condition,
   * the canary's headers, query parameters and source labels replacing the default's (whole maps,
   * as Flagger does) and its URI, method, scheme and authority replacing the default's when set.
   * Flagger drops the last four and the query parameters of an A/B condition when
   * {@code service.match} is set; here they are kept.
   */
  static List<HttpMatch> merge(List<HttpMatch> canary, List<HttpMatch> defaults) {
    if (defaults.isEmpty()) {
      return canary;
    }
    List<HttpMatch> merged = new ArrayList<>(canary.size() * defaults.size());
    for (HttpMatch c : canary) {
      for (HttpMatch d : defaults) {
        merged.add(new HttpMatch(
            c.uri() != null ? c.uri() : d.uri(),
            c.method() != null ? c.method() : d.method(),
            c.scheme() != null ? c.scheme() : d.scheme(),
            c.authority() != null ? c.authority() : d.authority(),
            c.headers().isEmpty() ? d.headers() : c.headers(),
            c.queryParams().isEmpty() ? d.queryParams() : c.queryParams(),
            c.sourceLabels().isEmpty() ? d.sourceLabels() : c.sourceLabels()));
      }
    }
    return merged;
  }

  /** A list of {@code HTTPMatchRequest} trees, maps sorted by key for a stable serialisation. */
  static List<Object> toIstio(List<HttpMatch> matches) {
    List<Object> result = new ArrayList<>(matches.size());
    for (HttpMatch match : matches) {
      result.add(toIstio(match));
    }
    return result;
  }

  static Map<String, Object> toIstio(HttpMatch match) {
    Map<String, Object> tree = new LinkedHashMap<>();
    putStringMatch(tree, "uri", match.uri());
    putStringMatch(tree, "scheme", match.scheme());
    putStringMatch(tree, "method", match.method());
    putStringMatch(tree, "authority", match.authority());
    putStringMatches(tree, "headers", match.headers());
    putStringMatches(tree, "queryParams", match.queryParams());
    if (!match.sourceLabels().isEmpty()) {
      tree.put("sourceLabels", new TreeMap<>(match.sourceLabels()));
    }
    return tree;
  }

  /**
   * Istio's {@code StringMatch} has {@code exact}, {@code prefix} and {@code regex} only. A suffix
   * becomes the RE2 regex {@code .*<quoted suffix>}; Envoy matches regexes against the whole value,
   * so that is exactly a suffix match.
   */
  static Map<String, Object> toIstio(StringMatch match) {
    Map<String, Object> tree = new LinkedHashMap<>();
    switch (match.type()) {
      case EXACT -> tree.put("exact", match.value());
      case PREFIX -> tree.put("prefix", match.value());
      case REGEX -> tree.put("regex", match.value());
      case SUFFIX -> tree.put("regex", ".*" + quoteRegex(match.value()));
      default -> throw new IllegalStateException("unknown match type " + match.type());
    }
    return tree;
  }

  /** Escapes RE2 metacharacters so the text matches literally. */
  static String quoteRegex(String literal) {
    StringBuilder quoted = new StringBuilder(literal.length() + 8);
    for (int i = 0; i < literal.length(); i++) {
      char c = literal.charAt(i);
      if (REGEX_METACHARACTERS.indexOf(c) >= 0) {
        quoted.append('\\');
      }
      quoted.append(c);
    }
    return quoted.toString();
  }

  private static void putStringMatch(Map<String, Object> tree, String key, StringMatch match) {
    if (match != null) {
      tree.put(key, toIstio(match));
    }
  }

  private static void putStringMatches(
      Map<String, Object> tree, String key, Map<String, StringMatch> matches) {
    if (matches.isEmpty()) {
      return;
    }
    Map<String, Object> sorted = new TreeMap<>();
    matches.forEach((name, match) -> sorted.put(name, toIstio(match)));
    tree.put(key, sorted);
  }
}
