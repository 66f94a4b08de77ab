package io.canaryanalysis.providers.nginx;

/**
 * The A/B conditions ingress-nginx can express on a canary Ingress: at most one header (with an
 * exact value or a regex) and at most one cookie, each routing on its own.
 *
 * @param header the {@code canary-by-header} name, or null
 * @param headerValue the {@code canary-by-header-value}, or null
 * @param headerPattern the {@code canary-by-header-pattern}, or null
 * @param cookie the {@code canary-by-cookie} name, or null
 */
record AbRoute(String header, String headerValue, String headerPattern, String cookie) {
  AbRoute {
    if (header == null && cookie == null) {
      throw new IllegalArgumentException("an A/B route needs a header or a cookie");
    }
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder();
    if (header != null) {
      text.append("header ").append(header);
      if (headerValue != null) {
        text.append(" exact \"").append(headerValue).append('"');
      } else if (headerPattern != null) {
        text.append(" regex \"").append(headerPattern).append('"');
      }
    }
    if (cookie != null) {
      text.append(text.length() == 0 ? "" : " or ").append("cookie ").append(cookie);
    }
    return text.toString();
  }
}
