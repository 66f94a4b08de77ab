/**
 * A deterministic simulation harness: {@link io.canaryanalysis.simulation.Simulation} drives the
 * real {@link io.canaryanalysis.core.AnalysisEngine} with a virtual clock and scripted metrics,
 * webhooks, readiness and revisions, so a rollout configuration can be checked in a unit test or
 * tuned by Monte Carlo.
 */
package io.canaryanalysis.simulation;
