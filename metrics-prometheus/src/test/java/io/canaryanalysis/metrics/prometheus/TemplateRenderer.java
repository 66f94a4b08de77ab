package io.canaryanalysis.metrics.prometheus;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A test-only stand-in for the core's renderer: replaces {@code {{ name }}} placeholders. */
final class TemplateRenderer {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z0-9_.]+)\\s*}}");

  private TemplateRenderer() {}

  static String render(String template, Map<String, String> values) {
    Matcher m = PLACEHOLDER.matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = values.get(m.group(1));
      if (value == null) {
        throw new IllegalArgumentException("no value for placeholder {{ " + m.group(1) + " }}");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** The values for canary test/podinfo with ingress podinfo and a 1m interval. */
  static String renderForPodinfo(String template) {
    return render(template, Map.of("namespace", "test", "target", "podinfo", "ingress", "podinfo",
        "interval", "1m"));
  }
}
