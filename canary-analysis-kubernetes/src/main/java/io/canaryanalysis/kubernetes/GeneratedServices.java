package io.canaryanalysis.kubernetes;

import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.CanaryService;
import io.canaryanalysis.api.spec.ObjectMetadata;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The three ClusterIP Services of flagger.md §5.2: {@code <svc>} and {@code <svc>-primary}
 * selecting the primary pods, {@code <svc>-canary} selecting the target's pods; headless
 * ({@code clusterIP: None}) when {@code spec.service.headless}, set at creation as Flagger does. Fields the API
 * server assigns (clusterIP, node ports, ipFamilies, ...) are kept on update; labels and
 * annotations are only managed on Services the Canary owns, as Flagger does.
 */
final class GeneratedServices {
  private static final Logger LOG = LoggerFactory.getLogger(GeneratedServices.class);
  /** Sidecar proxies whose ports port discovery leaves out, as Flagger does. */
  private static final Set<String> SIDECARS = Set.of("istio-proxy", "envoy");

  private final KubeCalls calls;

  GeneratedServices(KubeCalls calls) {
    this.calls = calls;
  }

  /** Creates or updates the three Services; {@code containers} are the target's, for port discovery. */
  void reconcile(Canary canary, String label, String labelValue, List<Container> containers) {
    reconcile(canary, label, labelValue, containers, Map.of());
  }

  /**
   * Creates or updates the three Services; {@code containers} and {@code templateLabels} are the
   * target's pod template's, for port discovery and for the apex selector of the replica-ratio
   * {@link KubernetesRouter}, which the apex's {@value KubernetesRouter#SPLIT_ANNOTATION} records.
   */
  void reconcile(Canary canary, String label, String labelValue, List<Container> containers,
      Map<String, String> templateLabels) {
    CanaryService service = canary.spec().service();
    String apex = canary.spec().serviceName();
    List<ServicePort> ports = ports(service, containers);
    String primaryValue = labelValue + "-primary";
    Map<String, String> primarySelector = Map.of(label, primaryValue);
    reconcile(canary, apex + "-canary", label, current -> Map.of(label, labelValue), ports, service.canary());
    reconcile(canary, apex + "-primary", label, current -> primarySelector, ports, service.primary());
    reconcile(canary, apex, label, current -> {
      ReplicaSplit split = current == null ? null : ReplicaSplit.of(current);
      return split == null ? primarySelector : split.apexSelector(label, labelValue, templateLabels);
    }, ports, service.apex());
  }

  private void reconcile(Canary canary, String name, String label,
      java.util.function.Function<Service, Map<String, String>> selectorOf,
      List<ServicePort> ports, ObjectMetadata metadata) {
    Map<String, String> labels = new LinkedHashMap<>(metadata.labels());
    labels.put(label, name);
    Map<String, String> declared = metadata.annotations();
    calls.createOrUpdate(Service.class, canary.namespace(), name,
        "service " + KubeCalls.key(name, canary.namespace()),
        () -> {
          Map<String, String> selector = selectorOf.apply(null);
          Map<String, String> annotations = declared;
          List<OwnerReference> owners = KubeCalls.owners(null, canary);
          return new ServiceBuilder()
              .withMetadata(new ObjectMetaBuilder()
                  .withName(name)
                  .withNamespace(canary.namespace())
                  .withLabels(labels)
                  .withAnnotations(ConfigTracker.nullIfEmpty(annotations))
                  .withOwnerReferences(owners.isEmpty() ? null : owners)
                  .build())
              .withNewSpec()
              .withType("ClusterIP")
              .withClusterIP(canary.spec().service().headless() ? "None" : null)
              .withSelector(selector)
              .withPorts(ports)
              .endSpec()
              .build();
        },
        current -> {
          boolean headless = "None".equals(current.getSpec().getClusterIP());
          if (headless != canary.spec().service().headless()) {
            LOG.warn("service {} is {}headless but spec.service.headless is {}: clusterIP cannot change "
                + "in place; delete the Service and it is recreated as the spec says",
                KubeCalls.key(name, canary.namespace()), headless ? "" : "not ",
                canary.spec().service().headless());
          }
          Map<String, String> selector = selectorOf.apply(current);
          Map<String, String> annotations = new LinkedHashMap<>(declared);
          String split = ConfigTracker.orEmpty(current.getMetadata().getAnnotations())
              .get(KubernetesRouter.SPLIT_ANNOTATION);
          if (split != null) {
            annotations.put(KubernetesRouter.SPLIT_ANNOTATION, split);
          }
          boolean changed = false;
          List<ServicePort> desiredPorts = keepNodePorts(ports, current.getSpec().getPorts());
          if (!sameItems(desiredPorts, current.getSpec().getPorts())) {
            current.getSpec().setPorts(desiredPorts);
            changed = true;
          }
          if (!selector.equals(ConfigTracker.orEmpty(current.getSpec().getSelector()))) {
            current.getSpec().setSelector(selector);
            changed = true;
          }
          if (ownedBy(current, canary)) {
            if (!labels.equals(ConfigTracker.orEmpty(current.getMetadata().getLabels()))) {
              current.getMetadata().setLabels(labels);
              changed = true;
            }
            if (!annotations.equals(ConfigTracker.orEmpty(current.getMetadata().getAnnotations()))) {
              current.getMetadata().setAnnotations(ConfigTracker.nullIfEmpty(annotations));
              changed = true;
            }
          }
          return changed;
        });
  }

