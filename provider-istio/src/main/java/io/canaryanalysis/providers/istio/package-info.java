/**
 * Istio traffic routing for canary analysis: {@link io.canaryanalysis.providers.istio.IstioRouter}
 * writes the DestinationRules and the VirtualService Flagger's Istio provider writes, as typeless
 * fabric8 resources of {@code networking.istio.io/v1beta1} or {@code v1}.
 */
package io.canaryanalysis.providers.istio;
