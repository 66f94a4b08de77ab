package io.canaryanalysis.metrics.prometheus;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Replaces known secret values (tokens, passwords, header values) in text that is about to enter
 * a message, for example an error body that echoes a request header.
 */
final class Redactor {
  private static final int MIN_LENGTH = 4;
  private static final String MASK = "***";
  private final List<String> secrets;

  private Redactor(List<String> secrets) {
    this.secrets = secrets;
  }

  static Redactor of(Collection<String> headerValues, Credentials credentials) {
    List<String> values = new ArrayList<>(headerValues);
    if (credentials instanceof Credentials.Bearer bearer) {
      values.add(bearer.token());
    } else if (credentials instanceof Credentials.Basic basic) {
      values.add(basic.password());
      values.add(basic.username());
    }
    String authorization = credentials.authorizationHeader();
    if (authorization != null) {
      values.add(authorization);
      values.add(authorization.substring(authorization.indexOf(' ') + 1));
    }
    List<String> secrets = values.stream()
        .filter(v -> v != null && v.length() >= MIN_LENGTH)
        .distinct()
        .sorted(Comparator.comparingInt(String::length).reversed())
        .toList();
    return new Redactor(secrets);
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

  /** Drops {@code user:password@} from a URL-like string. */
  static String stripUserInfo(String address) {
    int scheme = address.indexOf("://");
    int start = scheme < 0 ? 0 : scheme + 3;
    int slash = address.indexOf('/', start);
    int end = slash < 0 ? address.length() : slash;
    int at = address.lastIndexOf('@', end - 1);
    return at < start ? address : address.substring(0, start) + address.substring(at + 1);
  }
}
