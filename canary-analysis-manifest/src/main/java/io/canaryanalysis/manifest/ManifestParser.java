package io.canaryanalysis.manifest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Turns manifest text (YAML or JSON, one or many documents) into JSON trees, applying the limits
 * before and while parsing: input size, line length (which bounds the YAML scanner's cost on one
 * long token), scalar length and nesting depth. YAML aliases are refused (an anchor alone changes
 * nothing and is read past), as are duplicate keys. Problems carry the path of the value they concern; the parser's own messages,
 * which quote the input, are never passed on.
 */
final class ManifestParser {
  /** The largest input read, in characters; Kubernetes keeps at most 1.5 MiB per object. */
  static final int MAX_INPUT_CHARS = 3 * 1024 * 1024;
  /** The longest string value or key; Kubernetes allows 256 KiB of annotations in total. */
  static final int MAX_SCALAR_CHARS = 256 * 1024;
  /** The longest YAML line: a scalar at its limit with its key, quotes and indentation. */
  static final int MAX_YAML_LINE_CHARS = MAX_SCALAR_CHARS + 4096;
  /** The deepest nesting of objects and lists. */
  static final int MAX_DEPTH = 64;

  private static final StreamReadConstraints CONSTRAINTS = StreamReadConstraints.builder()
      .maxStringLength(MAX_SCALAR_CHARS)
      .maxNestingDepth(MAX_DEPTH + 1)
      .maxNumberLength(1000)
      .maxDocumentLength(MAX_INPUT_CHARS + 1L)
      .build();
  private static final JsonFactory JSON = JsonFactory.builder().streamReadConstraints(CONSTRAINTS).build();
  private static final YAMLFactory YAML = YAMLFactory.builder()
      .loaderOptions(loaderOptions())
      .streamReadConstraints(CONSTRAINTS)
      .build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

  private final Problems problems;
  private final boolean multi;
  private boolean yaml;
  private String path = "";

  private ManifestParser(Problems problems, boolean multi) {
    this.problems = problems;
    this.multi = multi;
  }

  private static LoaderOptions loaderOptions() {
    LoaderOptions options = new LoaderOptions();
    options.setCodePointLimit(MAX_INPUT_CHARS + 1);
    options.setNestingDepthLimit(MAX_DEPTH + 1);
    options.setAllowDuplicateKeys(true);
    return options;
  }

  /**
   * The documents of {@code reader}, null entries for empty documents left out. With
   * {@code multi}, paths start with {@code documents[i]}. Problems that still let a document be
   * read (an alias, a long string) are added to {@code problems}; a fatal one (not YAML at all,
   * too large) is added too, and the documents read before it are returned.
   */
  static List<JsonNode> parse(Reader reader, Problems problems, boolean multi) {
    Objects.requireNonNull(reader, "reader");
    String text = read(reader, problems);
    if (text == null) {
      return List.of();
    }
    return new ManifestParser(problems, multi).documents(text);
  }

