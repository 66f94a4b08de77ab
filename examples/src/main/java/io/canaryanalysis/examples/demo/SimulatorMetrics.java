package io.canaryanalysis.examples.demo;

import io.canaryanalysis.api.MetricProvider;
import io.canaryanalysis.api.MetricQuery;
import io.canaryanalysis.api.MetricResult;
import io.canaryanalysis.api.spec.MetricCheck;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metrics path when no {@code prometheus} binary is on PATH: the builtin checks are answered
 * from the simulator's own window statistics of the canary (the window is the range of the
 * rendered query, e.g. {@code [10s]}). Any other query is a failure: this is not PromQL.
 */
final class SimulatorMetrics implements MetricProvider {
  private static final Pattern RANGE = Pattern.compile("\\[(\\d+)(ms|s|m|h)]");

  private final TrafficSimulator traffic;
  private final LongSupplier nowMillis;
  private final boolean meanLatency;

  /** @param meanLatency request-duration is the mean (ingress-nginx), not the P99 */
  SimulatorMetrics(TrafficSimulator traffic, LongSupplier nowMillis, boolean meanLatency) {
    this.traffic = traffic;
    this.nowMillis = nowMillis;
    this.meanLatency = meanLatency;
  }

  @Override
  public MetricResult query(MetricQuery query) {
    String check = query.checkName();
    boolean successRate = MetricCheck.REQUEST_SUCCESS_RATE.equals(check);
    if (!successRate && !MetricCheck.REQUEST_DURATION.equals(check)) {
      return MetricResult.failed("the simulator answers only the builtin request-success-rate and "
          + "request-duration checks, not " + check);
    }
    long window = windowMillis(query.query());
    TrafficSimulator.SideStats stats = traffic.stats(true, nowMillis.getAsLong(), window);
    if (stats.rps() == 0) {
      return MetricResult.noData("the canary served no requests in the last " + window / 1000 + "s");
    }
    return MetricResult.value(successRate ? stats.successRate() : meanLatency ? stats.meanMs() : stats.p99Ms());
  }

  static long windowMillis(String query) {
    Matcher m = RANGE.matcher(query);
    if (!m.find()) {
      return 60_000;
    }
    long n = Long.parseLong(m.group(1));
    switch (m.group(2)) {
      case "ms":
        return n;
      case "s":
        return n * 1000;
      case "m":
        return n * 60_000;
      default:
        return n * 3_600_000;
    }
  }

  @Override
  public boolean isOnline() {
    return true;
  }
}
