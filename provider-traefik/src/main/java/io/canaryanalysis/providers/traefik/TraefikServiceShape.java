package io.canaryanalysis.providers.traefik;

import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.ObjectMetadata;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The TraefikService this router owns, as plain JSON-like maps, and the reading of a stored one.
 *
 * <p>Zero weights, checked against Traefik's sources: the CRD provider turns an absent
 * {@code weight} into 1 but passes an explicit 0 through, and the weighted round robin ignores any
 * child with a non-positive weight ({@code wrr.Balancer.Add}: "non-positive weight is
 * meaningless"), in v2 and v3 alike. So:
 * <ul>
 *   <li>canary weight 0: the canary entry is left out, as Flagger does, because Traefik refuses a
 *       TraefikService that references a Service without endpoints (a canary scaled to zero);
 *   <li>primary weight 0: the primary entry stays with an explicit {@code weight: 0}, which Traefik
 *       honours with no traffic (Flagger omits the zero, which Traefik reads as weight 1).
 * </ul>
 */
final class TraefikServiceShape {
  static final String KIND = "TraefikService";
  static final String VERSION = "v1alpha1";
  static final String PLURAL = "traefikservices";
  /** Flagger does not copy these keys: Flux would garbage-collect objects carrying them. */
  static final String FLUX_KEY_MARKER = "toolkit.fluxcd.io";

  private TraefikServiceShape() {}

  static String primaryName(Canary canary) {
    return canary.spec().serviceName() + "-primary";
  }

  static String canaryName(Canary canary) {
    return canary.spec().serviceName() + "-canary";
  }

  /** {@code spec} of the TraefikService that applies {@code split}. */
  static Map<String, Object> desiredSpec(Canary canary, TrafficSplit split) {
    int port = canary.spec().service().port();
    List<Object> services = new ArrayList<>(2);
    services.add(entry(primaryName(canary), canary.namespace(), port, split.primaryWeight()));
    if (split.canaryWeight() > 0) {
      services.add(entry(canaryName(canary), canary.namespace(), port, split.canaryWeight()));
    }
    Map<String, Object> weighted = new LinkedHashMap<>();
    weighted.put("services", services);
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("weighted", weighted);
    return spec;
  }

  private static Map<String, Object> entry(String name, String namespace, int port, int weight) {
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("name", name);
    entry.put("namespace", namespace);
    entry.put("port", port);
    entry.put("weight", weight);
    return entry;
  }

  static Map<String, String> apexLabels(Canary canary) {
    return withoutFluxKeys(canary.spec().service().apex().labels());
  }

  static Map<String, String> apexAnnotations(Canary canary) {
    ObjectMetadata apex = canary.spec().service().apex();
    return withoutFluxKeys(apex.annotations());
  }

  private static Map<String, String> withoutFluxKeys(Map<String, String> values) {
    Map<String, String> kept = new TreeMap<>();
    values.forEach((key, value) -> {
      if (!key.contains(FLUX_KEY_MARKER)) {
        kept.put(key, value);
      }
    });
    return kept;
  }

  /**
   * Reads the split a stored {@code spec} applies, strictly: exactly our entries, integer weights
   * that sum to 100. Anything else is reported, never guessed.
   */
  static Reading read(Object spec, Canary canary) {
    Entries entries = Entries.of(spec, canary);
    if (entries.problem != null) {
      return Reading.failed(entries.problem);
    }
    if (entries.primary == null) {
      return Reading.failed("has no weighted entry for " + primaryName(canary));
    }
    Integer primaryWeight = weightOf(entries.primary);
    if (primaryWeight == null) {
      return Reading.failed("entry " + primaryName(canary) + " has no integer weight");
    }
    int canaryWeight = 0;
    if (entries.canary != null) {
      Integer weight = weightOf(entries.canary);
      if (weight == null) {
        return Reading.failed("entry " + canaryName(canary) + " has no integer weight");
      }
      canaryWeight = weight;
    }
    if (primaryWeight < 0 || canaryWeight < 0 || primaryWeight + canaryWeight != 100) {
      return Reading.failed("weights primary=" + primaryWeight + " canary=" + canaryWeight
          + " do not form a split that sums to 100");
    }
    return new Reading(new TrafficSplit(primaryWeight, canaryWeight, false), null);
  }

  /**
   * The split Traefik effectively applies between our two entries, for keeping it across a
   * reconcile of an object someone else edited: an absent weight counts as 1 and an absent entry
   * as 0, as in Traefik; weights that do not sum to 100 are scaled to percentages. When neither of
   * our entries carries traffic, all traffic goes to the primary.
   */
  static TrafficSplit effectiveSplit(Object spec, Canary canary) {
    Entries entries = Entries.of(spec, canary);
    int primary = effectiveWeight(entries.primary);
    int canaryWeight = effectiveWeight(entries.canary);
    if (primary + canaryWeight <= 0) {
      return TrafficSplit.ALL_PRIMARY;
    }
    int canaryPercent = (int) Math.round(100.0 * canaryWeight / (primary + canaryWeight));
    return TrafficSplit.canary(canaryPercent);
  }

  private static int effectiveWeight(Map<?, ?> entry) {
    if (entry == null) {
      return 0;
    }
    if (!entry.containsKey("weight")) {
      return 1;
    }
    Integer weight = weightOf(entry);
    return weight == null ? 0 : Math.max(0, weight);
  }

  private static Integer weightOf(Map<?, ?> entry) {
    Object weight = entry.get("weight");
    if (weight instanceof Integer || weight instanceof Long || weight instanceof Short) {
      long value = ((Number) weight).longValue();
      return value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE ? (int) value : null;
    }
    return null;
  }

  /** Our two entries in {@code spec.weighted.services}, or why they cannot be told apart. */
  private static final class Entries {
    Map<?, ?> primary;
    Map<?, ?> canary;
    String problem;

    static Entries of(Object spec, Canary canary) {
      Entries entries = new Entries();
      Object services = null;
      if (spec instanceof Map<?, ?> specMap
          && specMap.get("weighted") instanceof Map<?, ?> weighted) {
        services = weighted.get("services");
      }
      if (!(services instanceof List<?> list)) {
        entries.problem = "has no spec.weighted.services list";
        return entries;
      }
      for (int i = 0; i < list.size(); i++) {
        Object item = list.get(i);
        Map<?, ?> entry = item instanceof Map<?, ?> map ? map : null;
        if (isOurs(entry, primaryName(canary), canary)) {
          if (entries.primary != null) {
            entries.problem(i, "is a second entry for " + primaryName(canary));
          }
          entries.primary = entry;
        } else if (isOurs(entry, canaryName(canary), canary)) {
          if (entries.canary != null) {
            entries.problem(i, "is a second entry for " + canaryName(canary));
          }
          entries.canary = entry;
        } else {
          entries.problem(i, "routes to " + describe(item) + ", which is neither "
              + primaryName(canary) + " nor " + canaryName(canary) + " in namespace "
              + canary.namespace());
        }
      }
      return entries;
    }

    /** A plain Service entry with this name in the canary's namespace (or the object's). */
    private static boolean isOurs(Map<?, ?> entry, String name, Canary canary) {
      return entry != null
          && name.equals(entry.get("name"))
          && (entry.get("namespace") == null || canary.namespace().equals(entry.get("namespace")))
          && (entry.get("kind") == null || "Service".equals(entry.get("kind")));
    }

    private void problem(int index, String message) {
      if (problem == null) {
        problem = "spec.weighted.services[" + index + "] " + message;
      }
    }

    private static String describe(Object item) {
      if (item instanceof Map<?, ?> map) {
        Object kind = map.get("kind");
        Object namespace = map.get("namespace");
        return (kind == null ? "Service" : kind) + " "
            + (namespace == null ? "" : namespace + "/") + map.get("name");
      }
      return "a non-object value";
    }
  }

  /** A strict reading: the split, or the problem that prevents reading one. */
  record Reading(TrafficSplit split, String problem) {
    static Reading failed(String problem) {
      return new Reading(null, problem);
    }
  }
}
