/**
 * The Canary specification: Flagger's {@code flagger.app/v1beta1} Canary and MetricTemplate as
 * immutable Java values. Field names and defaults follow Flagger; extensions are marked as such.
 */
package io.canaryanalysis.api.spec;
