package io.canaryanalysis.providers.nginx;

import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.spec.HttpMatch;
import io.canaryanalysis.api.spec.StringMatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Translates {@code spec.analysis.match} into the one header and one cookie a canary Ingress can
 * carry, or says precisely why it cannot. Match entries are alternatives (any one routes to the
 * canary), as are ingress-nginx's {@code canary-by-header} and {@code canary-by-cookie}; the
 * conditions inside one entry must all hold, which ingress-nginx cannot express for more than one.
 */
final class NginxMatch {
  static final String MATCH_PATH = "spec.analysis.match";

  /** The translated route (null when there are problems or no match), and the problems. */
  record Result(AbRoute route, List<SpecProblem> problems) {}

  private NginxMatch() {}

  static Result translate(Analysis analysis) {
    List<SpecProblem> problems = new ArrayList<>();
    if (analysis == null || analysis.match().isEmpty()) {
      return new Result(null, problems);
    }
    if (analysis.iterations() <= 0) {
      problems.add(new SpecProblem(MATCH_PATH, "ingress-nginx applies a header or cookie match "
          + "only in A/B testing (analysis.iterations > 0): with progressive weights, "
          + "canary-weight would also send requests that do not match to the canary"));
    }
    String header = null;
    StringMatch headerCondition = null;
    int headerEntry = -1;
    String cookie = null;
    int cookieEntry = -1;
    List<HttpMatch> entries = analysis.match();
    for (int i = 0; i < entries.size(); i++) {
      HttpMatch entry = entries.get(i);
      String path = MATCH_PATH + "[" + i + "]";
      unsupported(problems, path + ".uri", entry.uri() != null, "uri");
      unsupported(problems, path + ".method", entry.method() != null, "method");
      unsupported(problems, path + ".scheme", entry.scheme() != null, "scheme");
      unsupported(problems, path + ".authority", entry.authority() != null, "authority");
      unsupported(problems, path + ".queryParams", !entry.queryParams().isEmpty(), "query parameter");
      if (!entry.sourceLabels().isEmpty()) {
        problems.add(new SpecProblem(path + ".sourceLabels", "ingress-nginx routes at the edge and "
            + "cannot see the labels of the calling workload (a service-mesh feature)"));
      }
      Map<String, StringMatch> headers = new TreeMap<>();
      StringMatch cookieCondition = null;
      String cookieKey = null;
      for (Map.Entry<String, StringMatch> condition : entry.headers().entrySet()) {
        if (condition.getKey().equalsIgnoreCase("cookie")) {
          cookieKey = condition.getKey();
          cookieCondition = condition.getValue();
        } else {
          headers.put(condition.getKey(), condition.getValue());
        }
      }
      if (entry.headers().isEmpty()) {
        if (entry.isEmpty()) {
          problems.add(new SpecProblem(path, "has no condition; ingress-nginx needs one header "
              + "(canary-by-header) or one cookie (canary-by-cookie)"));
        }
        continue;
      }
      if (headers.size() > 1) {
        problems.add(new SpecProblem(path + ".headers", "ingress-nginx can route a canary on one "
            + "header only (canary-by-header); found " + headers.size() + ": "
            + String.join(", ", headers.keySet())));
        continue;
      }
      if (headers.size() == 1 && cookieCondition != null) {
        problems.add(new SpecProblem(path + ".headers", "ingress-nginx cannot require a header "
            + "and a cookie together: canary-by-header and canary-by-cookie each route on their "
            + "own; put " + headers.keySet().iterator().next() + " and the cookie in separate "
            + "match entries"));
        continue;
      }
      if (cookieCondition != null) {
        String cookiePath = path + ".headers." + cookieKey;
        if (cookieCondition.type() != StringMatch.Type.EXACT) {
          problems.add(new SpecProblem(cookiePath, "ingress-nginx routes on a cookie by name "
              + "(canary-by-cookie: requests whose cookie value is \"always\" reach the canary); "
              + "set exact: <cookie name>, found " + cookieCondition.type().fieldName()));
        } else if (cookieCondition.value().isBlank()) {
          problems.add(new SpecProblem(cookiePath + ".exact", "must name the cookie"));
        } else if (cookie != null && !cookie.equals(cookieCondition.value())) {
          problems.add(new SpecProblem(path + ".headers", "ingress-nginx can route a canary on "
              + "one cookie only (canary-by-cookie); match[" + cookieEntry + "] already routes on "
              + "cookie " + cookie));
        } else if (cookie == null) {
          cookie = cookieCondition.value();
          cookieEntry = i;
        }
        continue;
      }
      Map.Entry<String, StringMatch> only = headers.entrySet().iterator().next();
      String headerPath = path + ".headers." + only.getKey();
      StringMatch condition = only.getValue();
      if (condition.type() == StringMatch.Type.PREFIX || condition.type() == StringMatch.Type.SUFFIX) {
        problems.add(new SpecProblem(headerPath + "." + condition.type().fieldName(),
            "ingress-nginx matches a header value exactly (canary-by-header-value) or by regular "
                + "expression (canary-by-header-pattern); write the "
                + condition.type().fieldName() + " match as a regex"));
      } else if (condition.value().isEmpty()) {
        problems.add(new SpecProblem(headerPath + "." + condition.type().fieldName(),
            "must not be empty"));
      } else if (header != null && !(header.equalsIgnoreCase(only.getKey())
          && headerCondition.equals(condition))) {
        problems.add(new SpecProblem(path + ".headers", "ingress-nginx can route a canary on one "
            + "header only (canary-by-header); match[" + headerEntry + "] already routes on "
            + header + " " + headerCondition.type().fieldName() + " \"" + headerCondition.value()
            + "\""));
      } else if (header == null) {
        header = only.getKey();
        headerCondition = condition;
        headerEntry = i;
      }
    }
    if (!problems.isEmpty() || (header == null && cookie == null)) {
      return new Result(null, problems);
    }
    String value = null;
    String pattern = null;
    if (headerCondition != null) {
      if (headerCondition.type() == StringMatch.Type.EXACT) {
        value = headerCondition.value();
      } else {
        pattern = headerCondition.value();
      }
    }
    return new Result(new AbRoute(header, value, pattern, cookie), problems);
  }

  private static void unsupported(List<SpecProblem> problems, String path, boolean present,
      String what) {
    if (present) {
      problems.add(new SpecProblem(path, "ingress-nginx routes a canary on one header or one "
          + "cookie only; a " + what + " match cannot be expressed"));
    }
  }
}
