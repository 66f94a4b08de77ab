package io.canaryanalysis.manifest;

import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.spec.MetricTemplate;
import java.util.List;

/**
 * The Canary and MetricTemplate documents of a multi-document stream, in stream order.
 *
 * @param notices non-fatal notices of the whole stream, including documents of other kinds that
 *     were skipped; paths start with {@code documents[i]}
 */
public record ManifestSet(List<CanaryDocument> canaries, List<MetricTemplate> metricTemplates,
    List<SpecProblem> notices) {
  public ManifestSet {
    canaries = canaries == null ? List.of() : List.copyOf(canaries);
    metricTemplates = metricTemplates == null ? List.of() : List.copyOf(metricTemplates);
    notices = notices == null ? List.of() : List.copyOf(notices);
  }
}
