package io.canaryanalysis.manifest;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.MetricTemplate;
import io.canaryanalysis.api.status.CanaryStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads Flagger {@code Canary} and {@code MetricTemplate} manifests ({@code flagger.app/v1beta1},
 * YAML or JSON, one document or a multi-document stream) into the model, and writes the model
 * back as Flagger-shaped manifests.
 *
 * <p>Reading is strict: every unknown field, every Flagger field this project does not implement,
 * every wrong type and every unparseable duration is reported, all at once, in a
 * {@link ManifestException} with full field paths. Non-fatal findings (the deprecated
 * {@code spec.canaryAnalysis}, skipped documents of other kinds) come back as notices. Semantic
 * checks (weights, thresholds, router capabilities) are the validator's job, not the reader's.
 * Server-managed metadata ({@code resourceVersion}, {@code managedFields}, ...) is read past.
 */
public final class CanaryManifests {
  /** The namespace of a manifest without {@code metadata.namespace}, as {@code kubectl} without {@code -n}. */
  public static final String DEFAULT_NAMESPACE = "default";

  private static final String METRIC_TEMPLATE_KIND = "MetricTemplate";

  private static final ObjectMapper YAML_READER = YAMLMapper.builder()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .build();
  private static final ObjectMapper JSON_READER = JsonMapper.builder()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .build();
  private static final ObjectMapper YAML_WRITER = new YAMLMapper(YAMLFactory.builder()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
      .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
      .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
      .build());
  private static final ObjectMapper JSON_WRITER =
      JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  private CanaryManifests() {}

  /** Reads the single Canary document of {@code manifest}. */
  public static CanaryDocument readCanary(String manifest) {
    return readCanary(new StringReader(Objects.requireNonNull(manifest, "manifest")), DEFAULT_NAMESPACE);
  }

  /** Reads the single Canary document of a UTF-8 stream; the stream is not closed. */
  public static CanaryDocument readCanary(InputStream manifest) {
    return readCanary(new InputStreamReader(manifest, StandardCharsets.UTF_8), DEFAULT_NAMESPACE);
  }

  public static CanaryDocument readCanary(Reader manifest) {
    return readCanary(manifest, DEFAULT_NAMESPACE);
  }

  /**
   * Reads the single Canary document of {@code manifest}; a missing {@code metadata.namespace}
   * becomes {@code defaultNamespace}.
   *
   * @throws ManifestException listing every problem, when the input is not exactly one valid Canary
   */
  public static CanaryDocument readCanary(Reader manifest, String defaultNamespace) {
    return single(parse(manifest), Canary.KIND, defaultNamespace, CanaryDocument.class);
  }

  /** Reads a Canary from a JSON-like tree (maps, lists, scalars), such as a Kubernetes client's generic object. */
  public static CanaryDocument readCanary(Map<String, ?> tree) {
    return single(List.of(JSON_READER.valueToTree(tree)), Canary.KIND, DEFAULT_NAMESPACE,
        CanaryDocument.class);
  }

  /** Reads the single MetricTemplate document of {@code manifest}. */
  public static MetricTemplate readMetricTemplate(String manifest) {
    return readMetricTemplate(new StringReader(Objects.requireNonNull(manifest, "manifest")),
        DEFAULT_NAMESPACE);
  }

  /** Reads the single MetricTemplate document of a UTF-8 stream; the stream is not closed. */
  public static MetricTemplate readMetricTemplate(InputStream manifest) {
    return readMetricTemplate(new InputStreamReader(manifest, StandardCharsets.UTF_8), DEFAULT_NAMESPACE);
  }

  /**
   * Reads the single MetricTemplate document of {@code manifest}.
   *
   * @throws ManifestException listing every problem
   */
  public static MetricTemplate readMetricTemplate(Reader manifest, String defaultNamespace) {
    return single(parse(manifest), METRIC_TEMPLATE_KIND, defaultNamespace, MetricTemplate.class);
  }

  /** Reads a MetricTemplate from a JSON-like tree. */
  public static MetricTemplate readMetricTemplate(Map<String, ?> tree) {
    return single(List.of(JSON_READER.valueToTree(tree)), METRIC_TEMPLATE_KIND, DEFAULT_NAMESPACE,
        MetricTemplate.class);
  }

