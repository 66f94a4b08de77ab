package io.canaryanalysis.simulation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The observed durations of one kind (for example time to promotion) over many simulated runs,
 * sorted, with nearest-rank percentiles: the p-th percentile is the smallest observed value such
 * that at least p% of the observations are less than or equal to it, so it is always a value that
 * actually occurred (no interpolation between ticks).
 *
 * @param sorted every observation, ascending
 */
public record DurationDistribution(List<Duration> sorted) {

  public DurationDistribution {
    List<Duration> copy = new ArrayList<>(sorted);
    copy.sort(null);
    sorted = List.copyOf(copy);
  }

  /** A distribution of {@code observations}, in any order. */
  public static DurationDistribution of(Collection<Duration> observations) {
    return new DurationDistribution(List.copyOf(observations));
  }

  /** How many observations there are. */
  public int count() {
    return sorted.size();
  }

  public boolean isEmpty() {
    return sorted.isEmpty();
  }

  /**
   * The nearest-rank percentile: the observation of rank {@code ceil(p / 100 * count)} (1-based;
   * rank 1 for p = 0), or empty when there are no observations.
   *
   * @param p the percentile, between 0 and 100
   */
  public Optional<Duration> percentile(double p) {
    if (!(p >= 0 && p <= 100)) {
      throw new IllegalArgumentException("percentile must be between 0 and 100, got " + p);
    }
    if (sorted.isEmpty()) {
      return Optional.empty();
    }
    int rank = (int) Math.ceil(p * sorted.size() / 100);
    return Optional.of(sorted.get(Math.max(1, rank) - 1));
  }

  public Optional<Duration> min() {
    return sorted.isEmpty() ? Optional.empty() : Optional.of(sorted.get(0));
  }

  public Optional<Duration> max() {
    return sorted.isEmpty() ? Optional.empty() : Optional.of(sorted.get(sorted.size() - 1));
  }

  /** The arithmetic mean, to the millisecond, or empty when there are no observations. */
  public Optional<Duration> mean() {
    if (sorted.isEmpty()) {
      return Optional.empty();
    }
    long totalMillis = 0;
    for (Duration d : sorted) {
      totalMillis += d.toMillis();
    }
    return Optional.of(Duration.ofMillis(Math.round((double) totalMillis / sorted.size())));
  }
}
