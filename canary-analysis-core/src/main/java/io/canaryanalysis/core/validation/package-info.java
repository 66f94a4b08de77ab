/**
 * Spec validation before a canary runs: {@link io.canaryanalysis.core.validation.CanaryValidator}
 * reports every problem at once, with field paths from the manifest root, including features the
 * chosen router cannot express.
 */
package io.canaryanalysis.core.validation;
