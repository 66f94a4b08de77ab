package io.canaryanalysis.manifest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.MetricTemplate;
import io.canaryanalysis.api.status.CanaryStatus;
import java.io.InputStream;
import java.io.Reader;
import java.util.Map;
import java.util.Objects;

/**
 * Reads Flagger {@code Canary} and {@code MetricTemplate} manifests ({@code flagger.app/v1beta1},
 * YAML or JSON, one document or a multi-document stream) into the model, and writes the model
 * back as Flagger-shaped manifests.
 *
 * <p>Reading is strict: every unknown field, every Flagger field this project does not implement,
 * every wrong type and every unparseable duration is reported, all at once, in a
 * {@link ManifestException} with full field paths; a field that cannot be read is skipped and the
 * rest is still read. Non-fatal findings (the deprecated {@code spec.canaryAnalysis}, skipped
 * documents of other kinds) come back as notices. These static methods only read; a
 * {@link ManifestReader} with checks also runs the semantic checks (weights, thresholds, router
 * capabilities) and reports their problems in the same exception. Server-managed metadata
 * ({@code resourceVersion}, {@code managedFields}, ...) is read past.
 *
 * <p>Limits apply before and while parsing: at most 3 MiB of input, 256 KiB per string, 64
 * levels of nesting. YAML anchors and aliases are refused.
 */
public final class CanaryManifests {
  /** The namespace of a manifest without {@code metadata.namespace}, as {@code kubectl} without {@code -n}. */
  public static final String DEFAULT_NAMESPACE = "default";

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

  /** Reads the single Canary document of {@code manifest}; see {@link ManifestReader#readCanary(String)}. */
  public static CanaryDocument readCanary(String manifest) {
    return ManifestReader.create().readCanary(manifest);
  }

  /** Reads the single Canary document of a UTF-8 stream; the stream is not closed. */
  public static CanaryDocument readCanary(InputStream manifest) {
    return ManifestReader.create().readCanary(manifest);
  }

  public static CanaryDocument readCanary(Reader manifest) {
    return ManifestReader.create().readCanary(manifest);
  }

  /**
   * Reads the single Canary document of {@code manifest}; a missing {@code metadata.namespace}
   * becomes {@code defaultNamespace}.
   *
   * @throws ManifestException listing every problem, when the input is not exactly one valid Canary
   */
  public static CanaryDocument readCanary(Reader manifest, String defaultNamespace) {
    return ManifestReader.create().withDefaultNamespace(defaultNamespace).readCanary(manifest);
  }

  /** Reads a Canary from a JSON-like tree (maps, lists, scalars), such as a Kubernetes client's generic object. */
  public static CanaryDocument readCanary(Map<String, ?> tree) {
    return ManifestReader.create().readCanary(tree);
  }

  /** Reads the single MetricTemplate document of {@code manifest}. */
  public static MetricTemplate readMetricTemplate(String manifest) {
    return ManifestReader.create().readMetricTemplate(manifest);
  }

  /** Reads the single MetricTemplate document of a UTF-8 stream; the stream is not closed. */
  public static MetricTemplate readMetricTemplate(InputStream manifest) {
    return ManifestReader.create().readMetricTemplate(manifest);
  }

  /**
   * Reads the single MetricTemplate document of {@code manifest}.
   *
   * @throws ManifestException listing every problem
   */
  public static MetricTemplate readMetricTemplate(Reader manifest, String defaultNamespace) {
    return ManifestReader.create().withDefaultNamespace(defaultNamespace).readMetricTemplate(manifest);
  }

  /** Reads a MetricTemplate from a JSON-like tree. */
  public static MetricTemplate readMetricTemplate(Map<String, ?> tree) {
    return ManifestReader.create().readMetricTemplate(tree);
  }

  public static ManifestSet readAll(String manifests) {
    return ManifestReader.create().readAll(manifests);
  }

  /** Reads every document of a UTF-8 stream; the stream is not closed. */
  public static ManifestSet readAll(InputStream manifests) {
    return ManifestReader.create().readAll(manifests);
  }

  /** See {@link ManifestReader#readAll(Reader)}. */
  public static ManifestSet readAll(Reader manifests, String defaultNamespace) {
    return ManifestReader.create().withDefaultNamespace(defaultNamespace).readAll(manifests);
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

  private static String write(ObjectMapper mapper, Map<String, Object> tree) {
    try {
      return mapper.writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise the manifest tree", e);
    }
  }
}
