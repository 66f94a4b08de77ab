package io.canaryanalysis.providers.istio;

import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

/** The Istio kinds this router writes, their API contexts, and the annotations it reads and writes. */
final class IstioObjects {
  static final String GROUP = "networking.istio.io";
  static final String VIRTUAL_SERVICE = "VirtualService";
  static final String DESTINATION_RULE = "DestinationRule";

  /** Where Flagger stores the user's VirtualService spec before taking it over. */
  static final String ORIGINAL_CONFIGURATION = "flagger.kubernetes.io/original-configuration";
  /** kubectl's record of the applied object; when present it already holds the user's spec. */
  static final String KUBECTL_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
  /** Names the Canary that manages a VirtualService. */
  static final String MANAGED_BY_CANARY = "canary-analysis.io/canary";
  static final String CANARY_COOKIE = "canary-analysis.io/session-affinity-cookie";
  static final String PRIMARY_COOKIE = "canary-analysis.io/primary-session-affinity-cookie";
  static final String PREVIOUS_CANARY_COOKIE = "canary-analysis.io/previous-session-affinity-cookie";

  private final String version;
  private final ResourceDefinitionContext virtualServices;
  private final ResourceDefinitionContext destinationRules;

  IstioObjects(String version) {
    this.version = version;
    this.virtualServices = context(version, VIRTUAL_SERVICE, "virtualservices");
    this.destinationRules = context(version, DESTINATION_RULE, "destinationrules");
  }

  String apiVersion() {
    return GROUP + "/" + version;
  }

  ResourceDefinitionContext virtualServices() {
    return virtualServices;
  }

  ResourceDefinitionContext destinationRules() {
    return destinationRules;
  }

  private static ResourceDefinitionContext context(String version, String kind, String plural) {
    return new ResourceDefinitionContext.Builder()
        .withGroup(GROUP)
        .withVersion(version)
        .withKind(kind)
        .withPlural(plural)
        .withNamespaced(true)
        .build();
  }
}
