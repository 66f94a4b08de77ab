/**
 * Canary alert delivery over HTTP for Flagger's AlertProvider types ({@code slack}, {@code msteams},
 * {@code discord}, {@code rocket}, {@code gchat}) and a {@code generic} webhook:
 * {@link io.canaryanalysis.alerts.HttpAlertSender} is the host's
 * {@link io.canaryanalysis.api.EventSink} for alerts, configured with
 * {@link io.canaryanalysis.alerts.AlertProviderConfig}s.
 */
package io.canaryanalysis.alerts;
