package io.canaryanalysis.manifest;

import io.canaryanalysis.api.spec.Analysis;
import io.canaryanalysis.api.status.CanaryPhase;
import io.canaryanalysis.api.status.CapacityWait;
import io.canaryanalysis.api.status.CheckStatus;
import io.canaryanalysis.api.status.JudgeStatus;
import io.canaryanalysis.api.status.JudgeStep;
import io.canaryanalysis.api.status.LatencyEvidence;
import io.canaryanalysis.api.status.LatencyStep;
import io.canaryanalysis.api.status.Measurement;
import io.canaryanalysis.api.status.OutcomeClass;
import io.canaryanalysis.api.status.CanaryStatus;
import io.canaryanalysis.api.status.CheckKind;
import io.canaryanalysis.api.status.ConditionStatus;
import io.canaryanalysis.api.status.FailureReason;
import io.canaryanalysis.api.status.Incident;
import io.canaryanalysis.api.status.IncidentKind;
import io.canaryanalysis.api.status.StatusCondition;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads {@code status} of a stored Canary: Flagger's fields plus this project's extensions
 * ({@code lastFailure}, {@code lastAnalysisTime}, {@code notReadySince}, {@code preRolloutPassed},
 * {@code mirrored}, {@code pendingPostRollout}, {@code decision}, {@code checks},
 * {@code capacityWait}, {@code effectiveSplit}).
 */
final class StatusReader {
  /** Flagger status fields the model does not keep: reported as notices, not errors, so stored canaries load. */
  static final List<String> FLAGGER_FIELDS_NOT_KEPT =
      List.of("sessionAffinityCookie", "previousSessionAffinityCookie", "primarySessionAffinityCookie");

  private StatusReader() {}

  static CanaryStatus read(Fields s) {
    CanaryStatus.Builder b = CanaryStatus.builder();
    String phaseText = s.string("phase");
    if (phaseText != null) {
      CanaryPhase phase = CanaryPhase.fromFlaggerName(phaseText).orElse(null);
      if (phase == null) {
        s.error("phase", "unknown phase; expected one of "
            + Arrays.stream(CanaryPhase.values()).map(CanaryPhase::flaggerName).collect(Collectors.joining(", ")));
      } else {
        b.phase(phase);
      }
    }
    b.canaryWeight(s.integer("canaryWeight", 0));
    b.failedChecks(s.integer("failedChecks", 0));
    b.iterations(s.integer("iterations", 0));
    b.lastAppliedSpec(s.string("lastAppliedSpec"));
    b.lastPromotedSpec(s.string("lastPromotedSpec"));
    b.trackedConfigs(s.stringMap("trackedConfigs"));
    b.lastTransitionTime(s.timestamp("lastTransitionTime"));
    List<StatusCondition> conditions = new ArrayList<>();
    for (Fields c : s.objects("conditions")) {
      StatusCondition condition = condition(c);
      if (condition != null) {
        conditions.add(condition);
      }
    }
    b.conditions(conditions);
    Fields failure = s.object("lastFailure");
    if (failure != null) {
      b.lastFailure(failure(failure));
    }
    b.lastAnalysisTime(s.timestamp("lastAnalysisTime"));
    b.notReadySince(s.timestamp("notReadySince"));
    b.preRolloutPassed(s.bool("preRolloutPassed"));
    b.mirrored(s.bool("mirrored"));
    String pending = s.string("pendingPostRollout");
    if (pending != null) {
      CanaryPhase phase = CanaryPhase.fromFlaggerName(pending).orElse(null);
      if (phase == null) {
        s.error("pendingPostRollout", "unknown phase \"" + pending + "\"");
      } else {
        b.pendingPostRollout(phase);
      }
    }
    b.decision(s.integer("decision", 0));
    List<CheckStatus> checks = new ArrayList<>();
    for (Fields c : s.objects("checks")) {
      CheckStatus check = check(c);
      if (check != null) {
        checks.add(check);
      }
    }
    b.checks(checks);
    Fields wait = s.object("capacityWait");
    if (wait != null) {
      b.capacityWait(capacityWait(wait));
    }
    b.effectiveSplit(s.string("effectiveSplit"));
    List<Incident> incidents = new ArrayList<>();
    java.util.Set<IncidentKind> kinds = java.util.EnumSet.noneOf(IncidentKind.class);
    List<Fields> incidentFields = s.objects("incidents");
    for (int i = 0; i < incidentFields.size(); i++) {
      Incident incident = incident(incidentFields.get(i));
      if (incident != null && !kinds.add(incident.kind())) {
        incidentFields.get(i).error("kind", "duplicate incident kind " + incident.kind().manifestValue());
      } else if (incident != null) {
        incidents.add(incident);
      }
    }
    b.incidents(incidents);
    for (String field : FLAGGER_FIELDS_NOT_KEPT) {
      if (s.take(field) != null) {
        s.problems().notice(s.pathOf(field), "not kept by canary-analysis; ignored");
      }
    }
    s.finish();
    return b.build();
  }

