package io.canaryanalysis.examples.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A self-contained HTML report of one rollout: the data as JSON in the page and a small script
 * that draws weight, success rate and latency of both sides as inline SVG, with the thresholds,
 * the events as markers and the outcome. No CDN, no network: it opens from a file anywhere.
 */
public final class HtmlReport {
  /** The id of the {@code <script type="application/json">} holding the data. */
  public static final String DATA_ID = "rollout-data";
  private static final ObjectMapper JSON = new ObjectMapper();

  private HtmlReport() {}

  /** Writes the report of {@code record} to {@code file}. */
  public static void write(RolloutRecord record, Path file) throws IOException {
    Files.writeString(file, html(record), StandardCharsets.UTF_8);
  }

  /** The data the page draws, as plain maps and lists (NaN becomes null). */
  public static Map<String, Object> data(RolloutRecord r) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("title", r.title());
    d.put("provider", r.provider());
    d.put("metrics", r.metricsPath());
    d.put("outcome", r.outcome());
    d.put("duration", r.duration());
    d.put("latencyLabel", r.latencyLabel());
    Map<String, Object> thresholds = new LinkedHashMap<>();
    thresholds.put("successRate", num(r.minSuccessRate()));
    thresholds.put("latencyMs", num(r.maxLatencyMs()));
    d.put("thresholds", thresholds);
    List<Object> samples = new ArrayList<>();
    for (RolloutRecord.Sample s : r.samples()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("t", s.t());
      m.put("canaryWeight", s.canaryWeight());
      m.put("primary", side(s.primary()));
      m.put("canary", side(s.canary()));
      m.put("primaryServed", s.primaryServed());
      m.put("canaryServed", s.canaryServed());
      samples.add(m);
    }
    d.put("samples", samples);
    List<Object> ticks = new ArrayList<>();
    for (RolloutRecord.Tick t : r.ticks()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("t", t.t());
      m.put("phase", t.phase());
      m.put("canaryWeight", t.canaryWeight());
      m.put("failedChecks", t.failedChecks());
      m.put("successRate", num(t.successRate()));
      m.put("latencyMs", num(t.latencyMs()));
      ticks.add(m);
    }
    d.put("ticks", ticks);
    List<Object> events = new ArrayList<>();
    for (RolloutRecord.Event e : r.events()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("t", e.t());
      m.put("type", e.type());
      m.put("reason", e.reason());
      m.put("message", e.message());
      events.add(m);
    }
    d.put("events", events);
    return d;
  }

  private static Map<String, Object> side(RolloutRecord.Side s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("rps", num(s.rps()));
    m.put("successRate", num(s.successRate()));
    m.put("latencyMs", num(s.latencyMs()));
    return m;
  }

  private static Object num(double v) {
    return Double.isFinite(v) ? Math.round(v * 1000) / 1000.0 : null;
  }

  static String html(RolloutRecord r) {
    String json;
    try {
      json = JSON.writeValueAsString(data(r)).replace("</", "<\\/");
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize the report data", e);
    }
    StringBuilder rows = new StringBuilder();
    for (RolloutRecord.Event e : r.events()) {
      rows.append("<tr class=\"").append(escape(e.type().toLowerCase(Locale.ROOT))).append("\"><td>")
          .append(String.format(Locale.ROOT, "%.1fs", e.t())).append("</td><td>").append(escape(e.type()))
          .append("</td><td>").append(escape(e.reason())).append("</td><td>").append(escape(e.message()))
          .append("</td></tr>\n");
    }
    return TEMPLATE.replace("@TITLE@", escape(r.title()))
        .replace("@OUTCOME_CLASS@", escape(r.outcome().toLowerCase(Locale.ROOT)))
        .replace("@OUTCOME@", escape(r.outcome()))
        .replace("@SUBTITLE@", escape("provider " + r.provider() + " · metrics from " + r.metricsPath()
            + String.format(Locale.ROOT, " · %.1fs", r.duration())))
        .replace("@EVENTS@", rows.toString())
        .replace("@DATA_ID@", DATA_ID)
        .replace("@DATA@", json);
  }

  static String escape(String s) {
    if (s == null) {
      return "";
    }
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }

  private static final String TEMPLATE = """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <title>@TITLE@</title>
      <style>
        body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d2733; background: #fff; }
        h1 { font-size: 20px; margin: 0 0 4px; }
        .sub { color: #5b6775; margin-bottom: 12px; }
        #outcome { display: inline-block; padding: 4px 10px; border-radius: 4px; font-weight: 600; color: #fff; background: #6b7785; }
        #outcome.succeeded { background: #1f8f4e; }
        #outcome.failed { background: #c0392b; }
        .chart { margin: 14px 0; }
        .chart h2 { font-size: 15px; margin: 0 0 2px; }
        svg { width: 100%; max-width: 960px; height: auto; background: #fafbfc; border: 1px solid #e1e5ea; }
        .axis { stroke: #9aa5b1; stroke-width: 1; }
        .grid { stroke: #e8ecf0; stroke-width: 1; }
        .label { fill: #5b6775; font-size: 11px; }
        .series { fill: none; stroke-width: 2; }
        .series.primary { stroke: #2c7be5; }
        .series.canary { stroke: #e8590c; }
        .threshold { stroke: #c0392b; stroke-width: 1.5; stroke-dasharray: 6 4; }
        .event-marker { stroke: #7950f2; stroke-width: 1; stroke-dasharray: 2 3; }
        .event-marker.warning { stroke: #c0392b; }
        .tick { fill: #e8590c; }
        .legend span { margin-right: 14px; }
        .legend .p { color: #2c7be5; } .legend .c { color: #e8590c; } .legend .t { color: #c0392b; } .legend .e { color: #7950f2; }
        table { border-collapse: collapse; margin-top: 8px; max-width: 960px; }
        td { border-bottom: 1px solid #e8ecf0; padding: 3px 8px; vertical-align: top; }
        tr.warning td { color: #c0392b; }
      </style>
      </head>
      <body>
      <h1>@TITLE@ <span id="outcome" class="@OUTCOME_CLASS@">@OUTCOME@</span></h1>
      <div class="sub">@SUBTITLE@</div>
      <div class="legend"><span class="p">&#9632; primary</span><span class="c">&#9632; canary</span><span class="t">- - threshold</span><span class="e">&#8942; event</span></div>
      <div id="charts"><noscript>The charts need JavaScript; the data is in this page and the events below.</noscript></div>
      <h2 style="font-size:15px">Events</h2>
      <table id="events"><tbody>
      @EVENTS@</tbody></table>
      <script type="application/json" id="@DATA_ID@">@DATA@</script>
      <script>
      (function () {
        var NS = 'http://www.w3.org/2000/svg';
        var data = JSON.parse(document.getElementById('@DATA_ID@').textContent);
        var W = 960, H = 220, L = 56, R = 16, T = 12, B = 28;
        var tMax = Math.max(data.duration || 0, 1);
        data.samples.forEach(function (s) { tMax = Math.max(tMax, s.t); });
        data.events.forEach(function (e) { tMax = Math.max(tMax, e.t); });
        function el(name, attrs, parent) {
          var e = document.createElementNS(NS, name);
          Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
          if (parent) { parent.appendChild(e); }
          return e;
        }
        function x(t) { return L + (W - L - R) * t / tMax; }
        function chart(id, title, yMin, yMax, unit, series, threshold) {
          var box = document.createElement('div');
          box.className = 'chart';
          box.id = id;
          var h = document.createElement('h2');
          h.textContent = title;
          box.appendChild(h);
          var svg = el('svg', { viewBox: '0 0 ' + W + ' ' + H, 'data-chart': id });
          box.appendChild(svg);
          document.getElementById('charts').appendChild(box);
          function y(v) { return T + (H - T - B) * (1 - (v - yMin) / (yMax - yMin)); }
          for (var i = 0; i <= 4; i++) {
            var v = yMin + (yMax - yMin) * i / 4;
            el('line', { 'class': 'grid', x1: L, x2: W - R, y1: y(v), y2: y(v) }, svg);
            var lab = el('text', { 'class': 'label', x: L - 6, y: y(v) + 4, 'text-anchor': 'end' }, svg);
            lab.textContent = (Math.round(v * 10) / 10) + unit;
          }
          for (var s = 0; s <= 5; s++) {
            var tt = tMax * s / 5;
            var tl = el('text', { 'class': 'label', x: x(tt), y: H - 8, 'text-anchor': 'middle' }, svg);
            tl.textContent = (Math.round(tt * 10) / 10) + 's';
          }
          el('line', { 'class': 'axis', x1: L, x2: L, y1: T, y2: H - B }, svg);
          el('line', { 'class': 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B }, svg);
          if (threshold !== null && threshold !== undefined) {
            el('line', { 'class': 'threshold', x1: L, x2: W - R, y1: y(threshold), y2: y(threshold),
              'data-value': threshold }, svg);
          }
          series.forEach(function (sr) {
            var pts = [];
            data.samples.forEach(function (smp) {
              var v = sr.value(smp);
              if (v !== null && v !== undefined) {
                v = Math.max(yMin, Math.min(yMax, v));
                pts.push(x(smp.t).toFixed(1) + ',' + y(v).toFixed(1));
              }
            });
            el('polyline', { 'class': 'series ' + sr.side, 'data-series': sr.name, 'data-points': pts.length,
              points: pts.join(' ') }, svg);
          });
          data.events.forEach(function (ev) {
            var m = el('line', { 'class': 'event-marker ' + ev.type.toLowerCase(), x1: x(ev.t), x2: x(ev.t),
              y1: T, y2: H - B, 'data-reason': ev.reason }, svg);
            var tip = el('title', {}, m);
            tip.textContent = ev.t.toFixed(1) + 's ' + ev.message;
          });
          return svg;
        }
        function num(list) { return list.filter(function (v) { return v !== null; }); }
        var weight = chart('weight', 'Traffic weight (%)', 0, 100, '%', [
          { name: 'primary-weight', side: 'primary', value: function (s) { return 100 - s.canaryWeight; } },
          { name: 'canary-weight', side: 'canary', value: function (s) { return s.canaryWeight; } }], null);
        data.ticks.forEach(function (tk) {
          var c = el('circle', { 'class': 'tick', cx: x(tk.t), cy: T + (H - T - B) * (1 - tk.canaryWeight / 100), r: 3,
            'data-phase': tk.phase }, weight);
          el('title', {}, c).textContent = tk.t.toFixed(1) + 's ' + tk.phase + ' ' + tk.canaryWeight + '%';
        });
        var rates = num(data.samples.map(function (s) { return s.canary.successRate; })
          .concat(data.samples.map(function (s) { return s.primary.successRate; })));
        var srMin = Math.min.apply(null, rates.concat([data.thresholds.successRate === null ? 100 : data.thresholds.successRate, 99]));
        srMin = Math.max(0, Math.floor(srMin - 1));
        chart('success-rate', 'Success rate (%)', srMin, 100, '%', [
          { name: 'primary-success-rate', side: 'primary', value: function (s) { return s.primary.successRate; } },
          { name: 'canary-success-rate', side: 'canary', value: function (s) { return s.canary.successRate; } }],
          data.thresholds.successRate);
        var lats = num(data.samples.map(function (s) { return s.canary.latencyMs; })
          .concat(data.samples.map(function (s) { return s.primary.latencyMs; })));
        var latMax = Math.max.apply(null, lats.concat([data.thresholds.latencyMs === null ? 0 : data.thresholds.latencyMs, 10]));
        chart('latency', 'Latency ' + data.latencyLabel + ' (ms)', 0, Math.ceil(latMax * 1.1), 'ms', [
          { name: 'primary-latency', side: 'primary', value: function (s) { return s.primary.latencyMs; } },
          { name: 'canary-latency', side: 'canary', value: function (s) { return s.canary.latencyMs; } }],
          data.thresholds.latencyMs);
        document.documentElement.setAttribute('data-rendered', 'true');
      })();
      </script>
      </body>
      </html>
      """;
}
