package io.canaryanalysis.api.spec;

/**
 * Cookie-based session affinity ({@code analysis.sessionAffinity}): once a user reached the canary,
 * they keep reaching it. {@code maxAge} defaults to 86400 seconds, as in Flagger.
 */
public record SessionAffinity(String cookieName, String primaryCookieName, int maxAge) {
  public static final int DEFAULT_MAX_AGE = 86400;

  public SessionAffinity {
    primaryCookieName = Specs.blankToNull(primaryCookieName);
    if (maxAge <= 0) {
      maxAge = DEFAULT_MAX_AGE;
    }
  }
}
