package io.canaryanalysis.examples.demo;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Plays the users: requests at a fixed rate, split between primary and canary by the split the
 * router wrote (read back from the API objects on every step: a weight, or for the replica-ratio
 * router the ready pods behind the Service, each taking an equal share as kube-proxy gives them),
 * each side with its own error rate and log-normal latency. Keeps cumulative counters and latency
 * histograms per side and status code (what a proxy exports), per pod when the split is by pods
 * (what each pod exports), and the recent requests (for exact window statistics). Thread-safe: one
 * thread steps it, others read.
 */
final class TrafficSimulator {
  /** Histogram bucket upper bounds in milliseconds, shared by every provider's series. */
  static final double[] BUCKETS_MS = {1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};
  static final int OK = 0;
  static final int ERROR = 1;
  static final int[] CODES = {200, 500};

  /** One side's behaviour: error ratio (0..1), median latency and log-normal sigma. */
  record Profile(double errorRatio, double medianMs, double sigma) {
    static final Profile HEALTHY = new Profile(0.0005, 35, 0.53);
    static final Profile REGRESSED = new Profile(0.08, 180, 0.69);

    double p99Ms() {
      return medianMs * Math.exp(2.326 * sigma);
    }
  }

  /**
   * Where requests go: the canary's share of them, and for a split by pods the ready pods behind
   * the Service (each takes an equal share) and the ready pods it does not select (they serve
   * nothing but still export their series); the pod lists are empty for a weighted router.
   */
  record Split(double canaryShare, List<String> primaryPods, List<String> canaryPods, List<String> idlePods) {
    static final Split ALL_PRIMARY = weight(0);

    Split {
      primaryPods = List.copyOf(primaryPods);
      canaryPods = List.copyOf(canaryPods);
      idlePods = List.copyOf(idlePods);
    }

    /** A weighted router's split: {@code percent} of the requests to the canary. */
    static Split weight(int percent) {
      return new Split(Math.max(0, Math.min(100, percent)) / 100.0, List.of(), List.of(), List.of());
    }

    /** A split by ready pods: every pod behind the Service takes an equal share. */
    static Split pods(List<String> primary, List<String> canary, List<String> idle) {
      int total = primary.size() + canary.size();
      return new Split(total == 0 ? 0 : (double) canary.size() / total, primary, canary, idle);
    }

    boolean byPods() {
      return !primaryPods.isEmpty() || !canaryPods.isEmpty() || !idlePods.isEmpty();
    }

    /** The canary's share in percent, rounded. */
    int weight() {
      return (int) Math.round(canaryShare * 100);
    }

    /** {@code 4 primary / 1 canary pods} for a split by pods, else null. */
    String describe() {
      return byPods() ? primaryPods.size() + " primary / " + canaryPods.size() + " canary pods" : null;
    }
  }

  /** The cumulative counters of one ready pod. */
  record PodCounters(String pod, Counters counters) {}

  /** Window statistics of one side; NaN when it served nothing. */
  record SideStats(double rps, double successRate, double p99Ms, double meanMs) {}

  /** Cumulative counters of one side, as a proxy would export them. */
  static final class Counters {
    final long[] requests = new long[CODES.length];
    final long[][] buckets = new long[CODES.length][BUCKETS_MS.length];
    final double[] sumSeconds = new double[CODES.length];

    Counters copy() {
      Counters c = new Counters();
      System.arraycopy(requests, 0, c.requests, 0, requests.length);
      for (int i = 0; i < CODES.length; i++) {
        System.arraycopy(buckets[i], 0, c.buckets[i], 0, BUCKETS_MS.length);
      }
      System.arraycopy(sumSeconds, 0, c.sumSeconds, 0, sumSeconds.length);
      return c;
    }

    long total() {
      return Arrays.stream(requests).sum();
    }
  }

  private record Request(long atMillis, boolean canary, boolean error, double latencyMs) {}

  private final double ratePerSecond;
  private final Random random;
  private final Supplier<Split> split;
  private final Counters primary = new Counters();
  private final Counters canary = new Counters();
  /** Per pod, for a split by pods; a pod that leaves and comes back keeps its counters. */
  private final Map<String, Counters> pods = new LinkedHashMap<>();
  private final Deque<Request> recent = new ArrayDeque<>();
  private final long keepMillis;
  private Profile primaryProfile = Profile.HEALTHY;
  private Profile canaryProfile = Profile.HEALTHY;
  private double carry;
  private Split lastSplit = Split.ALL_PRIMARY;

