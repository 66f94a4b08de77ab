/**
 * Flagger manifests in and out: {@link io.canaryanalysis.manifest.CanaryManifests} reads
 * {@code flagger.app/v1beta1} Canary and MetricTemplate documents into the api model, reporting
 * every unknown, unsupported or mistyped field with its path, and writes the model back as
 * Flagger-shaped YAML, JSON or JSON-like trees; {@link io.canaryanalysis.manifest.ManifestReader}
 * also runs semantic checks (the core validator) on what was read, so one
 * {@link io.canaryanalysis.manifest.ManifestException} lists every problem.
 */
package io.canaryanalysis.manifest;
