package io.canaryanalysis.core;

import io.canaryanalysis.api.Redaction;
import io.canaryanalysis.api.status.Incident;
import io.canaryanalysis.api.status.IncidentKind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Failures outside the analysis (fluxcd/flagger#1663, #1816) as incidents kept in the status, one
 * per {@link IncidentKind}: a failure seen again at least {@code alertAfter} after it started is
 * alerted once, re-alerted every {@code remindEvery} while it is still seen, and a recovery is
 * announced once when a tick sees the kind healthy. Pure: the shell records what one tick saw and
 * persists the result before it sends anything, so a restart neither re-sends nor forgets.
 */
final class Incidents {
  /** Longest message kept in the status. */
  static final int MAX_MESSAGE = 512;

  // Allocated on the first failure: a healthy tick (the hot path) only sets bits.
  private Map<IncidentKind, String> failed = Map.of();
  private Map<IncidentKind, Instant> startedAt = Map.of();
  private int healthy;

  /** What to say: the alert's text and whether it opens (or reminds of) an incident or closes one. */
  record Notice(IncidentKind kind, String message, boolean recovered) {}

  /** The incidents to persist and what to announce once they are persisted. */
  record Update(List<Incident> incidents, List<Notice> notices) {}

  /** {@code kind} failed this tick; the first failure of a kind in a tick is kept. */
  void failed(IncidentKind kind, String detail) {
    if (!failed.containsKey(kind)) {
      writable().put(kind, lead(kind, detail));
    }
  }

  private Map<IncidentKind, String> writable() {
    if (failed.isEmpty()) {
      failed = new EnumMap<>(IncidentKind.class);
      startedAt = new EnumMap<>(IncidentKind.class);
    }
    return failed;
  }

  /** {@code kind} failed this tick, and has been failing since {@code since} (a wait that began earlier). */
  void failed(IncidentKind kind, String detail, Instant since) {
    if (!failed.containsKey(kind)) {
      writable().put(kind, lead(kind, detail));
      startedAt.put(kind, since);
    }
  }

  /** {@code kind} worked this tick (a failure of the same kind in the same tick wins). */
  void healthy(IncidentKind kind) {
    healthy |= 1 << kind.ordinal();
  }

  private boolean isHealthy(IncidentKind kind) {
    return (healthy & (1 << kind.ordinal())) != 0;
  }

  boolean anyFailed(IncidentKind kind) {
    return failed.containsKey(kind);
  }

  /** Nothing to change for {@code stored}: no failure seen and no open incident. */
  boolean nothingFor(List<Incident> stored) {
    return failed.isEmpty() && stored.isEmpty();
  }

  Update update(List<Incident> stored, Instant now, Duration alertAfter, Duration remindEvery) {
    List<Incident> next = new ArrayList<>(stored.size() + failed.size());
    List<Notice> notices = new ArrayList<>(2);
    Set<IncidentKind> seen = EnumSet.noneOf(IncidentKind.class);
    for (Incident open : stored) {
      seen.add(open.kind());
      String message = failed.get(open.kind());
      if (message != null) {
        next.add(stillFailing(open, message, now, alertAfter, remindEvery, notices));
      } else if (isHealthy(open.kind())) {
        if (open.alerted()) {
          notices.add(new Notice(open.kind(), recovered(open.kind(), Duration.between(open.since(), now)), true));
        }
      } else {
        next.add(open);
      }
    }
    for (Map.Entry<IncidentKind, String> e : failed.entrySet()) {
      if (seen.contains(e.getKey())) {
        continue;
      }
      Instant since = startedAt.getOrDefault(e.getKey(), now);
      Incident opened = new Incident(e.getKey(), e.getValue(), since.isAfter(now) ? now : since, null);
      next.add(stillFailing(opened, e.getValue(), now, alertAfter, remindEvery, notices));
    }
    next.sort(java.util.Comparator.comparing(Incident::kind));
    return new Update(List.copyOf(next), List.copyOf(notices));
  }

  private static Incident stillFailing(Incident open, String message, Instant now, Duration alertAfter,
      Duration remindEvery, List<Notice> notices) {
    if (!open.alerted()) {
      if (Duration.between(open.since(), now).compareTo(alertAfter) < 0) {
        return open;
      }
      notices.add(new Notice(open.kind(), message, false));
      return new Incident(open.kind(), message, open.since(), now);
    }
    if (remindEvery.isZero() || Duration.between(open.alertedAt(), now).compareTo(remindEvery) < 0) {
      return open;
    }
    String reminder = message + " (failing for " + GoFormat.duration(Duration.between(open.since(), now).toNanos()) + ")";
    notices.add(new Notice(open.kind(), reminder, false));
    return new Incident(open.kind(), message, open.since(), now);
  }

  /** The alert text of a failure of {@code kind}, in Flagger's style ({@code Promotion failed, primary not ready: ...}). */
  static String lead(IncidentKind kind, String detail) {
    String text;
    switch (kind) {
      case SPEC:
        text = "Canary spec is invalid: " + detail;
        break;
      case INITIALIZATION:
        text = "Initialization failed, " + detail;
        break;
      case WORKLOAD:
        text = "Workload calls failed, " + detail;
        break;
      case ROUTER:
        text = "Traffic routing failed, " + detail;
        break;
      default:
        text = "Metric provider failed, " + detail;
        break;
    }
    return Redaction.excerpt(text, MAX_MESSAGE);
  }

  static String recovered(IncidentKind kind, Duration after) {
    String took = GoFormat.duration(Math.max(0, after.toNanos()) / 1_000_000_000L * 1_000_000_000L);
    switch (kind) {
      case SPEC:
        return "Canary spec is valid again after " + took + ".";
      case INITIALIZATION:
        return "Initialization recovered after " + took + ".";
      case WORKLOAD:
        return "Workload calls recovered after " + took + ".";
      case ROUTER:
        return "Traffic routing recovered after " + took + ".";
      default:
        return "Metric provider recovered after " + took + ".";
    }
  }
}
