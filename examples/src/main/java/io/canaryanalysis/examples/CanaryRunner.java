package io.canaryanalysis.examples;

import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.examples.demo.Demo;
import io.canaryanalysis.examples.demo.HtmlReport;
import io.canaryanalysis.simulation.MonteCarlo;
import io.canaryanalysis.simulation.MonteCarloResult;
import io.canaryanalysis.simulation.SimulationResult;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The {@code canary-runner.jar} command line: simulates a scenario (a Flagger Canary manifest plus
 * scripted metrics, webhooks and readiness) through the real analysis engine and prints
 * Flagger's event log and a summary, or JSON; {@code tune} simulates it many times with random
 * noise and prints its false-rollback rate and time to promotion.
 */
public final class CanaryRunner {
  /** The run finished (promoted, rolled back without --fail-on-rollback, or still running). */
  public static final int EXIT_OK = 0;
  /** The run ended Failed and {@code --fail-on-rollback} was given. */
  public static final int EXIT_ROLLED_BACK = 1;
  /** Bad usage, a missing or invalid scenario. */
  public static final int EXIT_USAGE = 2;

  /** How many rollouts {@code tune} simulates without {@code --runs}. */
  static final int DEFAULT_RUNS = 1000;
  static final int MAX_RUNS = 10_000_000;

  static final String USAGE = String.join("\n",
      "Usage: java -jar canary-runner.jar [demo [options]]",
      "       java -jar canary-runner.jar simulate [options] [<scenario.yaml> | <bundled name>]",
      "       java -jar canary-runner.jar tune [options] <scenario.yaml> | <bundled name>",
      "       java -jar canary-runner.jar list",
      "       java -jar canary-runner.jar --help",
      "",
      "demo (the default without arguments): runs the real controller, Deployment workload and router",
      "against an embedded Kubernetes API with simulated traffic and a real Prometheus when one is on",
      "PATH, draws the rollout live and writes canary-report.html; see demo --help.",
      "",
      "simulate: runs a Flagger canary rollout with scripted metrics, webhooks and readiness through",
      "the real analysis engine on a virtual clock, and prints Flagger's events and a summary.",
      "Without a scenario it simulates the bundled 'promotion' scenario. It uses the scripted values",
      "as written (noise and noDataChance ignored) unless --seed is given.",
      "",
      "tune: simulates the scenario many times with its noise and noDataChance drawn at random, and",
      "prints how often it promotes or rolls back (95% Wilson intervals), time-to-promotion and",
      "time-to-rollback percentiles, failed checks per run, and which checks caused the rollbacks.",
      "",
      "Options:",
      "  --json               print JSON instead of text",
      "  --fail-on-rollback   simulate: exit 1 when the rollout ends Failed (rolled back)",
      "  --seed S             tune: master seed (default " + MonteCarlo.DEFAULT_SEED + "); simulate: draw the noise",
      "                       exactly as run --run of tune --seed S does",
      "  --run N              simulate with --seed: which tuning run to replay (default 0)",
      "  --report FILE        simulate: also write the HTML report of the run (as the demo does)",
      "  --runs N             tune: how many rollouts to simulate (default " + DEFAULT_RUNS + ")",
      "  --threshold N        tune: override spec.analysis.threshold (failed checks before rollback)",
      "  --judge ALPHA        tune: also run every trace with the metrics replaced by the canary-vs-primary",
      "                       judge at level ALPHA (needs simulation.traffic) and report both side by side",
      "  -h, --help           print this help",
      "",
      "Bundled scenarios: " + String.join(", ", Scenario.BUNDLED),
      "  e.g. java -jar canary-runner.jar simulate rollback",
      "       java -jar canary-runner.jar tune noisy --runs 2000 --seed 42",
      "",
      "Exit codes: 0 done (whatever the outcome), 1 rolled back with --fail-on-rollback,",
      "            2 usage error, missing file or invalid scenario (problems on stderr).",
      "");
  private CanaryRunner() {}

