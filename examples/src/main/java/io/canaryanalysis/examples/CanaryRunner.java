package io.canaryanalysis.examples;

import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.simulation.SimulationResult;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code canary-runner.jar} command line: simulates a scenario (a Flagger Canary manifest plus
 * scripted metrics, webhooks and readiness) through the real analysis engine and prints
 * Flagger's event log and a summary, or JSON.
 */
public final class CanaryRunner {
  /** The run finished (promoted, rolled back without --fail-on-rollback, or still running). */
  public static final int EXIT_OK = 0;
  /** The run ended Failed and {@code --fail-on-rollback} was given. */
  public static final int EXIT_ROLLED_BACK = 1;
  /** Bad usage, a missing or invalid scenario. */
  public static final int EXIT_USAGE = 2;

  static final String USAGE = String.join("\n",
      "Usage: java -jar canary-runner.jar simulate [options] [<scenario.yaml> | <bundled name>]",
      "       java -jar canary-runner.jar list",
      "       java -jar canary-runner.jar --help",
      "",
      "Simulates a Flagger canary rollout with scripted metrics, webhooks and readiness, through",
      "the real analysis engine on a virtual clock, and prints Flagger's events and a summary.",
      "Without arguments it simulates the bundled 'promotion' scenario.",
      "",
      "Options:",
      "  --json               print the timeline and outcome as JSON instead of the event log",
      "  --fail-on-rollback   exit 1 when the rollout ends Failed (rolled back)",
      "  -h, --help           print this help",
      "",
      "Bundled scenarios: " + String.join(", ", Scenario.BUNDLED),
      "  e.g. java -jar canary-runner.jar simulate rollback",
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
    if (rest.isEmpty() || rest.get(0).startsWith("-") && !isHelp(rest.get(0))) {
      rest.add(0, "simulate");
    }
    String command = rest.remove(0);
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
      default:
        return usage(err, "unknown command " + command);
    }
  }

  private static int simulate(List<String> args, PrintStream out, PrintStream err) {
    boolean json = false;
    boolean failOnRollback = false;
    String target = null;
    for (String arg : args) {
      switch (arg) {
        case "--json":
          json = true;
          break;
        case "--fail-on-rollback":
          failOnRollback = true;
          break;
        case "-h":
        case "--help":
          out.print(USAGE);
          return EXIT_OK;
        default:
          if (arg.startsWith("-")) {
            return usage(err, "unknown option " + arg);
          }
          if (target != null) {
            return usage(err, "one scenario at a time (got " + target + " and " + arg + ")");
          }
          target = arg;
      }
    }
    Scenario scenario;
    try {
      scenario = load(target == null ? "promotion" : target);
    } catch (ScenarioException e) {
      err.println("error: " + e.getMessage());
      return EXIT_USAGE;
    }
    for (SpecProblem notice : scenario.notices()) {
      err.println("notice: canary." + notice);
    }
    SimulationResult result = scenario.run();
    out.print(json ? Reports.json(scenario, result) : Reports.text(scenario, result));
    return failOnRollback && result.outcome().phase() == CanaryPhase.FAILED ? EXIT_ROLLED_BACK : EXIT_OK;
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

  private static boolean isHelp(String arg) {
    return arg.equals("-h") || arg.equals("--help");
  }

  private static int usage(PrintStream err, String problem) {
    err.println("error: " + problem);
    err.print(USAGE);
    return EXIT_USAGE;
  }
}
