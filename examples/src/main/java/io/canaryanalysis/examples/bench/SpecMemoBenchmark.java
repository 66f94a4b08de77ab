package io.canaryanalysis.examples.bench;

import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.core.AnalysisEngine;
import io.canaryanalysis.core.TickReport;
import io.canaryanalysis.manifest.CanaryManifests;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The engine's memos (spec validation and rendered queries, keyed by value) under a controller's
 * load: every tick gets a Canary parsed afresh from its manifest, as a controller reading the
 * informer cache does. {@code hit}: 64 separately parsed copies of one canary, default memo;
 * {@code off}: the same with {@code memoSize(0)}; {@code thrash}: 8,192 distinct canaries ticked
 * round-robin through a memo bounded at 1,024 specs (4,096 queries), so every tick misses and evicts in both. The tick is
 * {@link DecisionStepBenchmark}'s (20% to 25%, a rollout hook, two Istio metrics). Run with
 * {@code -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SpecMemoBenchmark {
  static final int COPIES = 64;
  static final int THRASH_CANARIES = 8192;
  static final int THRASH_BOUND = 1024;

  @Param({"hit", "off", "thrash"})
  public String memo;

  private AnalysisEngine engine;
  private CanaryStatus midAnalysis;
  private Canary[] canaries;
  private int next;

  @Setup
  public void setUp() {
    midAnalysis = DecisionStepBenchmark.midAnalysis(BenchCanaries.podinfo());
    boolean thrash = "thrash".equals(memo);
    canaries = new Canary[thrash ? THRASH_CANARIES : COPIES];
    for (int i = 0; i < canaries.length; i++) {
      canaries[i] = CanaryManifests.readCanary(manifest(thrash ? "podinfo-" + i : "podinfo")).canary();
    }
    engine = DecisionStepBenchmark.engine(midAnalysis, "off".equals(memo) ? 0
        : thrash ? THRASH_BOUND : AnalysisEngine.DEFAULT_MEMO_SIZE);
    for (Canary canary : canaries) {
      TickReport check = engine.reconcile(canary, midAnalysis);
      if (!check.analysed() || check.status().canaryWeight() != 25
          || check.status().phase() != CanaryPhase.PROGRESSING || check.events().size() != 1) {
        throw new IllegalStateException("the benchmark tick does not advance 20% -> 25%: " + check);
      }
    }
  }

  @Benchmark
  public TickReport reconcile() {
    Canary canary = canaries[next];
    next = next + 1 == canaries.length ? 0 : next + 1;
    return engine.reconcile(canary, midAnalysis);
  }

  /** {@link BenchCanaries#podinfo()} as a Flagger manifest. */
  static String manifest(String name) {
    return "apiVersion: flagger.app/v1beta1\n"
        + "kind: Canary\n"
        + "metadata:\n"
        + "  name: " + name + "\n"
        + "  namespace: test\n"
        + "spec:\n"
        + "  targetRef:\n"
        + "    apiVersion: apps/v1\n"
        + "    kind: Deployment\n"
        + "    name: podinfo\n"
        + "  service:\n"
        + "    port: 9898\n"
        + "  analysis:\n"
        + "    interval: 1m\n"
        + "    threshold: 3\n"
        + "    maxWeight: 50\n"
        + "    stepWeight: 5\n"
        + "    metrics:\n"
        + "      - name: request-success-rate\n"
        + "        thresholdRange:\n"
        + "          min: 99\n"
        + "      - name: request-duration\n"
        + "        thresholdRange:\n"
        + "          max: 500\n"
        + "    webhooks:\n"
        + "      - name: load-test\n"
        + "        type: rollout\n"
        + "        url: http://flagger-loadtester.test/\n";
  }
}
