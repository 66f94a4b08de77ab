package io.canaryanalysis.examples.demo;

/**
 * The names the demo's objects and series are built from: the Canary (and its target Deployment),
 * its namespace, the service port and, for ingress-nginx, the Ingress named by {@code ingressRef}.
 */
record DemoTarget(String namespace, String name, String target, int port, String ingress) {

  String primary() {
    return target + "-primary";
  }

  String canaryService() {
    return target + "-canary";
  }
}
