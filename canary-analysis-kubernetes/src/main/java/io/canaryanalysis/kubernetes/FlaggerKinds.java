package io.canaryanalysis.kubernetes;

import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

/** Flagger's custom resources, addressed as generic objects (no model classes, no lost fields). */
final class FlaggerKinds {
  static final String GROUP = "flagger.app";
  static final String VERSION = "v1beta1";

  static final ResourceDefinitionContext CANARY = new ResourceDefinitionContext.Builder()
      .withGroup(GROUP).withVersion(VERSION).withKind("Canary").withPlural("canaries")
      .withNamespaced(true).build();

  static final ResourceDefinitionContext METRIC_TEMPLATE = new ResourceDefinitionContext.Builder()
      .withGroup(GROUP).withVersion(VERSION).withKind("MetricTemplate").withPlural("metrictemplates")
      .withNamespaced(true).build();

  static final ResourceDefinitionContext ALERT_PROVIDER = new ResourceDefinitionContext.Builder()
      .withGroup(GROUP).withVersion(VERSION).withKind("AlertProvider").withPlural("alertproviders")
      .withNamespaced(true).build();

  private FlaggerKinds() {}
}
