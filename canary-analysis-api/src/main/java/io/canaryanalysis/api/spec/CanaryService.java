package io.canaryanalysis.api.spec;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code spec.service}: the Services and routing objects generated for the canary. The Istio
 * route settings ({@code rewrite}, {@code retries}, {@code headers}, {@code corsPolicy},
 * {@code trafficPolicy}) are kept as JSON-like trees (maps, lists, strings, numbers, booleans) and
 * copied through unchanged.
 *
 * @param name apex service name; null means the target's name (see {@link CanarySpec#serviceName()})
 * @param port the ClusterIP port (required)
 * @param portName default {@code http}
 * @param targetPort a port number or name; null means {@code port}
 * @param gatewayRefs the Gateway API parents the generated HTTPRoute attaches to; never null
 * @param backendTimeout the Gateway API backend request timeout, or null
 */
public record CanaryService(
    String name,
    int port,
    String portName,
    String targetPort,
    String appProtocol,
    boolean portDiscovery,
    boolean headless,
    List<String> hosts,
    List<String> gateways,
    List<GatewayRef> gatewayRefs,
    String backendTimeout,
    List<HttpMatch> match,
    Map<String, Object> rewrite,
    String timeout,
    Map<String, Object> retries,
    Map<String, Object> headers,
    Map<String, Object> corsPolicy,
    Map<String, Object> trafficPolicy,
    ObjectMetadata apex,
    ObjectMetadata primary,
    ObjectMetadata canary) {

  public CanaryService {
    name = Specs.blankToNull(name);
    portName = portName == null || portName.isBlank() ? "http" : portName;
    targetPort = Specs.blankToNull(targetPort);
    appProtocol = Specs.blankToNull(appProtocol);
    hosts = Specs.list(hosts);
    gateways = Specs.list(gateways);
    gatewayRefs = Specs.list(gatewayRefs);
    backendTimeout = Specs.blankToNull(backendTimeout);
    match = Specs.list(match);
    rewrite = Specs.map(rewrite);
    timeout = Specs.blankToNull(timeout);
    retries = Specs.map(retries);
    headers = Specs.map(headers);
    corsPolicy = Specs.map(corsPolicy);
    trafficPolicy = Specs.map(trafficPolicy);
    apex = apex == null ? ObjectMetadata.EMPTY : apex;
    primary = primary == null ? ObjectMetadata.EMPTY : primary;
    canary = canary == null ? ObjectMetadata.EMPTY : canary;
  }

  /** A service with only a port, everything else defaulted. */
  public static CanaryService ofPort(int port) {
    return builder().port(port).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.name = name;
    b.port = port;
    b.portName = portName;
    b.targetPort = targetPort;
    b.appProtocol = appProtocol;
    b.portDiscovery = portDiscovery;
    b.headless = headless;
    b.hosts = hosts;
    b.gateways = gateways;
    b.gatewayRefs = gatewayRefs;
    b.backendTimeout = backendTimeout;
    b.match = match;
    b.rewrite = rewrite;
    b.timeout = timeout;
    b.retries = retries;
    b.headers = headers;
    b.corsPolicy = corsPolicy;
    b.trafficPolicy = trafficPolicy;
    b.apex = apex;
    b.primary = primary;
    b.canary = canary;
    return b;
  }

  /** Builds a {@link CanaryService}. */
  public static final class Builder {
    private String name;
    private int port;
    private String portName;
    private String targetPort;
    private String appProtocol;
    private boolean portDiscovery;
    private boolean headless;
    private List<String> hosts = List.of();
    private List<String> gateways = List.of();
    private List<GatewayRef> gatewayRefs = List.of();
    private String backendTimeout;
    private List<HttpMatch> match = List.of();
    private Map<String, Object> rewrite = Map.of();
    private String timeout;
    private Map<String, Object> retries = Map.of();
    private Map<String, Object> headers = Map.of();
    private Map<String, Object> corsPolicy = Map.of();
    private Map<String, Object> trafficPolicy = Map.of();
    private ObjectMetadata apex = ObjectMetadata.EMPTY;
    private ObjectMetadata primary = ObjectMetadata.EMPTY;
    private ObjectMetadata canary = ObjectMetadata.EMPTY;

    private Builder() {}

    public Builder name(String name) {
      this.name = name;
      return this;
    }

    public Builder port(int port) {
      this.port = port;
      return this;
    }

    public Builder portName(String portName) {
      this.portName = portName;
      return this;
    }

    public Builder targetPort(String targetPort) {
      this.targetPort = targetPort;
      return this;
    }

    public Builder appProtocol(String appProtocol) {
      this.appProtocol = appProtocol;
      return this;
    }

    public Builder portDiscovery(boolean portDiscovery) {
      this.portDiscovery = portDiscovery;
      return this;
    }

    public Builder headless(boolean headless) {
      this.headless = headless;
      return this;
    }

    public Builder hosts(List<String> hosts) {
      this.hosts = hosts;
      return this;
    }

    public Builder gateways(List<String> gateways) {
      this.gateways = gateways;
      return this;
    }

    public Builder gatewayRefs(List<GatewayRef> gatewayRefs) {
      this.gatewayRefs = gatewayRefs;
      return this;
    }

    public Builder backendTimeout(String backendTimeout) {
      this.backendTimeout = backendTimeout;
      return this;
    }

    public Builder match(List<HttpMatch> match) {
      this.match = match;
      return this;
    }

    public Builder rewrite(Map<String, Object> rewrite) {
      this.rewrite = rewrite;
      return this;
    }

    public Builder timeout(String timeout) {
      this.timeout = timeout;
      return this;
    }

    public Builder retries(Map<String, Object> retries) {
      this.retries = retries;
      return this;
    }

    public Builder headers(Map<String, Object> headers) {
      this.headers = headers;
      return this;
    }

    public Builder corsPolicy(Map<String, Object> corsPolicy) {
      this.corsPolicy = corsPolicy;
      return this;
    }

    public Builder trafficPolicy(Map<String, Object> trafficPolicy) {
      this.trafficPolicy = trafficPolicy;
      return this;
    }

    public Builder apex(ObjectMetadata apex) {
      this.apex = Objects.requireNonNull(apex, "apex");
      return this;
    }

    public Builder primary(ObjectMetadata primary) {
      this.primary = Objects.requireNonNull(primary, "primary");
      return this;
    }

    public Builder canary(ObjectMetadata canary) {
      this.canary = Objects.requireNonNull(canary, "canary");
      return this;
    }

    public CanaryService build() {
      return new CanaryService(name, port, portName, targetPort, appProtocol, portDiscovery,
          headless, hosts, gateways, gatewayRefs, backendTimeout, match, rewrite, timeout, retries, headers, corsPolicy,
          trafficPolicy, apex, primary, canary);
    }
  }
}
