package io.canaryanalysis.kubernetes;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Canaries split across controller replicas on {@code coordination.k8s.io} Leases: a canary
 * belongs to shard {@code fnv1a(namespace/name) mod shards}, each shard is one Lease
 * {@code <prefix>-<n>}, and each replica also renews a member Lease {@code <prefix>-member-<identity>}
 * so every replica knows how many are alive. Each round (every retry period) a replica renews the
 * shards it holds, takes free or expired ones up to its fair share ({@code ceil(shards / members)})
 * and releases those above it, so shards spread evenly and move when a replica joins or stops.
 * Every write is an update guarded by the resourceVersion read, so two replicas never both win a
 * shard. A replica treats a shard as its own only until {@code renewDeadline} after its last
 * successful renewal, shorter than the lease duration others wait for: a replica that stops
 * renewing stops ticking before another may take over (the status compare-and-set backs this up).
 */
final class LeaseShards {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseShards.class);
  static final String SET_LABEL = "canary-analysis.io/shard-set";

  private final KubernetesClient client;
  private final String namespace;
  private final String prefix;
  private final int count;
  private final String identity;
  private final Duration leaseDuration;
  private final Duration renewDeadline;
  /** Per shard: until when (System.nanoTime) it is ours, or Long.MIN_VALUE. */
  private final long[] ownedUntil;
  private volatile boolean halted;

  LeaseShards(KubernetesClient client, String namespace, String prefix, int count, String identity,
      Duration leaseDuration, Duration renewDeadline) {
    this.client = client;
    this.namespace = namespace;
    this.prefix = prefix;
    this.count = count;
    this.identity = identity;
    this.leaseDuration = leaseDuration;
    this.renewDeadline = renewDeadline;
    this.ownedUntil = new long[count];
    java.util.Arrays.fill(ownedUntil, Long.MIN_VALUE);
  }

  /** The shard of the canary {@code namespace/name}. */
  int shardOf(String key) {
    int hash = 0x811c9dc5;
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
      hash ^= b & 0xff;
      hash *= 0x01000193;
    }
    return Math.floorMod(hash, count);
  }

  /** Whether this replica may tick the canary {@code namespace/name} now. */
  boolean owns(String key) {
    return !halted && isOwned(shardOf(key), System.nanoTime());
  }

  private synchronized boolean isOwned(int shard, long now) {
    return ownedUntil[shard] != Long.MIN_VALUE && now - ownedUntil[shard] < 0;
  }

  /** The shards this replica holds now. */
  synchronized Set<Integer> owned() {
    Set<Integer> out = new HashSet<>();
    long now = System.nanoTime();
    for (int i = 0; i < count; i++) {
      if (isOwned(i, now)) {
        out.add(i);
      }
    }
    return out;
  }

  /**
   * One round: renew the member lease, renew, take or release shards. Returns whether a shard was
   * gained (the caller then schedules its canaries).
   */
  boolean round() {
    if (halted) {
      return false;
    }
    Instant now = Instant.now();
    String memberName = prefix + "-member-" + dnsSafe(identity);
    List<Lease> leases = client.resources(Lease.class).inNamespace(namespace)
        .withLabel(SET_LABEL, prefix).list().getItems();
    Map<String, Lease> byName = new HashMap<>();
    for (Lease lease : leases) {
      byName.put(lease.getMetadata().getName(), lease);
    }
    write(byName.get(memberName), memberName, identity, now);
    int members = 1;
    for (Lease lease : leases) {
      String name = lease.getMetadata().getName();
      if (name.startsWith(prefix + "-member-") && !name.equals(memberName) && alive(lease, now)) {
        members++;
      }
    }
    int fair = (count + members - 1) / members;
    int held = 0;
    boolean gained = false;
    for (int shard = 0; shard < count; shard++) {
      Lease lease = byName.get(shardName(shard));
      boolean mine = lease != null && identity.equals(holder(lease)) && alive(lease, now);
      if (mine) {
        if (held < fair) {
          long before = System.nanoTime();
          if (write(lease, shardName(shard), identity, now)) {
            held++;
            setOwned(shard, before + renewDeadline.toNanos());
          } else {
            setOwned(shard, Long.MIN_VALUE);
          }
        } else {
          setOwned(shard, Long.MIN_VALUE);
          write(lease, shardName(shard), null, now);
          LOG.info("released shard {} ({} shards, {} replicas)", shardName(shard), count, members);
        }
      }
    }
    for (int shard = 0; shard < count && held < fair; shard++) {
      Lease lease = byName.get(shardName(shard));
      boolean free = lease == null || holder(lease) == null || !alive(lease, now);
      if (free) {
        long before = System.nanoTime();
        if (write(lease, shardName(shard), identity, now)) {
          held++;
          gained = true;
          setOwned(shard, before + renewDeadline.toNanos());
          LOG.info("acquired shard {} as {}", shardName(shard), identity);
        }
      } else if (!identity.equals(holder(lease))) {
        setOwned(shard, Long.MIN_VALUE);
      }
    }
    return gained;
  }

  private synchronized void setOwned(int shard, long until) {
    ownedUntil[shard] = until;
  }

  /** Gives up every shard and the membership (on close), so others take over at once. */
  void release() {
    halt();
    Instant now = Instant.now();
    try {
      for (Lease lease : client.resources(Lease.class).inNamespace(namespace)
          .withLabel(SET_LABEL, prefix).list().getItems()) {
        if (identity.equals(holder(lease))) {
          write(lease, lease.getMetadata().getName(), null, now);
        }
      }
    } catch (KubernetesClientException e) {
      LOG.info("could not release shards: {}", e.getMessage());
    }
  }

  /** Stops using and renewing shards without releasing them (as a replica that died). */
  void halt() {
    halted = true;
    synchronized (this) {
      java.util.Arrays.fill(ownedUntil, Long.MIN_VALUE);
    }
  }

  String shardName(int shard) {
    return prefix + "-" + shard;
  }

  private boolean alive(Lease lease, Instant now) {
    if (lease.getSpec() == null || lease.getSpec().getRenewTime() == null
        || lease.getSpec().getHolderIdentity() == null) {
      return false;
    }
    Integer seconds = lease.getSpec().getLeaseDurationSeconds();
    Instant renewed = lease.getSpec().getRenewTime().toInstant();
    return now.isBefore(renewed.plusSeconds(seconds == null ? leaseDuration.toSeconds() : seconds));
  }

  private static String holder(Lease lease) {
    return lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  /** Creates or updates the lease guarded by the resourceVersion read; false when another replica won. */
  private boolean write(Lease current, String name, String holder, Instant now) {
    ZonedDateTime renew = ZonedDateTime.ofInstant(now.truncatedTo(ChronoUnit.MICROS), java.time.ZoneOffset.UTC);
    try {
      if (current == null) {
        client.resource(new LeaseBuilder().withNewMetadata().withName(name).withNamespace(namespace)
            .withLabels(Map.of(SET_LABEL, prefix)).endMetadata()
            .withNewSpec().withHolderIdentity(holder)
            .withLeaseDurationSeconds((int) leaseDuration.toSeconds())
            .withAcquireTime(renew).withRenewTime(renew).endSpec().build()).create();
        return true;
      }
      Lease next = new LeaseBuilder(current).editSpec().withHolderIdentity(holder)
          .withLeaseDurationSeconds((int) leaseDuration.toSeconds())
          .withRenewTime(renew).endSpec().build();
      if (holder != null && !holder.equals(holder(current))) {
        next.getSpec().setAcquireTime(renew);
        Integer transitions = current.getSpec() == null ? null : current.getSpec().getLeaseTransitions();
        next.getSpec().setLeaseTransitions(transitions == null ? 1 : transitions + 1);
      }
      client.resource(next).update();
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == KubeCalls.CONFLICT || e.getCode() == KubeCalls.NOT_FOUND) {
        LOG.debug("lease {} taken by another replica (HTTP {})", name, e.getCode());
        return false;
      }
      throw KubeCalls.failure("lease " + KubeCalls.key(name, namespace), "write", e);
    }
  }

  static String dnsSafe(String identity) {
    String safe = identity.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "-");
    return safe.length() > 200 ? safe.substring(0, 200) : safe;
  }
}
