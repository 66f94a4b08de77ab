/**
 * A deterministic simulation harness: {@link io.canaryanalysis.simulation.Simulation} drives the
 * real {@link io.canaryanalysis.core.AnalysisEngine} with a virtual clock and scripted metrics,
 * webhooks, readiness and revisions, so a rollout configuration can be checked in a unit test or
 * tuned by Monte Carlo: {@link io.canaryanalysis.simulation.MonteCarlo} runs it many times with
 * random metrics and reports the rollback rate of a healthy release with its confidence interval.
 */
package io.canaryanalysis.simulation;
