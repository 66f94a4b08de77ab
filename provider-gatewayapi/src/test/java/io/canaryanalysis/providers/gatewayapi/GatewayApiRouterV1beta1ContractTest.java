package io.canaryanalysis.providers.gatewayapi;

/** The shared router contract with {@code v1beta1} HTTPRoutes (Flagger's {@code gatewayapi:v1beta1}). */
class GatewayApiRouterV1beta1ContractTest extends GatewayApiRouterContractTest {
  @Override
  String version() {
    return "v1beta1";
  }
}
