package io.canaryanalysis.api.spec;

import java.util.Map;

/**
 * An HTTP match condition (Istio's {@code HTTPMatchRequest} subset that Flagger uses): all
 * present conditions must hold. Used by {@code analysis.match} (A/B testing) and {@code service.match}.
 * Map order is not significant; routers that must serialise in a stable order sort by key.
 */
public record HttpMatch(
    StringMatch uri,
    StringMatch method,
    StringMatch scheme,
    StringMatch authority,
    Map<String, StringMatch> headers,
    Map<String, StringMatch> queryParams,
    Map<String, String> sourceLabels) {

  public HttpMatch {
    headers = Specs.map(headers);
    queryParams = Specs.map(queryParams);
    sourceLabels = Specs.map(sourceLabels);
  }

  /** A match on request headers only, the common A/B case. */
  public static HttpMatch headers(Map<String, StringMatch> headers) {
    return new HttpMatch(null, null, null, null, headers, Map.of(), Map.of());
  }

  /** True when no condition is set. */
  public boolean isEmpty() {
    return uri == null && method == null && scheme == null && authority == null
        && headers.isEmpty() && queryParams.isEmpty() && sourceLabels.isEmpty();
  }
}
