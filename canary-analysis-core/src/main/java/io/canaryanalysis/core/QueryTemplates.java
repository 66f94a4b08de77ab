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
 *
 * <p>Every substituted value is made safe for the PromQL context its placeholder sits in, found
 * by scanning the template: inside {@code "..."} or {@code '...'} it is escaped for that quote;
 * inside a {@code `...`} raw string (which has no escapes) a value holding a backtick is refused;
 * anywhere else (for example {@code [{{ interval }}]}) the value must match
 * {@value #UNQUOTED_VALUE_PATTERN}, otherwise rendering fails. A value therefore can never end its
 * literal or add PromQL of its own. Public so users can preview the query a check runs.
 */
public final class QueryTemplates {

  private static final String VARIABLES_PREFIX = "variables.";
  /** What a value outside any string literal may be: a duration, a number or an identifier. */
  public static final String UNQUOTED_VALUE_PATTERN = "[A-Za-z0-9_:.]+";
  private static final java.util.regex.Pattern UNQUOTED_VALUE =
      java.util.regex.Pattern.compile(UNQUOTED_VALUE_PATTERN);

  /** Where a placeholder sits in PromQL text. */
  enum Context {
    UNQUOTED, DOUBLE_QUOTED, SINGLE_QUOTED, BACKTICK, COMMENT
  }

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
   * {@code namespace} or {@code variables.path}. Values are made safe for the context of their
   * placeholder (see the class documentation).
   *
   * @throws RenderException naming the placeholder that is unknown, has no value, or has a value
   *     that cannot be placed safely where it stands
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
    List<Context> contexts = new ArrayList<>();
    Context context = Context.UNQUOTED;
    int pos = 0;
    while (true) {
      int open = template.indexOf("{{", pos);
      if (open < 0) {
        literals.add(template.substring(pos));
        return new Compiled(template.length(), literals.toArray(new String[0]),
            placeholders.toArray(new String[0]), contexts.toArray(new Context[0]));
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
      String literal = template.substring(pos, open);
      context = scan(literal, context);
      if (pendingEscape(literal, context)) {
        throw new RenderException(placeholder, "a backslash right before {{ " + placeholder
            + " }} would escape the first character of its value");
      }
      literals.add(literal);
      placeholders.add(placeholder.intern());
      contexts.add(context);
      pos = close + 2;
    }
  }

  /**
   * The context after {@code text}, starting in {@code context}. A placeholder does not change
   * the context: its value is made safe for it.
   */
  private static Context scan(String text, Context context) {
    Context c = context;
    for (int i = 0; i < text.length(); i++) {
      char ch = text.charAt(i);
      switch (c) {
        case UNQUOTED:
          if (ch == '"') {
            c = Context.DOUBLE_QUOTED;
          } else if (ch == '\'') {
            c = Context.SINGLE_QUOTED;
          } else if (ch == '`') {
            c = Context.BACKTICK;
          } else if (ch == '#') {
            c = Context.COMMENT;
          }
          break;
        case DOUBLE_QUOTED:
        case SINGLE_QUOTED:
          if (ch == '\\') {
            i++;
          } else if (ch == (c == Context.DOUBLE_QUOTED ? '"' : '\'')) {
            c = Context.UNQUOTED;
          }
          break;
        case BACKTICK:
          if (ch == '`') {
            c = Context.UNQUOTED;
          }
          break;
        default:
          if (ch == '\n' || ch == '\r') {
            c = Context.UNQUOTED;
          }
      }
    }
    return c;
  }

  /** True when {@code literal} ends inside a quoted string with an unpaired backslash. */
  private static boolean pendingEscape(String literal, Context context) {
    if (context != Context.DOUBLE_QUOTED && context != Context.SINGLE_QUOTED) {
      return false;
    }
    int backslashes = 0;
    for (int i = literal.length() - 1; i >= 0 && literal.charAt(i) == '\\'; i--) {
      backslashes++;
    }
    return backslashes % 2 == 1;
  }

  /** {@code value} made safe for {@code context}, or a RenderException naming the placeholder. */
  static String place(String placeholder, String value, Context context) {
    switch (context) {
      case DOUBLE_QUOTED:
        return escapeQuoted(value, '"');
      case SINGLE_QUOTED:
        return escapeQuoted(value, '\'');
      case BACKTICK:
        if (value.indexOf('`') >= 0) {
          throw new RenderException(placeholder, "the value of {{ " + placeholder + " }} holds a "
              + "backtick, which cannot appear inside a `...` raw string; quote the placeholder "
              + "with \" or ' instead");
        }
        return value;
      case COMMENT:
        if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
          throw new RenderException(placeholder, "the value of {{ " + placeholder + " }} holds a "
              + "line break, which would end the # comment it stands in");
        }
        return value;
      default:
        if (!UNQUOTED_VALUE.matcher(value).matches()) {
          throw new RenderException(placeholder, "{{ " + placeholder + " }} stands outside a "
              + "string literal, so its value may only hold letters, digits, '_', ':' and '.' "
              + "(it has " + (value.isEmpty() ? "none" : "other characters")
              + "); put the placeholder in quotes, for example label=\"{{ " + placeholder + " }}\"");
        }
        return value;
    }
  }

  /** A parsed template: {@code literals[i]}, then placeholder {@code i}, ..., then the last literal. */
  static final class Compiled {
    private final int length;
    private final String[] literals;
    private final String[] placeholders;
    private final Context[] contexts;

    private Compiled(int length, String[] literals, String[] placeholders, Context[] contexts) {
      this.length = length;
      this.literals = literals;
      this.placeholders = placeholders;
      this.contexts = contexts;
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
        out.append(place(placeholder, value, contexts[i]));
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

  /** Escapes a value for a PromQL double-quoted string: backslash, double quote, control characters. */
  public static String escapePromQlString(String value) {
    return escapeQuoted(value, '"');
  }

  /** Escapes a value for a PromQL string quoted with {@code quote} (double or single). */
  static String escapeQuoted(String value, char quote) {
    StringBuilder out = null;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      String replacement;
      if (c == '\\') {
        replacement = "\\\\";
      } else if (c == quote) {
        replacement = "\\" + quote;
      } else if (c == '\n') {
        replacement = "\\n";
      } else if (c == '\r') {
        replacement = "\\r";
      } else if (c == '\t') {
        replacement = "\\t";
      } else if (c < 0x20 || c == 0x7f) {
        replacement = String.format("\\x%02x", (int) c);
      } else {
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
