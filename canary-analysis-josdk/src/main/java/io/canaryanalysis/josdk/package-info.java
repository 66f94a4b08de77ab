/**
 * The Java Operator SDK integration: {@link io.canaryanalysis.josdk.CanaryReconciler}, a ready
 * reconciler for Flagger {@code Canary} resources ({@link io.canaryanalysis.josdk.CanaryResource})
 * that runs the analysis engine and reschedules itself at the engine's next tick.
 */
package io.canaryanalysis.josdk;
