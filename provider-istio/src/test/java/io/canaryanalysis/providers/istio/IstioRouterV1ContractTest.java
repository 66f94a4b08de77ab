package io.canaryanalysis.providers.istio;

import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;

/** The shared router contract with the router configured for Istio's {@code networking.istio.io/v1}. */
@EnableKubernetesMockClient(crud = true)
class IstioRouterV1ContractTest extends IstioRouterContractTest {
  @Override
  String version() {
    return "v1";
  }
}