  private static Incident incident(Fields i) {
    IncidentKind kind = null;
    if (i.has("kind")) {
      kind = i.choice("kind", IncidentKind.values(), IncidentKind::manifestValue, null);
    } else {
      i.take("kind");
      i.required("kind");
    }
    String message = i.string("message");
    boolean hasSince = i.has("since");
    var since = i.timestamp("since");
    if (!hasSince) {
      i.required("since");
    }
    var alertedAt = i.timestamp("alertedAt");
    i.finish();
    return kind == null || since == null ? null
        : new Incident(kind, message == null ? "" : message, since, alertedAt);
  }

  private static CheckStatus check(Fields c) {
    String name = c.requiredString("name");
    int errors = c.integer("consecutiveErrors", 0);
    if (errors < 0) {
      c.error("consecutiveErrors", "must not be negative");
    }
    List<Measurement> measurements = new ArrayList<>();
    for (Fields m : c.objects("measurements")) {
      var time = m.timestamp("time");
      OutcomeClass outcome = null;
      if (m.has("outcome")) {
        outcome = m.choice("outcome", OutcomeClass.values(), OutcomeClass::manifestValue, null);
      } else {
        m.take("outcome");
        m.required("outcome");
      }
      Double value = m.number("value");
      String bound = m.string("bound");
      m.finish();
      if (outcome != null) {
        measurements.add(new Measurement(time, outcome, value, bound));
      }
    }
    if (measurements.size() > Analysis.MAX_MEASUREMENT_RETENTION) {
      c.error("measurements", "at most " + Analysis.MAX_MEASUREMENT_RETENTION + " are kept");
    }
    JudgeStatus judge = null;
    Fields j = c.object("judge");
    if (j != null) {
      Double eValue = j.number("eValue");
      Double rateRatio = j.number("rateRatio");
      Double lower = j.number("ratioLower");
      Double upper = j.number("ratioUpper");
      List<JudgeStep> steps = new ArrayList<>();
      for (Fields st : j.objects("steps")) {
        int weight = st.integer("weight", 0);
        if (weight < 0 || weight > 100) {
          st.error("weight", "must be between 0 and 100");
        }
        steps.add(new JudgeStep(weight, count(st, "canaryErrors"), count(st, "primaryErrors"),
            count(st, "canaryRequests"), count(st, "primaryRequests")));
        st.finish();
      }
      LatencyEvidence latency = null;
      Fields lat = j.object("latency");
      if (lat != null) {
        latency = latency(lat);
      }
      j.finish();
      judge = new JudgeStatus(steps, eValue == null ? 1.0 : eValue, rateRatio, lower, upper, latency);
    }
    c.finish();
    return name == null ? null : new CheckStatus(name, Math.max(0, errors), measurements, judge);
  }

