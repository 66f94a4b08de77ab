package io.canaryanalysis.api;

import io.canaryanalysis.api.spec.MetricTemplate;
import java.util.Optional;

/** Looks up MetricTemplates by namespace and name (from the API server, an informer cache, or a map). */
@FunctionalInterface
public interface MetricTemplateSource {

  Optional<MetricTemplate> find(String namespace, String name);
}