  private static String read(Reader reader, Problems problems) {
    StringBuilder builder = new StringBuilder();
    char[] buffer = new char[8192];
    try {
      int read;
      while ((read = reader.read(buffer)) != -1) {
        builder.append(buffer, 0, read);
        if (builder.length() > MAX_INPUT_CHARS) {
          problems.error("manifest", "larger than " + MAX_INPUT_CHARS + " characters (3 MiB); "
              + "Kubernetes keeps at most 1.5 MiB per object");
          return null;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the manifest", e);
    }
    return builder.toString();
  }

  private List<JsonNode> documents(String text) {
    String trimmed = text.stripLeading();
    if (trimmed.startsWith("\uFEFF")) {
      trimmed = trimmed.substring(1).stripLeading();
    }
    yaml = !(trimmed.startsWith("{") || trimmed.startsWith("["));
    if (yaml && !linesWithinLimit(trimmed)) {
      return List.of();
    }
    List<JsonNode> documents = new ArrayList<>();
    try (JsonParser parser = yaml ? YAML.createParser(trimmed) : JSON.createParser(trimmed)) {
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        if (!yaml && token == JsonToken.START_ARRAY && documents.isEmpty()) {
          // A JSON array of documents, as kubectl prints several objects.
          while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
            path = documentPath(documents.size());
            documents.add(value(parser, token, 1));
          }
          continue;
        }
        path = documentPath(documents.size());
        JsonNode document = value(parser, token, 1);
        boolean empty = document == null || document.isNull()
            || (yaml && document.isTextual() && document.textValue().isEmpty());
        if (!empty) {
          documents.add(document);
        }
      }
    } catch (StreamConstraintsException e) {
      problems.error(where(), limitMessage(e));
    } catch (JsonProcessingException e) {
      problems.error("manifest", "not valid " + (yaml ? "YAML" : "JSON") + at(e.getLocation()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the manifest", e);
    }
    return documents;
  }

  private String documentPath(int index) {
    return multi ? "documents[" + index + "]" : "";
  }

  private String where() {
    return path.isEmpty() ? "manifest" : path;
  }

  private boolean linesWithinLimit(String text) {
    int line = 1;
    int start = 0;
    for (int i = 0; i <= text.length(); i++) {
      if (i == text.length() || text.charAt(i) == '\n') {
        if (i - start > MAX_YAML_LINE_CHARS) {
          problems.error("manifest", "line " + line + " is longer than " + MAX_YAML_LINE_CHARS
              + " characters; a string value may have at most " + MAX_SCALAR_CHARS);
          return false;
        }
        line++;
        start = i + 1;
      }
    }
    return true;
  }

  /** The value starting at {@code token}, or null for one that was refused (and reported). */
  private JsonNode value(JsonParser parser, JsonToken token, int depth) throws IOException {
    switch (token) {
      case START_OBJECT:
        return object(parser, depth);
      case START_ARRAY:
        return array(parser, depth);
      case VALUE_STRING:
        if (yaml && ((YAMLParser) parser).isCurrentAlias()) {
          problems.error(where(), "YAML aliases (*name) are not supported; write the value out");
          return null;
        }
        if (parser.getTextLength() > MAX_SCALAR_CHARS) {
          problems.error(where(), "longer than " + MAX_SCALAR_CHARS + " characters");
          return null;
        }
        return NODES.textNode(parser.getText());
      case VALUE_NUMBER_INT:
        switch (parser.getNumberType()) {
          case INT:
            return NODES.numberNode(parser.getIntValue());
          case LONG:
            return NODES.numberNode(parser.getLongValue());
          default:
            return NODES.numberNode(parser.getBigIntegerValue());
        }
      case VALUE_NUMBER_FLOAT:
        return decimal(parser);
      case VALUE_TRUE:
        return NODES.booleanNode(true);
      case VALUE_FALSE:
        return NODES.booleanNode(false);
      case VALUE_NULL:
        return NODES.nullNode();
      default:
        problems.error(where(), "not a JSON value (a YAML tag or binary value); write a string, number, "
            + "boolean, list or object");
        return null;
    }
  }

  /** A decimal as an exact number, so {@code 1e400} is kept (and later refused) rather than read as infinity. */
  private static JsonNode decimal(JsonParser parser) throws IOException {
    String text = parser.getText();
    BigDecimal exact;
    try {
      exact = new BigDecimal(text.replace("_", ""));
    } catch (NumberFormatException e) {
      // YAML's .inf, -.inf and .nan: kept as such, and refused where a number is read.
      String lower = text.toLowerCase(java.util.Locale.ROOT);
      return NODES.numberNode(lower.contains("nan") ? Double.NaN
          : lower.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
    }
    double value = exact.doubleValue();
    return Double.isFinite(value) ? NODES.numberNode(value) : NODES.numberNode(exact);
  }

  private JsonNode object(JsonParser parser, int depth) throws IOException {
    checkDepth(depth);
    ObjectNode node = NODES.objectNode();
    String base = path;
    JsonToken token;
    while ((token = parser.nextToken()) != JsonToken.END_OBJECT) {
      String name = parser.currentName();
      if (name.length() > MAX_SCALAR_CHARS) {
        problems.error(where(), "a key is longer than " + MAX_SCALAR_CHARS + " characters");
        parser.nextToken();
        parser.skipChildren();
        continue;
      }
      path = Problems.key(base, name);
      JsonNode value = value(parser, parser.nextToken(), depth + 1);
      if (node.has(name)) {
        problems.error(path, "duplicate key");
      } else if (value != null) {
        node.set(name, value);
      }
      path = base;
    }
    return node;
  }

  private JsonNode array(JsonParser parser, int depth) throws IOException {
    checkDepth(depth);
    ArrayNode node = NODES.arrayNode();
    String base = path;
    JsonToken token;
    while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
      path = Problems.index(base, node.size());
      JsonNode value = value(parser, token, depth + 1);
      // A refused element keeps its place, so the paths of the later ones stay true.
      node.add(value == null ? NODES.nullNode() : value);
      path = base;
    }
    return node;
  }

  private void checkDepth(int depth) throws StreamConstraintsException {
    if (depth > MAX_DEPTH) {
      throw new StreamConstraintsException("nesting depth");
    }
  }

  private static String limitMessage(StreamConstraintsException e) {
    String message = String.valueOf(e.getOriginalMessage());
    if (message.contains("nesting depth") || message.contains("Nesting depth")) {
      return "nested deeper than " + MAX_DEPTH + " levels";
    }
    if (message.contains("String value length") || message.contains("Name length")) {
      return "longer than " + MAX_SCALAR_CHARS + " characters";
    }
    if (message.contains("Number value length")) {
      return "a number longer than 1000 digits";
    }
    if (message.contains("Document length")) {
      return "larger than " + MAX_INPUT_CHARS + " characters (3 MiB)";
    }
    return "exceeds a size limit of the manifest reader";
  }

  private static String at(JsonLocation location) {
    return location == null || location.getLineNr() < 0 ? ""
        : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
  }
}
