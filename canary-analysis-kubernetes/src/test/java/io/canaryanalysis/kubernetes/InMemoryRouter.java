package io.canaryanalysis.kubernetes;

import io.canaryanalysis.api.RouterCapabilities;
import io.canaryanalysis.api.TrafficRouter;
import io.canaryanalysis.api.TrafficSplit;
import io.canaryanalysis.api.spec.Canary;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A weights-only router that keeps the split in memory and records every change and finalization. */
final class InMemoryRouter implements TrafficRouter {
  final Map<String, TrafficSplit> splits = new ConcurrentHashMap<>();
  final List<TrafficSplit> history = new ArrayList<>();
  final List<String> finalized = new CopyOnWriteArrayList<>();

  @Override
  public String kind() {
    return "traefik";
  }

  @Override
  public RouterCapabilities capabilities() {
    return RouterCapabilities.WEIGHTS_ONLY;
  }

  @Override
  public void reconcile(Canary canary) {
    splits.putIfAbsent(canary.key(), TrafficSplit.ALL_PRIMARY);
  }

  @Override
  public synchronized void setRoutes(Canary canary, TrafficSplit split) {
    splits.put(canary.key(), split);
    history.add(split);
  }

  @Override
  public TrafficSplit getRoutes(Canary canary) {
    return splits.getOrDefault(canary.key(), TrafficSplit.ALL_PRIMARY);
  }

  @Override
  public void finalizeRoutes(Canary canary) {
    finalized.add(canary.key());
    splits.put(canary.key(), TrafficSplit.ALL_PRIMARY);
  }
}
