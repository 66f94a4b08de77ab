package io.canaryanalysis.api;

/**
 * The traffic split a router applies or reports: integer weights 0–100 that sum to 100, plus
 * whether traffic is mirrored to the canary.
 */
public record TrafficSplit(int primaryWeight, int canaryWeight, boolean mirrored) {
  public TrafficSplit {
    if (primaryWeight < 0 || primaryWeight > 100 || canaryWeight < 0 || canaryWeight > 100) {
      throw new IllegalArgumentException("weights must be within 0..100, got primary="
          + primaryWeight + " canary=" + canaryWeight);
    }
    if (primaryWeight + canaryWeight != 100) {
      throw new IllegalArgumentException("weights must sum to 100, got primary="
          + primaryWeight + " canary=" + canaryWeight);
    }
  }

  /** All traffic to the primary, not mirrored. */
  public static final TrafficSplit ALL_PRIMARY = new TrafficSplit(100, 0, false);
  /** All traffic to the canary. */
  public static final TrafficSplit ALL_CANARY = new TrafficSplit(0, 100, false);

  /** {@code canaryWeight} percent to the canary, the rest to the primary. */
  public static TrafficSplit canary(int canaryWeight) {
    return new TrafficSplit(100 - canaryWeight, canaryWeight, false);
  }
}
