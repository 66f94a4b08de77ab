package io.canaryanalysis.metrics.prometheus;

import java.nio.charset.StandardCharsets;

/** How requests authenticate. Records override toString so values never leak into logs. */
sealed interface Credentials permits Credentials.None, Credentials.Bearer, Credentials.Basic {
  None NONE = new None();

  /** The {@code Authorization} header value, or null for none. */
  String authorizationHeader();

  /** "none", "bearer" or "basic", for toString and messages. */
  String kind();

  static String requireValue(String value, String key) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(key + ": must not be empty");
    }
    return value;
  }

  record None() implements Credentials {
    @Override
    public String authorizationHeader() {
      return null;
    }

    @Override
    public String kind() {
      return "none";
    }
  }

  record Bearer(String token) implements Credentials {
    @Override
    public String authorizationHeader() {
      return "Bearer " + token;
    }

    @Override
    public String kind() {
      return "bearer";
    }

    @Override
    public String toString() {
      return "Bearer[***]";
    }
  }

  record Basic(String username, String password) implements Credentials {
    @Override
    public String authorizationHeader() {
      return okhttp3.Credentials.basic(username, password, StandardCharsets.UTF_8);
    }

    @Override
    public String kind() {
      return "basic";
    }

    @Override
    public String toString() {
      return "Basic[***]";
    }
  }
}
