package io.canaryanalysis.api;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one redaction function for every message, event, exception and {@code toString()} that can
 * carry an address, URL, header or query string. It masks URL user info (also when a password
 * holds {@code /}, {@code ?} or {@code #}), every query value of a URL, {@code Bearer} tokens and
 * {@code Basic} credentials,
 * {@code key=value} / {@code key: value} pairs whose key names a secret (token, password, secret,
 * api key, authorization, ...), and any known secret value given by the caller.
 *
 * <p>Redact first, truncate second: {@link #excerpt} does both in that order, so a cut never
 * leaves a partial secret that no longer matches.
 */
public final class Redaction {
  /** What a secret is replaced with. */
  public static final String MASK = "***";
  /** Known secrets shorter than this are not searched for (they would mask ordinary words). */
  static final int MIN_SECRET_LENGTH = 4;

  /** A URL-like token: scheme, "://", then everything up to whitespace, a quote or angle bracket. */
  private static final Pattern URL = Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://)([^\\s\"<>`]*)");
  private static final Pattern BEARER = Pattern.compile("(?i)\\b(bearer\\s+)[A-Za-z0-9._~+/=-]{4,}");
  /** Basic credentials: base64 with a digit, '+', '/', '=' or an inner capital (not "basic auth"). */
  private static final Pattern BASIC = Pattern.compile(
      "(?i:\\b(basic\\s+))(?=[A-Za-z0-9+/]*(?:[0-9+/=]|[a-z][A-Z]))[A-Za-z0-9+/]{8,}(?:=|&#x3D;|%3D)*");
  private static final Pattern SECRET_PAIR = Pattern.compile(
      "(?i)([A-Za-z0-9_.-]*(?:token|secret|passw(?:or)?d|pwd|api[_-]?key|apikey|credential|"
          + "authorization|signature)[A-Za-z0-9_.-]*(?<![Rr]ef))(\"?\\s*[=:]\\s*[\"']?)"
          + "((?:(?:bearer|basic|token|digest)\\s+)?[^\\s&\"',;}]+)");

  private Redaction() {}

  /** {@code text} with URL user info, URL query values, bearer tokens and secret-named pairs masked. */
  public static String redact(String text) {
    return redact(text, List.of());
  }

  /**
   * {@code text} redacted as by {@link #redact(String)}, with every known secret (and its
   * URL-encoded form) replaced as well. Null text gives an empty string.
   */
  public static String redact(String text, Collection<String> secrets) {
    if (text == null) {
      return "";
    }
    String out = replaceKnown(text, secrets);
    out = redactUrls(out);
    out = BEARER.matcher(out).replaceAll("$1" + MASK);
    out = BASIC.matcher(out).replaceAll("$1" + MASK);
    out = maskPairs(out);
    return out;
  }

  /**
   * Redacts, then collapses whitespace and cuts to at most {@code maxChars} characters (plus
   * "..."), so truncation can never expose part of a secret.
   */
  public static String excerpt(String text, int maxChars, Collection<String> secrets) {
    if (maxChars < 0) {
      throw new IllegalArgumentException("maxChars must not be negative: " + maxChars);
    }
    String oneLine = redact(text, secrets).strip().replaceAll("\\s+", " ");
    return oneLine.length() <= maxChars ? oneLine : oneLine.substring(0, maxChars) + "...";
  }

  /** {@link #excerpt(String, int, Collection)} without known secrets. */
  public static String excerpt(String text, int maxChars) {
    return excerpt(text, maxChars, List.of());
  }

  /** Header names only, sorted, for {@code toString()}: values may be credentials. */
  public static String headerNames(Map<String, ?> headers) {
    return headers == null ? "[]" : new TreeSet<>(headers.keySet()).toString();
  }

  private static String replaceKnown(String text, Collection<String> secrets) {
    if (secrets == null || secrets.isEmpty()) {
      return text;
    }
    List<String> values = new ArrayList<>();
    for (String s : secrets) {
      if (s != null && s.length() >= MIN_SECRET_LENGTH) {
        values.add(s);
        String unpadded = s.replaceAll("=+$", "");
        if (!unpadded.equals(s) && unpadded.length() >= MIN_SECRET_LENGTH) {
          values.add(unpadded);
        }
        String encoded = URLEncoder.encode(s, StandardCharsets.UTF_8);
        if (!encoded.equals(s)) {
          values.add(encoded);
          values.add(encoded.replace("+", "%20"));
        }
      }
    }
    values.sort(Comparator.comparingInt(String::length).reversed());
    String out = text;
    for (String v : values) {
      out = out.replace(v, MASK);
    }
    return out;
  }

  private static String redactUrls(String text) {
    Matcher m = URL.matcher(text);
    if (!m.find()) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    do {
      m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + redactAfterScheme(m.group(2))));
    } while (m.find());
    m.appendTail(out);
    return out.toString();
  }

  /** Authority and the rest of one URL: user info dropped, query values masked, fragment dropped. */
  private static String redactAfterScheme(String rest) {
    // A password may contain '/', '?', '#' or '@' unencoded: everything up to the last '@' goes.
    int at = rest.lastIndexOf('@');
    String s = at < 0 ? rest : MASK + "@" + rest.substring(at + 1);
    int hash = s.indexOf('#');
    if (hash >= 0) {
      s = s.substring(0, hash);
    }
    int q = s.indexOf('?');
    if (q < 0) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.substring(0, q + 1));
    String[] params = s.substring(q + 1).split("&", -1);
    for (int i = 0; i < params.length; i++) {
      if (i > 0) {
        out.append('&');
      }
      int eq = params[i].indexOf('=');
      out.append(eq < 0 ? (params[i].isEmpty() ? "" : MASK) : params[i].substring(0, eq + 1) + MASK);
    }
    return out.toString();
  }

  private static String maskPairs(String text) {
    Matcher m = SECRET_PAIR.matcher(text);
    if (!m.find()) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    do {
      String value = m.group(3);
      String replacement = value.equals(MASK) ? m.group() : m.group(1) + m.group(2) + MASK;
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    } while (m.find());
    m.appendTail(out);
    return out.toString();
  }
}
