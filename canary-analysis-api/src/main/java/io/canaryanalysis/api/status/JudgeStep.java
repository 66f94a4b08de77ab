package io.canaryanalysis.api.status;

/**
 * The counts a judge saw while the canary had one traffic weight: the e-process conditions on that
 * share, so counts at different weights are kept apart and a weight change between steps keeps
 * the test valid.
 *
 * @param weight the canary's share of traffic in percent (1..99) while these counts were taken
 * @param canaryErrors failed requests on the canary
 * @param primaryErrors failed requests on the primary
 * @param canaryRequests all requests on the canary
 * @param primaryRequests all requests on the primary
 */
public record JudgeStep(int weight, long canaryErrors, long primaryErrors, long canaryRequests,
    long primaryRequests) {

  /** These counts plus one more interval's. */
  public JudgeStep plus(long canaryErrors, long primaryErrors, long canaryRequests, long primaryRequests) {
    return new JudgeStep(weight, this.canaryErrors + canaryErrors, this.primaryErrors + primaryErrors,
        this.canaryRequests + canaryRequests, this.primaryRequests + primaryRequests);
  }
}
