package io.canaryanalysis.api;

import io.canaryanalysis.api.spec.Canary;
import java.util.List;

/**
 * Owns the routing objects of one mesh or ingress kind (TraefikService, VirtualService, canary
 * Ingress) and moves traffic between {@code <service>-primary} and {@code <service>-canary}.
 *
 * <p>The persisted status is the source of truth for the split: every tick first converges the
 * routing objects to it with {@link #setRoutes}, so a write lost to a crash or a failure is
 * repeated. Calls may throw {@link ProviderException}; the engine reports it and retries on the
 * next tick.
 */
public interface TrafficRouter {

  /**
   * The {@code spec.provider} value this router serves ({@code traefik}, {@code istio},
   * {@code nginx}, ...); the engine registers it under this name.
   */
  String kind();

  /** Other {@code spec.provider} values this router also serves (Flagger spells some two ways). Default: none. */
  default java.util.Set<String> aliases() {
    return java.util.Set.of();
  }

  /** What this router can express; validation rejects specs that need more. */
  RouterCapabilities capabilities();

  /**
   * Router-specific checks beyond {@link #capabilities()}, for example a match ingress-nginx
   * cannot express. Paths are full manifest paths, for example
   * {@code spec.analysis.match[0].headers}. Default: none.
   */
  default List<SpecProblem> validate(Canary canary) {
    return List.of();
  }

  /**
   * Creates or updates the routing objects so they match the spec. Must be idempotent and must
   * keep the current split: a change to labels, ports or annotations never resets weights.
   * A newly created object routes all traffic to the primary.
   */
  void reconcile(Canary canary);

  /**
   * Applies a split. Writes only when the objects differ from it. Idempotent: the engine calls it
   * at the start of every tick with the split the persisted status asks for.
   */
  void setRoutes(Canary canary, TrafficSplit split);

  /**
   * How the router realises {@code split} when its weights are approximate, for example
   * {@code 3 primary / 1 canary pods} for the replica-ratio {@code kubernetes} router. The engine
   * calls it before each status write with the split the status asks for (it becomes
   * {@code status.effectiveSplit}) and after {@link #setRoutes} for the {@code Advance} event, so it
   * must describe what {@code setRoutes} achieves for that split in the current world, whether or
   * not it ran yet. Null (the default) when the router applies weights exactly.
   */
  default String describeSplit(Canary canary, TrafficSplit split) {
    return null;
  }

  /** Reads the split the routing objects currently apply. */
  TrafficSplit getRoutes(Canary canary);

  /**
   * Undoes the takeover when the canary is deleted with {@code revertOnDeletion}: all traffic to
   * the primary, and user objects restored where the router changed them (Istio).
   */
  void finalizeRoutes(Canary canary);
}
