/**
 * The ingress-nginx traffic router. {@link io.canaryanalysis.providers.nginx.NginxRouter} is the
 * only public type; everything else is an implementation detail.
 */
package io.canaryanalysis.providers.nginx;
