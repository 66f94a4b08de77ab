package io.canaryanalysis.core;

import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.MetricCheck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Renders Flagger metric-query templates: {@code {{ name }}}, {@code {{ namespace }}},
 * {@code {{ target }}}, {@code {{ service }}}, {@code {{ ingress }}}, {@code {{ route }}},
 * {@code {{ interval }}} and {@code {{ variables.key }}}, with any whitespace inside the braces.
 * Every substituted value is escaped for a PromQL double-quoted string literal, so a value cannot
 * break out of a {@code "..."} label matcher. Public so users can preview the query a check runs.
 */
public final class QueryTemplates {

  private static final String VARIABLES_PREFIX = "variables.";

  private QueryTemplates() {}

  /**
   * Renders {@code template} for {@code check} of {@code canary}. The interval is the check's
   * interval or the 1m default (also for template metrics, where Flagger renders an empty string).
   *
   * @throws RenderException naming the placeholder that is unknown or has no value
   */
  public static String render(String template, Canary canary, MetricCheck check) {
    return render(template, placeholderValues(canary, check));
  }

  /**
   * Renders {@code template} with raw (unescaped) values keyed by placeholder name, for example
   * {@code namespace} or {@code variables.path}. Values are escaped for PromQL string literals.
   *
   * @throws RenderException naming the placeholder that is unknown or has no value
   */
  public static String render(String template, Map<String, String> values) {
    Objects.requireNonNull(values, "values");
    return compile(template).render(values);
  }

  /**
   * Parses {@code template} once into literal text and placeholder names, so a query rendered on
   * every tick is not re-parsed.
   *
   * @throws RenderException for an unclosed or empty placeholder
   */
  static Compiled compile(String template) {
    Objects.requireNonNull(template, "template");
    List<String> literals = new ArrayList<>();
    List<String> placeholders = new ArrayList<>();
    int pos = 0;
    while (true) {
      int open = template.indexOf("{{", pos);
      if (open < 0) {
        literals.add(template.substring(pos));
        return new Compiled(template.length(), literals.toArray(new String[0]),
            placeholders.toArray(new String[0]));
      }
      int close = template.indexOf("}}", open + 2);
      if (close < 0) {
        throw new RenderException(template.substring(open),
            "unclosed placeholder at offset " + open);
      }
      String placeholder = stripTrimMarkers(template.substring(open + 2, close)).strip();
      if (placeholder.isEmpty()) {
        throw new RenderException("", "empty placeholder {{ }} at offset " + open);
      }
      literals.add(template.substring(pos, open));
      placeholders.add(placeholder.intern());
      pos = close + 2;
    }
  }

  /** A parsed template: {@code literals[i]}, then placeholder {@code i}, ..., then the last literal. */
  static final class Compiled {
    private final int length;
    private final String[] literals;
    private final String[] placeholders;

    private Compiled(int length, String[] literals, String[] placeholders) {
      this.length = length;
      this.literals = literals;
      this.placeholders = placeholders;
    }

    String render(Map<String, String> values) {
      StringBuilder out = new StringBuilder(length + 64);
      for (int i = 0; i < placeholders.length; i++) {
        out.append(literals[i]);
        String placeholder = placeholders[i];
        String value = values.get(placeholder);
        if (value == null) {
          if (placeholder.startsWith(VARIABLES_PREFIX)) {
            throw new RenderException(placeholder, "template variable '"
                + placeholder.substring(VARIABLES_PREFIX.length()) + "' is not set in templateVariables");
          }
          throw new RenderException(placeholder, "unknown placeholder {{ " + placeholder + " }}");
        }
        out.append(escapePromQlString(value));
      }
      return out.append(literals[placeholders.length]).toString();
    }
  }

  /**
   * The values Flagger substitutes for {@code check} of {@code canary}, unescaped: name, namespace,
   * target, service, ingress, route, interval and {@code variables.<key>} for each template variable.
   */
  public static Map<String, String> placeholderValues(Canary canary, MetricCheck check) {
    Map<String, String> values = new HashMap<>();
    String target = canary.spec().targetRef().name();
    values.put("name", canary.name());
    values.put("namespace", canary.namespace());
    values.put("target", target);
    values.put("service", canary.spec().serviceName());
    values.put("ingress", canary.spec().ingressName());
    values.put("route", target);
    values.put("interval", prometheusDuration(check.effectiveInterval()));
    for (Map.Entry<String, String> variable : check.templateVariables().entrySet()) {
      values.put(VARIABLES_PREFIX + variable.getKey(), variable.getValue());
    }
    return values;
  }

  /**
   * A duration as Prometheus writes it, in the largest unit that divides it exactly: 60s is
   * {@code 1m}, 90s is {@code 90s}, 2h is {@code 2h}, 1.5s is {@code 1500ms}.
   *
   * @throws IllegalArgumentException for a negative duration or one finer than a millisecond
   */
  public static String prometheusDuration(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    if (duration.isNegative()) {
      throw new IllegalArgumentException("interval must not be negative, got " + duration);
    }
    if (duration.getNano() % 1_000_000 != 0) {
      throw new IllegalArgumentException("interval must be whole milliseconds, got " + duration);
    }
    long millis = duration.toMillis();
    if (millis == 0) {
      return "0s";
    }
    if (millis % 1000 != 0) {
      return millis + "ms";
    }
    long seconds = millis / 1000;
    if (seconds % 86400 == 0) {
      return seconds / 86400 + "d";
    }
    if (seconds % 3600 == 0) {
      return seconds / 3600 + "h";
    }
    if (seconds % 60 == 0) {
      return seconds / 60 + "m";
    }
    return seconds + "s";
  }

  /** Escapes a value for a PromQL double-quoted string: backslash, double quote, newlines. */
  public static String escapePromQlString(String value) {
    StringBuilder out = null;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      String replacement;
      switch (c) {
        case '\\':
          replacement = "\\\\";
          break;
        case '"':
          replacement = "\\\"";
          break;
        case '\n':
          replacement = "\\n";
          break;
        case '\r':
          replacement = "\\r";
          break;
        default:
          replacement = null;
      }
      if (replacement != null && out == null) {
        out = new StringBuilder(value.length() + 8);
        out.append(value, 0, i);
      }
      if (out != null) {
        if (replacement != null) {
          out.append(replacement);
        } else {
          out.append(c);
        }
      }
    }
    return out == null ? value : out.toString();
  }

  private static String stripTrimMarkers(String inner) {
    String s = inner;
    if (s.startsWith("-")) {
      s = s.substring(1);
    }
    if (s.endsWith("-")) {
      s = s.substring(0, s.length() - 1);
    }
    return s;
  }

  /** A template that cannot be rendered; {@link #placeholder()} names the offending placeholder. */
  public static final class RenderException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String placeholder;

    RenderException(String placeholder, String message) {
      super(message);
      this.placeholder = placeholder;
    }

    /** The placeholder as written between the braces, without whitespace. */
    public String placeholder() {
      return placeholder;
    }
  }
}