  public static ManifestSet readAll(String manifests) {
    return readAll(new StringReader(Objects.requireNonNull(manifests, "manifests")), DEFAULT_NAMESPACE);
  }

  /** Reads every document of a UTF-8 stream; the stream is not closed. */
  public static ManifestSet readAll(InputStream manifests) {
    return readAll(new InputStreamReader(manifests, StandardCharsets.UTF_8), DEFAULT_NAMESPACE);
  }

  /**
   * Reads every Canary and MetricTemplate of a multi-document stream (YAML {@code ---}
   * separators, concatenated JSON, a JSON array, or a Kubernetes {@code List}). Documents of
   * other kinds are skipped with a notice. Problem paths start with {@code documents[i]}, the
   * index of the document in the stream.
   *
   * @throws ManifestException listing the problems of all documents
   */
  public static ManifestSet readAll(Reader manifests, String defaultNamespace) {
    List<JsonNode> documents = parse(manifests);
    Problems problems = new Problems();
    List<CanaryDocument> canaries = new ArrayList<>();
    List<MetricTemplate> templates = new ArrayList<>();
    for (int i = 0; i < documents.size(); i++) {
      for (Located doc : flatten(documents.get(i), "documents[" + i + "]", problems)) {
        String kind = flaggerKind(doc, problems);
        if (kind == null) {
          continue;
        }
        Fields fields = Fields.of(doc.node(), doc.path(), problems);
        if (Canary.KIND.equals(kind)) {
          CanaryDocument canary = CanaryReader.read(fields, defaultNamespace);
          if (canary != null) {
            canaries.add(canary);
          }
        } else {
          MetricTemplate template = MetricTemplateReader.read(fields, defaultNamespace);
          if (template != null) {
            templates.add(template);
          }
        }
      }
    }
    problems.throwIfAny();
    return new ManifestSet(canaries, templates, problems.notices());
  }

  /** The canary (and its status, when not null) as a Flagger-shaped YAML manifest. */
  public static String toYaml(Canary canary, CanaryStatus status) {
    return write(YAML_WRITER, toTree(canary, status));
  }

  public static String toYaml(Canary canary) {
    return toYaml(canary, null);
  }

  public static String toJson(Canary canary, CanaryStatus status) {
    return write(JSON_WRITER, toTree(canary, status));
  }

  public static String toYaml(MetricTemplate template) {
    return write(YAML_WRITER, toTree(template));
  }

  public static String toJson(MetricTemplate template) {
    return write(JSON_WRITER, toTree(template));
  }

  /**
   * The canary as a Flagger-shaped JSON-like tree (ordered maps, lists, strings, numbers, booleans);
   * {@code status} may be null. Fields at their default value are left out.
   */
  public static Map<String, Object> toTree(Canary canary, CanaryStatus status) {
    return ManifestWriter.canary(Objects.requireNonNull(canary, "canary"), status);
  }

  public static Map<String, Object> toTree(MetricTemplate template) {
    return ManifestWriter.metricTemplate(Objects.requireNonNull(template, "template"));
  }

  /** The {@code status} object alone, for a status subresource update. */
  public static Map<String, Object> statusToTree(CanaryStatus status) {
    return ManifestWriter.status(Objects.requireNonNull(status, "status"));
  }

  private static <T> T single(List<JsonNode> documents, String expectedKind, String defaultNamespace,
      Class<T> type) {
    Problems problems = new Problems();
    List<Located> located = new ArrayList<>();
    for (JsonNode document : documents) {
      located.addAll(flatten(document, "", problems));
    }
    problems.throwIfAny();
    if (located.size() != 1) {
      problems.error("manifest", located.isEmpty() ? "no document found"
          : "expected one document but found " + located.size() + "; use CanaryManifests.readAll");
      problems.throwIfAny();
    }
    Located doc = located.get(0);
    Fields fields = Fields.of(doc.node(), doc.path(), problems);
    String kind = fields == null ? null : fields.string("kind");
    if (fields != null && kind == null) {
      fields.required("kind");
    } else if (kind != null && !kind.equals(expectedKind)) {
      fields.error("kind", "expected " + expectedKind + " but found " + kind);
    } else if (kind != null) {
      checkApiVersion(fields);
    }
    problems.throwIfAny();
    Object result = Canary.KIND.equals(expectedKind)
        ? CanaryReader.read(fields, defaultNamespace)
        : MetricTemplateReader.read(fields, defaultNamespace);
    problems.throwIfAny();
    return type.cast(result);
  }

