/**
 * A {@link io.canaryanalysis.api.TrafficRouter} for the Kubernetes Gateway API: the HTTPRoute (or
 * GRPCRoute) Flagger's {@code gatewayapi} provider generates, a bring-your-own-route mode that
 * patches only the weights of the canary's backendRefs, and capabilities checked against the
 * parent Gateway's implementation. Entry point: {@link io.canaryanalysis.providers.gatewayapi.GatewayApiRouter}.
 */
package io.canaryanalysis.providers.gatewayapi;