  /**
   * Flagger's {@code kubeRouter.Finalize}: points the apex Service at the target's own pods
   * ({@code <label>: <value>}) and drops the Canary's owner reference, so the Service outlives the
   * Canary and keeps serving when the primary is garbage collected. Returns whether a write
   * happened; a missing apex Service is left missing.
   */
  boolean revertApex(Canary canary, String label, String labelValue) {
    String apex = canary.spec().serviceName();
    String what = "service " + KubeCalls.key(apex, canary.namespace());
    if (calls.get(Service.class, canary.namespace(), apex, what) == null) {
      LOG.info("{} does not exist; nothing to revert for canary {}", what, canary.key());
      return false;
    }
    Map<String, String> selector = Map.of(label, labelValue);
    return calls.update(Service.class, canary.namespace(), apex, what, current -> {
      boolean changed = false;
      if (!selector.equals(ConfigTracker.orEmpty(current.getSpec().getSelector()))) {
        current.getSpec().setSelector(selector);
        changed = true;
      }
      List<OwnerReference> owners = ConfigTracker.orEmptyList(current.getMetadata().getOwnerReferences());
      List<OwnerReference> kept = new ArrayList<>();
      for (OwnerReference owner : owners) {
        if (!isCanaryOwner(owner, canary)) {
          kept.add(owner);
        }
      }
      if (kept.size() != owners.size()) {
        current.getMetadata().setOwnerReferences(kept.isEmpty() ? null : kept);
        changed = true;
      }
      return changed;
    });
  }

  private static boolean isCanaryOwner(OwnerReference owner, Canary canary) {
    return Canary.KIND.equals(owner.getKind()) && canary.name().equals(owner.getName())
        && owner.getApiVersion() != null && owner.getApiVersion().startsWith(FlaggerKinds.GROUP + "/");
  }

  /** The Canary is the controller owner of the Service (Flagger manages metadata only then). */
  private static boolean ownedBy(Service service, Canary canary) {
    for (OwnerReference owner : ConfigTracker.orEmptyList(service.getMetadata().getOwnerReferences())) {
      if (Boolean.TRUE.equals(owner.getController()) && Canary.KIND.equals(owner.getKind())
          && canary.name().equals(owner.getName())) {
        return true;
      }
    }
    return false;
  }

  static List<ServicePort> ports(CanaryService service, List<Container> containers) {
    List<ServicePort> ports = new ArrayList<>();
    IntOrString targetPort = targetPort(service);
    ports.add(new ServicePortBuilder()
        .withName(service.portName())
        .withProtocol("TCP")
        .withPort(service.port())
        .withTargetPort(targetPort)
        .withAppProtocol(service.appProtocol())
        .build());
    if (service.portDiscovery()) {
      Map<String, Integer> discovered = new TreeMap<>();
      for (Container container : ConfigTracker.orEmptyList(containers)) {
        if (SIDECARS.contains(container.getName())) {
          continue;
        }
        List<ContainerPort> containerPorts = ConfigTracker.orEmptyList(container.getPorts());
        for (int i = 0; i < containerPorts.size(); i++) {
          ContainerPort p = containerPorts.get(i);
          if (isServicePort(p, targetPort)) {
            continue;
          }
          String name = p.getName() == null || p.getName().isEmpty()
              ? "tcp-" + container.getName() + "-" + i : p.getName();
          discovered.put(name, p.getContainerPort());
        }
      }
      discovered.forEach((name, port) -> ports.add(new ServicePortBuilder()
          .withName(name).withProtocol("TCP").withPort(port)
          .withTargetPort(new IntOrString(port)).build()));
    }
    return ports;
  }

  private static boolean isServicePort(ContainerPort p, IntOrString targetPort) {
    if (targetPort.getIntVal() != null) {
      return Objects.equals(p.getContainerPort(), targetPort.getIntVal());
    }
    return Objects.equals(p.getName(), targetPort.getStrVal());
  }

  private static IntOrString targetPort(CanaryService service) {
    String target = service.targetPort();
    if (target == null) {
      return new IntOrString(service.port());
    }
    try {
      return new IntOrString(Integer.parseInt(target));
    } catch (NumberFormatException e) {
      return new IntOrString(target);
    }
  }

  /** The desired ports with the node ports the server assigned to same-named existing ports. */
  private static List<ServicePort> keepNodePorts(List<ServicePort> desired, List<ServicePort> current) {
    List<ServicePort> result = new ArrayList<>();
    for (ServicePort port : desired) {
      ServicePort copy = new ServicePortBuilder(port).build();
      for (ServicePort existing : ConfigTracker.orEmptyList(current)) {
        if (Objects.equals(existing.getName(), port.getName()) && existing.getNodePort() != null
            && existing.getNodePort() > 0) {
          copy.setNodePort(existing.getNodePort());
        }
      }
      result.add(copy);
    }
    return result;
  }

  private static boolean sameItems(List<ServicePort> a, List<ServicePort> b) {
    List<ServicePort> left = new ArrayList<>(a);
    List<ServicePort> right = new ArrayList<>(ConfigTracker.orEmptyList(b));
    Comparator<ServicePort> byPort = Comparator.comparing(p -> p.getPort() == null ? 0 : p.getPort());
    left.sort(byPort.thenComparing(p -> String.valueOf(p.getName())));
    right.sort(byPort.thenComparing(p -> String.valueOf(p.getName())));
    return left.equals(right);
  }
}
