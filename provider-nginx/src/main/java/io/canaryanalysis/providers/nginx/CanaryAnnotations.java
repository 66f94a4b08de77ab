package io.canaryanalysis.providers.nginx;

import io.canaryanalysis.api.ProviderException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ingress-nginx canary annotations under one prefix: which keys are the router's, how a
 * {@link CanaryRouting} is written to them and read back.
 */
final class CanaryAnnotations {
  static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

  private final String prefix;
  private final Integer weightTotal;

  final String canary;
  final String weight;
  final String weightTotalKey;
  final String byHeader;
  final String byHeaderValue;
  final String byHeaderPattern;
  final String byCookie;

  /**
   * @param prefix the annotation prefix, for example {@code nginx.ingress.kubernetes.io}
   * @param weightTotal the {@code canary-weight-total} to write, or null to leave ingress-nginx's 100
   */
  CanaryAnnotations(String prefix, Integer weightTotal) {
    this.prefix = prefix;
    this.weightTotal = weightTotal;
    this.canary = prefix + "/canary";
    this.weight = prefix + "/canary-weight";
    this.weightTotalKey = prefix + "/canary-weight-total";
    this.byHeader = prefix + "/canary-by-header";
    this.byHeaderValue = prefix + "/canary-by-header-value";
    this.byHeaderPattern = prefix + "/canary-by-header-pattern";
    this.byCookie = prefix + "/canary-by-cookie";
  }

  /** True for every {@code <prefix>/canary*} key: the router owns them on the canary Ingress. */
  boolean isCanaryKey(String key) {
    return key.startsWith(canary);
  }

  /** The user's annotations worth copying: all but the canary keys and kubectl's last-applied copy. */
  Map<String, String> userAnnotations(Map<String, String> annotations) {
    Map<String, String> result = new LinkedHashMap<>();
    if (annotations != null) {
      annotations.forEach((key, value) -> {
        if (!isCanaryKey(key) && !LAST_APPLIED.equals(key)) {
          result.put(key, value);
        }
      });
    }
    return result;
  }

  /** {@code annotations} with every canary key replaced by those of {@code routing}. */
  Map<String, String> withRouting(Map<String, String> annotations, CanaryRouting routing) {
    Map<String, String> result = new LinkedHashMap<>();
    if (annotations != null) {
      annotations.forEach((key, value) -> {
        if (!isCanaryKey(key)) {
          result.put(key, value);
        }
      });
    }
    result.putAll(render(routing));
    return result;
  }

  /** The canary keys that express {@code routing}. */
  Map<String, String> render(CanaryRouting routing) {
    Map<String, String> result = new LinkedHashMap<>();
    result.put(canary, "true");
    long total = weightTotal == null ? WeightScale.DEFAULT_TOTAL : weightTotal;
    result.put(weight, Long.toString(WeightScale.toWeight(routing.canaryPercent(), total)));
    if (weightTotal != null) {
      result.put(weightTotalKey, Integer.toString(weightTotal));
    }
    AbRoute route = routing.abRoute();
    if (route != null) {
      if (route.header() != null) {
        result.put(byHeader, route.header());
        if (route.headerValue() != null) {
          result.put(byHeaderValue, route.headerValue());
        } else if (route.headerPattern() != null) {
          result.put(byHeaderPattern, route.headerPattern());
        }
      }
      if (route.cookie() != null) {
        result.put(byCookie, route.cookie());
      }
    }
    return result;
  }

  /** True when the annotations mark the Ingress as a canary ({@code <prefix>/canary: "true"}). */
  boolean isMarkedCanary(Map<String, String> annotations) {
    return annotations != null && "true".equals(annotations.get(canary));
  }

  /**
   * Reads the routing the annotations apply, as ingress-nginx would. A missing
   * {@code canary-weight} is ingress-nginx's 0; a malformed or out-of-range one is an error.
   *
   * @param where the object, for messages, for example {@code Ingress test/podinfo-canary}
   */
  CanaryRouting read(Map<String, String> annotations, String where) {
    Map<String, String> values = annotations == null ? Map.of() : annotations;
    long total = WeightScale.DEFAULT_TOTAL;
    String totalText = values.get(weightTotalKey);
    if (totalText != null) {
      total = parse(totalText, weightTotalKey, where);
      if (total <= 0) {
        throw malformed(weightTotalKey, totalText, where, "it must be a positive integer");
      }
    }
    long weightValue = 0;
    String weightText = values.get(weight);
    if (weightText != null) {
      weightValue = parse(weightText, weight, where);
      if (weightValue < 0 || weightValue > total) {
        throw malformed(weight, weightText, where, "it must be an integer from 0 to " + total);
      }
    }
    String header = blankToNull(values.get(byHeader));
    String cookie = blankToNull(values.get(byCookie));
    if (header != null || cookie != null) {
      String value = header == null ? null : blankToNull(values.get(byHeaderValue));
      String pattern = header == null || value != null ? null : blankToNull(values.get(byHeaderPattern));
      return new CanaryRouting(WeightScale.toPercent(weightValue, total),
          new AbRoute(header, value, pattern, cookie));
    }
    return CanaryRouting.weighted(WeightScale.toPercent(weightValue, total));
  }

  String prefix() {
    return prefix;
  }

  private static long parse(String text, String key, String where) {
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw malformed(key, text, where, "it is not an integer");
    }
  }

  private static ProviderException malformed(String key, String value, String where, String why) {
    return new ProviderException(where + ": annotation " + key + " is \"" + value + "\"; " + why,
        false);
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
