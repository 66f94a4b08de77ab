package io.canaryanalysis.providers.nginx;

/**
 * The shared router contract with every option on: a custom weight total (weights out of 1000)
 * and a preview host, whose Ingress counts among the router's objects.
 */
class NginxRouterPreviewContractTest extends NginxRouterContractTest {
  @Override
  NginxRouter.Builder configure(NginxRouter.Builder builder) {
    return builder.canaryWeightTotal(1000).previewHost("canary.preview.example.com");
  }

  @Override
  String[] ownedIngresses() {
    return new String[] {"podinfo-canary", "podinfo-preview"};
  }
}