  /** {@code Canary} or {@code MetricTemplate}, or null for a document to skip or a reported problem. */
  private static String flaggerKind(Located doc, Problems problems) {
    Fields fields = Fields.of(doc.node(), doc.path(), problems);
    if (fields == null) {
      return null;
    }
    String kind = fields.string("kind");
    if (kind == null) {
      fields.required("kind");
      return null;
    }
    if (!kind.equals(Canary.KIND) && !kind.equals(METRIC_TEMPLATE_KIND)) {
      JsonNode apiVersion = doc.node().get("apiVersion");
      problems.notice(doc.path(), "skipped: "
          + (apiVersion != null && apiVersion.isTextual() ? apiVersion.textValue() + " " : "") + kind
          + " is not a Canary or MetricTemplate");
      return null;
    }
    return checkApiVersion(fields) ? kind : null;
  }

  private static boolean checkApiVersion(Fields fields) {
    String apiVersion = fields.string("apiVersion");
    if (apiVersion == null) {
      fields.required("apiVersion");
      return false;
    }
    if (!apiVersion.equals(CanaryReader.API_VERSION)) {
      fields.error("apiVersion", "expected " + CanaryReader.API_VERSION + " but found " + apiVersion);
      return false;
    }
    return true;
  }

  /** The documents of one stream entry: itself, or the items of a Kubernetes {@code List}. */
  private static List<Located> flatten(JsonNode node, String path, Problems problems) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return List.of();
    }
    JsonNode kind = node.get("kind");
    JsonNode items = node.get("items");
    if (node.isObject() && kind != null && kind.isTextual() && kind.textValue().endsWith("List")
        && items != null) {
      if (!items.isArray()) {
        problems.error(Problems.join(path, "items"), Fields.expected("a list", items));
        return List.of();
      }
      List<Located> result = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        result.addAll(flatten(items.get(i), Problems.index(Problems.join(path, "items"), i), problems));
      }
      return result;
    }
    return List.of(new Located(node, path));
  }

  private static List<JsonNode> parse(Reader reader) {
    Objects.requireNonNull(reader, "reader");
    String text;
    try {
      StringBuilder builder = new StringBuilder();
      char[] buffer = new char[8192];
      int read;
      while ((read = reader.read(buffer)) != -1) {
        builder.append(buffer, 0, read);
      }
      text = builder.toString();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the manifest", e);
    }
    String trimmed = text.stripLeading();
    if (trimmed.startsWith("\uFEFF")) {
      trimmed = trimmed.substring(1).stripLeading();
    }
    boolean json = trimmed.startsWith("{") || trimmed.startsWith("[");
    try {
      List<JsonNode> documents = new ArrayList<>();
      ObjectMapper mapper = json ? JSON_READER : YAML_READER;
      try (MappingIterator<JsonNode> it = mapper.readerFor(JsonNode.class).readValues(trimmed)) {
        while (it.hasNextValue()) {
          JsonNode document = it.nextValue();
          if (json && document.isArray()) {
            document.forEach(documents::add);
          } else {
            documents.add(document);
          }
        }
      }
      return documents;
    } catch (JsonProcessingException e) {
      throw new ManifestException(List.of(new io.canaryanalysis.api.SpecProblem("manifest",
          "not valid " + (json ? "JSON" : "YAML") + describe(e))));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the manifest", e);
    }
  }

  /** The parser's message without the source excerpt, which may contain credentials. */
  private static String describe(JsonProcessingException e) {
    String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
    int newline = message.indexOf('\n');
    if (newline >= 0) {
      message = message.substring(0, newline);
    }
    JsonLocation location = e.getLocation();
    String at = location == null || location.getLineNr() < 0 ? ""
        : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    return at + (message.isBlank() ? "" : ": " + message.strip());
  }

  private static String write(ObjectMapper mapper, Map<String, Object> tree) {
    try {
      return mapper.writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise the manifest tree", e);
    }
  }

  private record Located(JsonNode node, String path) {}
}
