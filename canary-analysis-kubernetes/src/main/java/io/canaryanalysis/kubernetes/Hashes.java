package io.canaryanalysis.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The hashes the workload reports.
 *
 * <p><b>Revision</b>: the pod template serialized as canonical JSON (object keys sorted at every
 * level, nulls and absent fields left out, arrays in order, numbers as JSON writes them), hashed
 * with SHA-256; the first 16 hex digits. It is stable across JVMs and client versions that write
 * the same JSON, and changes with any template field. It differs from Flagger's FNV/spew hash, so a
 * canary moved over from Flagger starts one run on its first new revision check.
 *
 * <p><b>Config checksum</b>: as Flagger's {@code config_tracker.go}: the {@code data} map encoded
 * as Go's {@code json.Marshal} does (keys sorted, {@code <>&} and U+2028/U+2029 escaped, an empty or
 * missing map as {@code null}), SHA-256, first 8 bytes as 16 hex digits, so checksums Flagger
 * stored in {@code status.trackedConfigs} stay valid.
 */
final class Hashes {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Hashes() {}

  /** Revision hash of a pod template given as its JSON. */
  static String revision(String templateJson) {
    try {
      JsonNode tree = JSON.readTree(templateJson);
      StringBuilder canonical = new StringBuilder(templateJson.length());
      canonical(tree, canonical);
      return hex(sha256(canonical.toString()), 8);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("pod template is not valid JSON", e);
    }
  }

  /** Flagger's checksum of a ConfigMap's or Secret's {@code data}. */
  static String configChecksum(Map<String, String> data) {
    StringBuilder json = new StringBuilder();
    if (data == null || data.isEmpty()) {
      json.append("null");
    } else {
      json.append('{');
      boolean first = true;
      for (Map.Entry<String, String> e : new TreeMap<>(data).entrySet()) {
        if (!first) {
          json.append(',');
        }
        first = false;
        goString(e.getKey(), json);
        json.append(':');
        goString(e.getValue() == null ? "" : e.getValue(), json);
      }
      json.append('}');
    }
    return hex(sha256(json.toString()), 8);
  }

  /** A short hash of several strings, for the primary's rollout annotation. */
  static String of(List<String> parts) {
    StringBuilder text = new StringBuilder();
    for (String part : parts) {
      text.append(part).append('\0');
    }
    return hex(sha256(text.toString()), 8);
  }

  private static void canonical(JsonNode node, StringBuilder out) {
    if (node.isObject()) {
      List<String> names = new ArrayList<>();
      Iterator<String> it = node.fieldNames();
      while (it.hasNext()) {
        names.add(it.next());
      }
      Collections.sort(names);
      out.append('{');
      boolean first = true;
      for (String name : names) {
        JsonNode value = node.get(name);
        if (value.isNull()) {
          continue;
        }
        if (!first) {
          out.append(',');
        }
        first = false;
        out.append(JSON.getNodeFactory().textNode(name).toString()).append(':');
        canonical(value, out);
      }
      out.append('}');
    } else if (node.isArray()) {
      out.append('[');
      for (int i = 0; i < node.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        canonical(node.get(i), out);
      }
      out.append(']');
    } else {
      out.append(node.toString());
    }
  }

  /** A string as Go's encoding/json writes it (HTML-safe escaping). */
  static void goString(String s, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        case '<':
        case '>':
        case '&':
        case '\u2028':
        case '\u2029':
          unicodeEscape(c, out);
          break;
        default:
          if (c < 0x20) {
            unicodeEscape(c, out);
          } else {
            out.append(c);
          }
      }
    }
    out.append('"');
  }

  private static void unicodeEscape(char c, StringBuilder out) {
    out.append("\\u").append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf])
        .append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  private static String hex(byte[] bytes, int count) {
    char[] out = new char[count * 2];
    for (int i = 0; i < count; i++) {
      out[2 * i] = HEX[(bytes[i] >> 4) & 0xf];
      out[2 * i + 1] = HEX[bytes[i] & 0xf];
    }
    return new String(out);
  }
}
