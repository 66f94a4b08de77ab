package io.canaryanalysis.manifest;

import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.status.CanaryStatus;
import java.util.List;
import java.util.Objects;

/**
 * A Canary read from a manifest: the canary, its stored status if the manifest had one, and the
 * non-fatal notices the reader raised (for example the deprecated {@code spec.canaryAnalysis}).
 *
 * @param status the stored status, or null when the manifest has no {@code status}
 * @param notices problems that did not stop the read, with their paths; never silently dropped
 */
public record CanaryDocument(Canary canary, CanaryStatus status, List<SpecProblem> notices) {
  public CanaryDocument {
    Objects.requireNonNull(canary, "canary");
    notices = notices == null ? List.of() : List.copyOf(notices);
  }
}