  TrafficSimulator(double ratePerSecond, long seed, Supplier<Split> split, long keepMillis) {
    this.ratePerSecond = ratePerSecond;
    this.random = new Random(seed);
    this.split = split;
    this.keepMillis = keepMillis;
  }

  synchronized void canaryProfile(Profile profile) {
    this.canaryProfile = profile;
  }

  synchronized Profile canaryProfile() {
    return canaryProfile;
  }

  /** The canary's share in percent read back on the last step. */
  synchronized int lastWeight() {
    return lastSplit.weight();
  }

  /** The split read back on the last step. */
  synchronized Split lastSplit() {
    return lastSplit;
  }

  /** Serves {@code elapsedMillis} worth of requests ending at {@code nowMillis}. */
  void step(long nowMillis, long elapsedMillis) {
    Split now = split.get();
    synchronized (this) {
      lastSplit = now;
      int weight = now.weight();
      int primaryPods = now.primaryPods().size();
      int endpoints = primaryPods + now.canaryPods().size();
      carry += ratePerSecond * elapsedMillis / 1000.0;
      int n = (int) carry;
      carry -= n;
      for (int i = 0; i < n; i++) {
        String pod = null;
        boolean toCanary;
        if (endpoints > 0) {
          int endpoint = random.nextInt(endpoints);
          toCanary = endpoint >= primaryPods;
          pod = toCanary ? now.canaryPods().get(endpoint - primaryPods) : now.primaryPods().get(endpoint);
        } else {
          toCanary = !now.byPods() && random.nextInt(100) < weight;
        }
        Profile p = toCanary ? canaryProfile : primaryProfile;
        boolean error = random.nextDouble() < p.errorRatio();
        double latency = p.medianMs() * Math.exp(p.sigma() * random.nextGaussian());
        record(toCanary ? canary : primary, error, latency);
        if (pod != null) {
          record(pods.computeIfAbsent(pod, k -> new Counters()), error, latency);
        }
        recent.addLast(new Request(nowMillis, toCanary, error, latency));
      }
      while (!recent.isEmpty() && recent.peekFirst().atMillis() < nowMillis - keepMillis) {
        recent.removeFirst();
      }
    }
  }

  private static void record(Counters c, boolean error, double latencyMs) {
    int code = error ? ERROR : OK;
    c.requests[code]++;
    c.sumSeconds[code] += latencyMs / 1000.0;
    for (int b = 0; b < BUCKETS_MS.length; b++) {
      if (latencyMs <= BUCKETS_MS[b]) {
        c.buckets[code][b]++;
        break;
      }
    }
  }

  /** Copies of the cumulative counters: [primary, canary]. */
  synchronized Counters[] counters() {
    return new Counters[] {primary.copy(), canary.copy()};
  }

  /** Copies of the counters of the pods ready on the last step (none for a weighted split). */
  synchronized List<PodCounters> podCounters() {
    List<PodCounters> result = new ArrayList<>();
    for (List<String> names : List.of(lastSplit.primaryPods(), lastSplit.canaryPods(), lastSplit.idlePods())) {
      for (String pod : names) {
        result.add(new PodCounters(pod, pods.getOrDefault(pod, new Counters()).copy()));
      }
    }
    return result;
  }

  /** Exact statistics of the requests served in the last {@code windowMillis} before {@code nowMillis}. */
  synchronized SideStats stats(boolean ofCanary, long nowMillis, long windowMillis) {
    long from = nowMillis - windowMillis;
    int count = 0;
    int errors = 0;
    double sum = 0;
    double[] latencies = new double[recent.size()];
    for (Request r : recent) {
      if (r.canary() == ofCanary && r.atMillis() > from && r.atMillis() <= nowMillis) {
        latencies[count++] = r.latencyMs();
        sum += r.latencyMs();
        if (r.error()) {
          errors++;
        }
      }
    }
    if (count == 0) {
      return new SideStats(0, Double.NaN, Double.NaN, Double.NaN);
    }
    double[] sorted = Arrays.copyOf(latencies, count);
    Arrays.sort(sorted);
    double p99 = sorted[Math.min(count - 1, (int) Math.ceil(0.99 * count) - 1)];
    return new SideStats(count * 1000.0 / windowMillis, 100.0 * (count - errors) / count, p99, sum / count);
  }
}
