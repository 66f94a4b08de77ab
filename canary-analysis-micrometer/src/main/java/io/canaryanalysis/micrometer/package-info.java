/**
 * Flagger's Prometheus meters through Micrometer: {@link io.canaryanalysis.micrometer.CanaryMeters}
 * records what the engine and controller observe into the host's
 * {@link io.micrometer.core.instrument.MeterRegistry}.
 */
package io.canaryanalysis.micrometer;
