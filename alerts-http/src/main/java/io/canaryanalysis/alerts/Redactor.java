package io.canaryanalysis.alerts;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import okhttp3.HttpUrl;

/**
 * Masks the secret parts of one delivery (the hook URL, its path segments and query values, the
 * token, the proxy's credentials) in text about to enter a log line or a result detail.
 */
final class Redactor {
  static final String MASK = "***";
  private static final int MIN_SEGMENT = 6;

  private final List<String> secrets;

  private Redactor(List<String> secrets) {
    this.secrets = secrets;
  }

  static Redactor of(String address, String token, String proxy) {
    List<String> values = new ArrayList<>();
    addUrl(values, address);
    addUrl(values, proxy);
    add(values, token);
    values.sort(Comparator.comparingInt(String::length).reversed());
    return new Redactor(List.copyOf(values));
  }

  private static void addUrl(List<String> values, String url) {
    if (url == null) {
      return;
    }
    add(values, url);
    HttpUrl parsed = HttpUrl.parse(url);
    if (parsed == null) {
      return;
    }
    add(values, parsed.encodedPath());
    add(values, parsed.encodedQuery());
    add(values, parsed.query());
    add(values, parsed.encodedUsername());
    add(values, parsed.encodedPassword());
    add(values, parsed.password());
    for (String segment : parsed.pathSegments()) {
      if (segment.length() >= MIN_SEGMENT) {
        add(values, segment);
      }
    }
    for (String name : parsed.queryParameterNames()) {
      for (String value : parsed.queryParameterValues(name)) {
        add(values, value);
      }
    }
  }

  private static void add(List<String> values, String value) {
    if (value != null && value.length() >= 3 && !value.equals("/")) {
      values.add(value);
    }
  }

  String redact(String text) {
    if (text == null) {
      return "";
    }
    String out = text;
    for (String secret : secrets) {
      out = out.replace(secret, MASK);
    }
    return out;
  }

  /** {@code scheme://host:port} of a URL, the only part of a hook URL that is safe to show. */
  static String origin(HttpUrl url) {
    return url.scheme() + "://" + url.host() + ":" + url.port();
  }
}
