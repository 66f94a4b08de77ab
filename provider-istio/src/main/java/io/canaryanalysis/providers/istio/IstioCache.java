package io.canaryanalysis.providers.istio;

import io.canaryanalysis.api.ProviderException;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Informer caches of VirtualServices and DestinationRules (one namespace or all), so the router
 * reads them from memory. An object the router wrote is served from the write's answer until the
 * watch delivers that version or a newer one (at most 30 s), so {@code getRoutes} right after
 * {@code setRoutes} returns the split just set.
 */
final class IstioCache implements AutoCloseable {
  private static final long OVERLAY_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final String namespace;
  private final SharedIndexInformer<GenericKubernetesResource> virtualServices;
  private final SharedIndexInformer<GenericKubernetesResource> destinationRules;
  private final Map<String, Written> written = new ConcurrentHashMap<>();

  private record Written(GenericKubernetesResource object, long at) {}

  IstioCache(KubernetesClient client, IstioObjects objects, String namespace, Duration resync,
      Duration syncTimeout) {
    this.namespace = namespace;
    this.virtualServices = informer(client, objects.virtualServices(), resync);
    this.destinationRules = informer(client, objects.destinationRules(), resync);
    virtualServices.addEventHandler(new Forget(IstioObjects.VIRTUAL_SERVICE));
    destinationRules.addEventHandler(new Forget(IstioObjects.DESTINATION_RULE));
    try {
      CompletableFuture.allOf(virtualServices.start().toCompletableFuture(),
          destinationRules.start().toCompletableFuture())
          .get(syncTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new ProviderException("interrupted while listing Istio objects", true, e);
    } catch (ExecutionException | TimeoutException e) {
      close();
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new ProviderException("listing VirtualServices and DestinationRules failed within "
          + syncTimeout + ": " + cause.getMessage() + " (is Istio's " + objects.apiVersion()
          + " API installed?)", true, cause);
    }
  }

  /** Drops the written copy once the watch delivers that version, a newer one, or a deletion. */
  private final class Forget implements ResourceEventHandler<GenericKubernetesResource> {
    private final String kind;

    Forget(String kind) {
      this.kind = kind;
    }

    private void seen(GenericKubernetesResource object, boolean deleted) {
      String key = kind + "/" + object.getMetadata().getNamespace() + "/" + object.getMetadata().getName();
      Written mine = written.get(key);
      if (mine != null && (deleted || !older(object, mine.object()))) {
        written.remove(key, mine);
      }
    }

    @Override
    public void onAdd(GenericKubernetesResource object) {
      seen(object, false);
    }

    @Override
    public void onUpdate(GenericKubernetesResource before, GenericKubernetesResource after) {
      seen(after, false);
    }

    @Override
    public void onDelete(GenericKubernetesResource object, boolean unknownFinalState) {
      seen(object, true);
    }
  }

  private SharedIndexInformer<GenericKubernetesResource> informer(KubernetesClient client,
      ResourceDefinitionContext context, Duration resync) {
    var operation = client.genericKubernetesResources(context);
    return namespace == null ? operation.inAnyNamespace().runnableInformer(resync.toMillis()).removeNamespaceIndex()
        : operation.inNamespace(namespace).runnableInformer(resync.toMillis()).removeNamespaceIndex();
  }

  boolean covers(String namespace) {
    return this.namespace == null || this.namespace.equals(namespace);
  }

  GenericKubernetesResource get(ResourceDefinitionContext context, String namespace, String name) {
    SharedIndexInformer<GenericKubernetesResource> informer =
        IstioObjects.VIRTUAL_SERVICE.equals(context.getKind()) ? virtualServices : destinationRules;
    String key = context.getKind() + "/" + namespace + "/" + name;
    GenericKubernetesResource cached = informer.getStore().getByKey(namespace + "/" + name);
    Written mine = written.get(key);
    if (mine == null) {
      return cached;
    }
    if (System.nanoTime() - mine.at() > OVERLAY_NANOS || (cached != null && !older(cached, mine.object()))) {
      written.remove(key, mine);
      return cached;
    }
    return mine.object();
  }

  void written(ResourceDefinitionContext context, GenericKubernetesResource object) {
    if (object != null && object.getMetadata() != null) {
      written.put(context.getKind() + "/" + object.getMetadata().getNamespace() + "/"
          + object.getMetadata().getName(), new Written(object, System.nanoTime()));
    }
  }

  private static boolean older(GenericKubernetesResource cached, GenericKubernetesResource mine) {
    String a = cached.getMetadata().getResourceVersion();
    String b = mine.getMetadata().getResourceVersion();
    if (a == null || b == null) {
      return false;
    }
    try {
      return Long.parseLong(a) < Long.parseLong(b);
    } catch (NumberFormatException e) {
      return !a.equals(b);
    }
  }

  @Override
  public void close() {
    virtualServices.stop();
    destinationRules.stop();
  }
}
