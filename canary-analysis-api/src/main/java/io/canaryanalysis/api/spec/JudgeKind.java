package io.canaryanalysis.api.spec;

/** What a judge compares between canary and primary. */
public enum JudgeKind {
  /** Error counts against request counts: the two-arm count e-process on errors. */
  ERRORS("errors"),
  /**
   * Latency histograms (Prometheus {@code _bucket} series): per bucket bound, the requests slower
   * than the bound, compared by the same count e-process.
   */
  LATENCY("latency");

  private final String manifestValue;

  JudgeKind(String manifestValue) {
    this.manifestValue = manifestValue;
  }

  public String manifestValue() {
    return manifestValue;
  }

  /** The kind named {@code value} in a manifest, or null when none is. */
  public static JudgeKind fromManifest(String value) {
    for (JudgeKind k : values()) {
      if (k.manifestValue.equals(value)) {
        return k;
      }
    }
    return null;
  }
}