  public static void main(String[] args) {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
    }
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
    System.exit(run(args, out, err));
  }

  /** Runs the command line and returns the exit code; prints only to {@code out} and {@code err}. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    List<String> rest = new ArrayList<>(List.of(args));
    String command = command(rest);
    switch (command) {
      case "-h":
      case "--help":
      case "help":
        out.print(USAGE);
        return EXIT_OK;
      case "list":
        if (!rest.isEmpty()) {
          return usage(err, "list takes no arguments");
        }
        for (String name : Scenario.BUNDLED) {
          Scenario scenario = Scenario.bundled(name).orElseThrow();
          out.println(name + (scenario.description() == null ? "" : "  " + scenario.description().strip()));
        }
        return EXIT_OK;
      case "simulate":
        return simulate(rest, out, err);
      case "tune":
        return tune(rest, out, err);
      case "demo":
        return Demo.run(rest, out, err);
      default:
        return usage(err, "unknown command " + command);
    }
  }

  /** The options of simulate and tune; each command accepts only its own. */
  private static final class Options {
    boolean json;
    boolean failOnRollback;
    Long seed;
    Integer run;
    Integer runs;
    Integer threshold;
    Double judge;
    String report;
    String target;
    boolean help;
    String problem;
  }

  private static Options parse(List<String> args, List<String> allowed) {
    Options o = new Options();
    for (int i = 0; i < args.size() && o.problem == null; i++) {
      String arg = args.get(i);
      String name = arg;
      String value = null;
      int equals = arg.indexOf('=');
      if (arg.startsWith("--") && equals > 0) {
        name = arg.substring(0, equals);
        value = arg.substring(equals + 1);
      }
      if (name.equals("-h") || name.equals("--help")) {
        o.help = true;
        return o;
      }
      if (!name.startsWith("-")) {
        if (o.target != null) {
          o.problem = "one scenario at a time (got " + o.target + " and " + arg + ")";
        }
        o.target = arg;
        continue;
      }
      if (!allowed.contains(name)) {
        o.problem = "unknown option " + arg;
        break;
      }
      boolean flag = name.equals("--json") || name.equals("--fail-on-rollback");
      if (flag) {
        if (value != null) {
          o.problem = name + " takes no value";
        } else if (name.equals("--json")) {
          o.json = true;
        } else {
          o.failOnRollback = true;
        }
        continue;
      }
      if (value == null) {
        if (i + 1 >= args.size()) {
          o.problem = name + " needs a value";
          break;
        }
        value = args.get(++i);
      }
      switch (name) {
        case "--seed":
          try {
            o.seed = Long.parseLong(value);
          } catch (NumberFormatException e) {
            o.problem = "--seed must be a whole number (a 64-bit integer), got " + value;
          }
          break;
        case "--run":
          o.run = number(o, name, value, 0, MAX_RUNS - 1);
          break;
        case "--runs":
          o.runs = number(o, name, value, 1, MAX_RUNS);
          break;
        case "--judge":
          try {
            double alpha = Double.parseDouble(value);
            if (alpha > 0 && alpha <= 0.5) {
              o.judge = alpha;
              break;
            }
          } catch (NumberFormatException e) {
            // reported below
          }
          o.problem = "--judge must be a level alpha greater than 0 and at most 0.5, got " + value;
          break;
        case "--report":
          o.report = value;
          break;
        default:
          o.threshold = number(o, name, value, 1, 1000);
          break;
      }
    }
    return o;
  }

  private static Integer number(Options o, String name, String value, int min, int max) {
    try {
      int n = Integer.parseInt(value);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    o.problem = name + " must be a whole number from " + min + " to " + max + ", got " + value;
    return null;
  }

  private static int simulate(List<String> args, PrintStream out, PrintStream err) {
    Options o = parse(args, List.of("--json", "--fail-on-rollback", "--seed", "--run", "--report"));
    if (o.help) {
      out.print(USAGE);
      return EXIT_OK;
    }
    if (o.problem == null && o.run != null && o.seed == null) {
      o.problem = "--run needs --seed (the noise of run N of tune --seed S)";
    }
    if (o.problem != null) {
      return usage(err, o.problem);
    }
    Scenario scenario;
    try {
      scenario = load(o.target == null ? "promotion" : o.target);
    } catch (ScenarioException e) {
      err.println("error: " + e.getMessage());
      return EXIT_USAGE;
    }
    printNotices(scenario, err);
    Reports.NoiseRun noise = null;
    SimulationResult result;
    if (o.seed != null) {
      if (!scenario.noisy()) {
        err.println("notice: " + scenario.source() + " has no noise or noDataChance; --seed changes nothing");
      }
      noise = new Reports.NoiseRun(o.seed, o.run == null ? 0 : o.run);
      result = scenario.simulation(MonteCarlo.random(noise.seed(), noise.run())).run(scenario.duration());
    } else {
      result = scenario.run();
    }
    out.print(o.json ? Reports.json(scenario, result, noise) : Reports.text(scenario, result, noise));
    if (o.report != null) {
      try {
        HtmlReport.write(ScenarioReport.record(scenario, result), Path.of(o.report));
      } catch (java.io.IOException e) {
        err.println("error: cannot write the report " + o.report + ": " + e.getMessage());
        return EXIT_USAGE;
      }
      err.println("report written to " + Path.of(o.report).toAbsolutePath());
    }
    return o.failOnRollback && result.outcome().phase() == CanaryPhase.FAILED ? EXIT_ROLLED_BACK : EXIT_OK;
  }

  private static int tune(List<String> args, PrintStream out, PrintStream err) {
    Options o = parse(args, List.of("--json", "--seed", "--runs", "--threshold", "--judge"));
    if (o.help) {
      out.print(USAGE);
      return EXIT_OK;
    }
    if (o.problem == null && o.target == null) {
      o.problem = "tune needs a scenario (a file or a bundled name, e.g. noisy)";
    }
    if (o.problem != null) {
      return usage(err, o.problem);
    }
    Scenario scenario;
    try {
      scenario = load(o.target);
      if (o.threshold != null) {
        scenario = scenario.withThreshold(o.threshold);
      }
    } catch (ScenarioException e) {
      err.println("error: " + e.getMessage());
      return EXIT_USAGE;
    } catch (IllegalArgumentException e) {
      err.println("error: --threshold: " + e.getMessage());
      return EXIT_USAGE;
    }
    printNotices(scenario, err);
    if (!scenario.noisy()) {
      err.println("notice: " + scenario.source() + " has no noise or noDataChance; every run is the same");
    }
    int runs = o.runs == null ? DEFAULT_RUNS : o.runs;
    long seed = o.seed == null ? MonteCarlo.DEFAULT_SEED : o.seed;
    long start = System.nanoTime();
    MonteCarloResult result = scenario.tune(runs, seed);
    MonteCarloResult judged = null;
    Scenario judgeScenario = null;
    if (o.judge != null) {
      try {
        judgeScenario = scenario.withJudge(o.judge);
      } catch (IllegalArgumentException e) {
        err.println("error: --judge: " + e.getMessage());
        return EXIT_USAGE;
      }
      judged = judgeScenario.tune(runs, seed);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (o.json) {
      out.print(judged == null ? TuneReports.json(scenario, result)
          : TuneReports.json(scenario, result, o.judge, judged));
    } else {
      out.print(TuneReports.text(scenario, result));
      if (judged != null) {
        out.print(TuneReports.sideBySide(scenario, result, o.judge, judged));
      }
      out.printf(Locale.ROOT, "%n%d runs in %.2fs of wall time (%.0f runs/s)%n", runs, seconds, runs / seconds);
    }
    return EXIT_OK;
  }

  private static void printNotices(Scenario scenario, PrintStream err) {
    for (SpecProblem notice : scenario.notices()) {
      err.println("notice: canary." + notice);
    }
  }

  /** A file if one exists at {@code target}, else a bundled scenario of that name. */
  static Scenario load(String target) {
    Path file = Path.of(target);
    if (Files.exists(file)) {
      return Scenario.load(file);
    }
    Optional<Scenario> bundled = Scenario.bundled(target);
    if (bundled.isPresent()) {
      return bundled.get();
    }
    throw new ScenarioException(target, List.of(new SpecProblem("file",
        "no such file, and not a bundled scenario (bundled: " + String.join(", ", Scenario.BUNDLED) + ")")));
  }

  /**
   * Takes the command off {@code args}: none means {@code demo}; a leading option keeps meaning
   * {@code simulate} with options, as before the demo existed.
   */
  static String command(List<String> args) {
    if (args.isEmpty()) {
      return "demo";
    }
    if (args.get(0).startsWith("-") && !isHelp(args.get(0))) {
      return "simulate";
    }
    return args.remove(0);
  }

  private static boolean isHelp(String arg) {
    return arg.equals("-h") || arg.equals("--help");
  }

  private static int usage(PrintStream err, String problem) {
    err.println("error: " + problem);
    err.print(USAGE);
    return EXIT_USAGE;
  }
}
