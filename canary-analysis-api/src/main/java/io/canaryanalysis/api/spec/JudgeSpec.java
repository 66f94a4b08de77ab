package io.canaryanalysis.api.spec;

/**
 * {@code judge} of a metric check (an extension): compares the canary's error rate with the
 * primary's by an anytime-valid sequential test on their error counts, conditioned on the canary's
 * traffic share, instead of a threshold on one number. It fails once a regression is shown at level
 * {@code alpha}, however often it is looked at, and passes once the canary is shown not worse than
 * {@code minRatio} times the primary.
 *
 * <p>The four series are PromQL counts over {@code {{ interval }}} (for example
 * {@code sum(increase(errors_total[{{ interval }}]))}); left out, the builtin pair for the router is
 * used, so {@code judge: {alpha: 0.01}} is all a user writes.
 *
 * <p>With {@code kind: latency} the judge compares latency histograms instead: for every bucket
 * bound, the requests slower than it on each side (Prometheus {@code _bucket} series summed
 * {@code by (le)} over {@code {{ interval }}}), so {@code judge: {kind: latency}} fails once the
 * canary is shown to serve more slow requests than the primary at some bound, and passes once it
 * is shown to serve fewer than {@code minRatio} times the primary's at every bound up to the
 * primary's 99th percentile.
 *
 * @param alpha the test's level: the probability, over a whole run, of rolling back a canary that is
 *     no worse than the primary; default {@value #DEFAULT_ALPHA}; null means the default
 * @param minRatio the smallest regression worth catching, as a ratio of error rates (greater than
 *     1; for latency, a ratio of the rates of requests slower than a bucket bound); the prior of
 *     the test starts there and a pass means the canary is shown below it; default
 *     {@value #DEFAULT_MIN_RATIO}; null means the default
 * @param canaryErrors failed requests on the canary in the interval, or null for the builtin
 * @param canaryRequests all requests on the canary, or null for the builtin
 * @param primaryErrors failed requests on the primary, or null for the builtin
 * @param primaryRequests all requests on the primary, or null for the builtin
 * @param kind what is compared; null means {@link JudgeKind#ERRORS}
 * @param canaryBuckets for {@code kind: latency}: the canary's histogram over the interval, one
 *     series per {@code le} label (for example
 *     {@code sum by (le) (increase(latency_bucket{...}[{{ interval }}]))}), or null for the builtin
 * @param primaryBuckets the primary's histogram, or null for the builtin
 */
public record JudgeSpec(Double alpha, Double minRatio, String canaryErrors, String canaryRequests,
    String primaryErrors, String primaryRequests, JudgeKind kind, String canaryBuckets,
    String primaryBuckets) {

  public static final double DEFAULT_ALPHA = 0.01;
  public static final double DEFAULT_MIN_RATIO = 1.5;
  /** The builtin series names looked up per router kind in {@code BuiltinMetricQueries}. */
  public static final String CANARY_ERRORS = "judge-canary-errors";
  public static final String CANARY_REQUESTS = "judge-canary-requests";
  public static final String PRIMARY_ERRORS = "judge-primary-errors";
  public static final String PRIMARY_REQUESTS = "judge-primary-requests";
  /** The builtin latency histograms ({@code kind: latency}), one series per {@code le}. */
  public static final String CANARY_BUCKETS = "judge-canary-latency-buckets";
  public static final String PRIMARY_BUCKETS = "judge-primary-latency-buckets";

  public JudgeSpec {
    canaryErrors = Specs.blankToNull(canaryErrors);
    canaryRequests = Specs.blankToNull(canaryRequests);
    primaryErrors = Specs.blankToNull(primaryErrors);
    primaryRequests = Specs.blankToNull(primaryRequests);
    kind = kind == null ? JudgeKind.ERRORS : kind;
    canaryBuckets = Specs.blankToNull(canaryBuckets);
    primaryBuckets = Specs.blankToNull(primaryBuckets);
  }

  /** An error-count judge (the shape before {@code kind: latency}). */
  public JudgeSpec(Double alpha, Double minRatio, String canaryErrors, String canaryRequests,
      String primaryErrors, String primaryRequests) {
    this(alpha, minRatio, canaryErrors, canaryRequests, primaryErrors, primaryRequests, null, null, null);
  }

  /** A judge at level {@code alpha} with the builtin series. */
  public static JudgeSpec alpha(double alpha) {
    return new JudgeSpec(alpha, null, null, null, null, null);
  }

  /** A latency judge at level {@code alpha} with the router's builtin histograms. */
  public static JudgeSpec latency(double alpha) {
    return new JudgeSpec(alpha, null, null, null, null, null, JudgeKind.LATENCY, null, null);
  }

  /** A latency judge at level {@code alpha} on the given histogram queries. */
  public static JudgeSpec latency(double alpha, String canaryBuckets, String primaryBuckets) {
    return new JudgeSpec(alpha, null, null, null, null, null, JudgeKind.LATENCY, canaryBuckets,
        primaryBuckets);
  }

  /** True for {@code kind: latency}. */
  public boolean isLatency() {
    return kind == JudgeKind.LATENCY;
  }

  public double effectiveAlpha() {
    return alpha == null ? DEFAULT_ALPHA : alpha;
  }

  public double effectiveMinRatio() {
    return minRatio == null ? DEFAULT_MIN_RATIO : minRatio;
  }

  /** True when the series (four counts, or two histograms for latency) are left to the router's builtin queries. */
  public boolean builtinSeries() {
    if (isLatency()) {
      return canaryBuckets == null && primaryBuckets == null;
    }
    return canaryErrors == null && canaryRequests == null && primaryErrors == null
        && primaryRequests == null;
  }
}
