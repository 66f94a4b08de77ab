package io.canaryanalysis.examples.demo;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The {@code demo} command's options, parsed with every problem named. */
record DemoOptions(
    String provider,
    Duration interval,
    boolean fail,
    Integer failAt,
    boolean json,
    Path canary,
    Path kubeconfig,
    String prometheus,
    String namespace,
    Path report,
    double rate,
    long seed,
    boolean noPrometheus,
    Duration timeout,
    boolean help) {

  static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);
  static final Path DEFAULT_REPORT = Path.of("canary-report.html");
  private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m)");

  static final String USAGE = String.join("\n",
      "Usage: java -jar canary-runner.jar demo [options]",
      "",
      "Runs the real CanaryController, DeploymentWorkload and router against an embedded Kubernetes",
      "API (fabric8's mock server) holding a podinfo Deployment and a Flagger Canary, with simulated",
      "traffic split by the weights the router wrote. With a prometheus binary on PATH the checks run",
      "Flagger's builtin PromQL against a real Prometheus scraping the simulator; else they read the",
      "simulator directly. Draws the rollout, then writes " + DEFAULT_REPORT + ".",
      "",
      "Options:",
      "  --provider P       gatewayapi (default: an HTTPRoute on an Istio Gateway), istio, traefik,",
      "                     nginx, or kubernetes (no mesh: the split follows the ready pods)",
      "  --interval D       wall time per analysis tick (default 2s); the canary's analysis interval",
      "                     (10s, Flagger's minimum) runs that much faster",
      "  --fail             the canary regresses (8% errors, slow) so the demo rolls back",
      "  --fail-at W        the canary regresses once the router sends it W% of the traffic",
      "  --canary FILE      your own Flagger Canary manifest (its targetRef Deployment is created)",
      "  --rate N           simulated requests per second (default 200)",
      "  --seed S           the simulator's random seed (default 1)",
      "  --no-prometheus    read the simulator directly even when prometheus is on PATH",
      "  --report FILE      where to write the HTML report (default " + DEFAULT_REPORT + ")",
      "  --json             print a JSON event stream (one object per line) instead of text",
      "  --timeout D        give up after this much wall time (default 2m)",
      "  --kubeconfig PATH  run the same controller against a real cluster instead (no simulator);",
      "                     needs --prometheus URL; --namespace N limits it to one namespace",
      "  -h, --help         print this help",
      "",
      "Exit codes: 0 the rollout ended as expected (promoted; rolled back with --fail/--fail-at),",
      "            1 it ended otherwise or timed out, 2 usage error or invalid Canary.",
      "");

  static DemoOptions parse(List<String> args) {
    String provider = null;
    Duration interval = DEFAULT_INTERVAL;
    boolean fail = false;
    Integer failAt = null;
    boolean json = false;
    Path canary = null;
    Path kubeconfig = null;
    String prometheus = null;
    String namespace = null;
    Path report = DEFAULT_REPORT;
    double rate = 200;
    long seed = 1;
    boolean noPrometheus = false;
    Duration timeout = Duration.ofMinutes(2);
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      String name = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      switch (name) {
        case "-h":
        case "--help":
          return new DemoOptions(null, interval, false, null, false, null, null, null, null,
              report, rate, seed, false, timeout, true);
        case "--fail":
        case "--json":
        case "--no-prometheus":
          if (value != null) {
            throw new IllegalArgumentException(name + " takes no value");
          }
          if (name.equals("--fail")) {
            fail = true;
          } else if (name.equals("--json")) {
            json = true;
          } else {
            noPrometheus = true;
          }
          continue;
        default:
          break;
      }
      if (!List.of("--provider", "--interval", "--fail-at", "--canary", "--kubeconfig", "--prometheus",
          "--namespace", "--report", "--rate", "--seed", "--timeout").contains(name)) {
        throw new IllegalArgumentException(name.startsWith("-") ? "unknown option " + arg
            : "demo takes no arguments, only options (got " + arg + ")");
      }
      if (value == null) {
        if (i + 1 >= args.size()) {
          throw new IllegalArgumentException(name + " needs a value");
        }
        value = args.get(++i);
      }
      switch (name) {
        case "--provider":
          provider = DemoProvider.of(value).kind();
          break;
        case "--interval":
          interval = duration(name, value, Duration.ofMillis(200), Duration.ofMinutes(10));
          break;
        case "--timeout":
          timeout = duration(name, value, Duration.ofSeconds(5), Duration.ofHours(24));
          break;
        case "--fail-at":
          failAt = integer(name, value, 1, 100);
          break;
        case "--canary":
          canary = Path.of(value);
          break;
        case "--kubeconfig":
          kubeconfig = Path.of(value);
          break;
        case "--prometheus":
          prometheus = value;
          break;
        case "--namespace":
          namespace = value;
          break;
        case "--report":
          report = Path.of(value);
          break;
        case "--rate":
          rate = integer(name, value, 1, 100_000);
          break;
        default:
          try {
            seed = Long.parseLong(value);
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--seed must be a whole number, got " + value);
          }
          break;
      }
    }
    if (fail && failAt != null) {
      throw new IllegalArgumentException("--fail and --fail-at are exclusive (--fail regresses from the start)");
    }
    if (kubeconfig != null && prometheus == null) {
      throw new IllegalArgumentException("--kubeconfig needs --prometheus URL (the cluster's Prometheus)");
    }
    if (kubeconfig == null && (prometheus != null || namespace != null)) {
      throw new IllegalArgumentException("--prometheus and --namespace go with --kubeconfig; the embedded "
          + "demo starts its own Prometheus");
    }
    return new DemoOptions(provider, interval, fail, failAt, json, canary, kubeconfig, prometheus, namespace,
        report, rate, seed, noPrometheus, timeout, false);
  }

  boolean expectsRollback() {
    return fail || failAt != null;
  }

  private static Duration duration(String name, String value, Duration min, Duration max) {
    Matcher m = DURATION.matcher(value.strip().toLowerCase(Locale.ROOT));
    if (m.matches()) {
      double n = Double.parseDouble(m.group(1));
      double millis = n * (m.group(2).equals("ms") ? 1 : m.group(2).equals("s") ? 1000 : 60_000);
      Duration d = Duration.ofMillis((long) millis);
      if (d.compareTo(min) >= 0 && d.compareTo(max) <= 0) {
        return d;
      }
    }
    throw new IllegalArgumentException(name + " must be a duration from " + min.toMillis() + "ms to "
        + max.toSeconds() + "s like 2s or 500ms, got " + value);
  }

  private static int integer(String name, String value, int min, int max) {
    try {
      int n = Integer.parseInt(value);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(name + " must be a whole number from " + min + " to " + max + ", got " + value);
  }
}
