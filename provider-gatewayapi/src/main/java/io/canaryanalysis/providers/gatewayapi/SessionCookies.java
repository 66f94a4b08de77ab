package io.canaryanalysis.providers.gatewayapi;

import java.util.Map;

/**
 * The session-affinity cookies of a run, each {@code name=value}. Flagger keeps them in the Canary
 * status; a router only sees the Canary spec, so they live in annotations on the route and
 * stay the same on every tick of a run.
 *
 * @param canary the cookie that pins a user to the canary during the current run, or null
 * @param primary the cookie that pins a user to the primary during the current run, or null
 * @param previous the canary cookie of the last finished run, expired by the sticky route, or null
 */
record SessionCookies(String canary, String primary, String previous) {
  static final SessionCookies NONE = new SessionCookies(null, null, null);

  static SessionCookies fromAnnotations(Map<String, String> annotations) {
    return new SessionCookies(
        blankToNull(annotations.get(GatewayObjects.CANARY_COOKIE)),
        blankToNull(annotations.get(GatewayObjects.PRIMARY_COOKIE)),
        blankToNull(annotations.get(GatewayObjects.PREVIOUS_CANARY_COOKIE)));
  }

  /** Writes the cookies into {@code annotations}, removing the keys of absent cookies. */
  void writeTo(Map<String, String> annotations) {
    put(annotations, GatewayObjects.CANARY_COOKIE, canary);
    put(annotations, GatewayObjects.PRIMARY_COOKIE, primary);
    put(annotations, GatewayObjects.PREVIOUS_CANARY_COOKIE, previous);
  }

  private static void put(Map<String, String> annotations, String key, String value) {
    if (value == null) {
      annotations.remove(key);
    } else {
      annotations.put(key, value);
    }
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
