/**
 * The provider SPIs the analysis engine drives: {@link io.canaryanalysis.api.TrafficRouter},
 * {@link io.canaryanalysis.api.MetricProvider}, {@link io.canaryanalysis.api.WebhookCaller},
 * {@link io.canaryanalysis.api.Workload} and {@link io.canaryanalysis.api.EventSink}, with the
 * values they exchange. Providers depend on this package only. Implementations are registered
 * explicitly with the engine's builder; nothing is discovered through ServiceLoader.
 */
package io.canaryanalysis.api;