  private static CapacityWait capacityWait(Fields w) {
    CapacityWait.Move move = null;
    if (w.has("move")) {
      move = w.choice("move", CapacityWait.Move.values(), CapacityWait.Move::manifestValue, null);
    } else {
      w.take("move");
      w.required("move");
    }
    boolean hasSince = w.has("since");
    var since = w.timestamp("since");
    if (!hasSince) {
      w.required("since");
    }
    int ready = w.integer("readyReplicas", 0);
    int needed = w.integer("neededReplicas", 0);
    if (ready < 0) {
      w.error("readyReplicas", "must not be negative");
    }
    if (needed < 0) {
      w.error("neededReplicas", "must not be negative");
    }
    String message = w.string("message");
    w.finish();
    if (move == null || since == null) {
      return null;
    }
    return new CapacityWait(move, since, Math.max(0, ready), Math.max(0, needed), message);
  }

  /** A latency judge's state; every step must have one count per bound. */
  private static LatencyEvidence latency(Fields lat) {
    List<Double> bounds = lat.numbers("bounds");
    for (int i = 1; i < bounds.size(); i++) {
      if (bounds.get(i) <= bounds.get(i - 1)) {
        lat.error("bounds", "must be ascending");
        break;
      }
    }
    Double bound = lat.number("bound");
    Double canaryP99 = lat.number("canaryP99");
    Double primaryP99 = lat.number("primaryP99");
    List<LatencyStep> steps = new ArrayList<>();
    for (Fields st : lat.objects("steps")) {
      int weight = st.integer("weight", 0);
      if (weight < 0 || weight > 100) {
        st.error("weight", "must be between 0 and 100");
      }
      long canaryRequests = count(st, "canaryRequests");
      long primaryRequests = count(st, "primaryRequests");
      List<Long> canarySlower = counts(st, "canarySlower", bounds.size());
      List<Long> primarySlower = counts(st, "primarySlower", bounds.size());
      st.finish();
      if (canarySlower != null && primarySlower != null) {
        steps.add(new LatencyStep(weight, canaryRequests, primaryRequests, canarySlower, primarySlower));
      }
    }
    lat.finish();
    return new LatencyEvidence(bounds, steps, bound, canaryP99, primaryP99);
  }

  /** A list of whole non-negative counts, one per bound; null (reported) otherwise. */
  private static List<Long> counts(Fields f, String field, int size) {
    List<Double> values = f.numbers(field);
    List<Long> out = new ArrayList<>();
    for (double v : values) {
      if (v < 0 || v != Math.rint(v)) {
        f.error(field, "must be whole numbers, not negative");
        return null;
      }
      out.add((long) v);
    }
    if (out.size() != size) {
      f.error(field, "must have one count per bound (" + size + "), got " + out.size());
      return null;
    }
    return out;
  }

  private static long count(Fields f, String field) {
    Double value = f.number(field);
    if (value == null) {
      return 0;
    }
    if (value < 0 || value != Math.rint(value)) {
      f.error(field, "must be a whole number, not negative");
      return 0;
    }
    return value.longValue();
  }

  private static StatusCondition condition(Fields c) {
    String type = c.requiredString("type");
    ConditionStatus status = null;
    if (c.has("status")) {
      status = c.choice("status", ConditionStatus.values(), ConditionStatus::value, null);
    } else {
      c.take("status");
      c.required("status");
    }
    String reason = c.string("reason");
    String message = c.string("message");
    var lastUpdateTime = c.timestamp("lastUpdateTime");
    var lastTransitionTime = c.timestamp("lastTransitionTime");
    c.finish();
    if (type == null || status == null) {
      return null;
    }
    return new StatusCondition(type, status, reason, message, lastUpdateTime, lastTransitionTime);
  }

  private static FailureReason failure(Fields f) {
    CheckKind kind = null;
    if (f.has("kind")) {
      kind = f.choice("kind", CheckKind.values(), CheckKind::name, null);
    } else {
      f.take("kind");
      f.required("kind");
    }
    String check = f.requiredString("check");
    Double value = f.number("value");
    String bound = f.string("bound");
    String message = f.requiredString("message");
    var time = f.timestamp("time");
    f.finish();
    if (kind == null || check == null || message == null) {
      return null;
    }
    return new FailureReason(kind, check, value, bound, message, time);
  }
}
