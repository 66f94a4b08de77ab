package io.canaryanalysis.api;

/**
 * What a router can express, declared honestly so validation rejects a spec the router would
 * otherwise silently mis-route (Flagger sends 100% to the canary for A/B on Traefik).
 *
 * @param weightedRouting progressive weights
 * @param headerMatch A/B routing on request headers
 * @param cookieMatch A/B routing on a cookie
 * @param mirroring shadow traffic to the canary
 * @param sessionAffinity sticky canary sessions through a cookie
 */
public record RouterCapabilities(
    boolean weightedRouting,
    boolean headerMatch,
    boolean cookieMatch,
    boolean mirroring,
    boolean sessionAffinity) {

  /** Weights only (Traefik). */
  public static final RouterCapabilities WEIGHTS_ONLY =
      new RouterCapabilities(true, false, false, false, false);
}
