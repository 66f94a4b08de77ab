package io.canaryanalysis.metrics.prometheus;

import io.canaryanalysis.api.Redaction;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * {@link Redaction} bound to one client's known secrets (tokens, passwords, header values), for
 * text that is about to enter a message, for example an error body that echoes a request header.
 */
final class Redactor {
  static final Redactor NONE = new Redactor(List.of());
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
    return new Redactor(List.copyOf(values.stream().filter(v -> v != null).distinct().toList()));
  }

  String redact(String text) {
    return Redaction.redact(text, secrets);
  }

  /** Redacted first, then cut to {@code max} characters. */
  static String excerpt(String text, int max, Redactor redactor) {
    return Redaction.excerpt(text, max, redactor.secrets);
  }
}
