package io.canaryanalysis.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.canaryanalysis.api.SpecProblem;
import io.canaryanalysis.api.ValidationResult;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.spec.MetricTemplate;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Reads Flagger manifests and, when given checks, runs them on what was read, so one
 * {@link ManifestException} lists every problem of the input: each field that cannot be read is
 * reported and skipped, the rest is still read, and the checks (typically the core
 * {@code CanaryValidator}) run on the result. A check's problem on, under or directly above a
 * field that could not be read is left out, as it may only restate that the field is missing.
 * Check warnings come back as notices of the document.
 *
 * <pre>{@code
 * ManifestReader reader = ManifestReader.create()
 *     .withCanaryChecks(canary -> CanaryValidator.check(canary, router))
 *     .withMetricTemplateChecks(CanaryValidator::check);
 * CanaryDocument doc = reader.readCanary(yaml);
 * }</pre>
 *
 * <p>Instances are immutable and thread-safe; the {@code with} methods return new readers.
 */
public final class ManifestReader {
  private static final ObjectMapper TREES = JsonMapper.builder().build();
  private static final ManifestReader PLAIN =
      new ManifestReader(null, null, CanaryManifests.DEFAULT_NAMESPACE);
  private static final String METRIC_TEMPLATE_KIND = "MetricTemplate";

  private final Function<? super Canary, ValidationResult> canaryChecks;
  private final Function<? super MetricTemplate, ValidationResult> templateChecks;
  private final String defaultNamespace;

  private ManifestReader(Function<? super Canary, ValidationResult> canaryChecks,
      Function<? super MetricTemplate, ValidationResult> templateChecks, String defaultNamespace) {
    this.canaryChecks = canaryChecks;
    this.templateChecks = templateChecks;
    this.defaultNamespace = defaultNamespace;
  }

  /** A reader that only reads: no semantic checks, missing namespaces become {@code default}. */
  public static ManifestReader create() {
    return PLAIN;
  }

  /** This reader, running {@code checks} on every Canary it reads. */
  public ManifestReader withCanaryChecks(Function<? super Canary, ValidationResult> checks) {
    return new ManifestReader(Objects.requireNonNull(checks, "checks"), templateChecks, defaultNamespace);
  }

  /** This reader, running {@code checks} on every MetricTemplate it reads. */
  public ManifestReader withMetricTemplateChecks(Function<? super MetricTemplate, ValidationResult> checks) {
    return new ManifestReader(canaryChecks, Objects.requireNonNull(checks, "checks"), defaultNamespace);
  }

  /** This reader, giving a manifest without {@code metadata.namespace} the namespace {@code namespace}. */
  public ManifestReader withDefaultNamespace(String namespace) {
    if (namespace == null || namespace.isBlank()) {
      throw new IllegalArgumentException("namespace must not be blank");
    }
    return new ManifestReader(canaryChecks, templateChecks, namespace);
  }

  /**
   * Reads the single Canary document of {@code manifest}.
   *
   * @throws ManifestException listing every problem, when the input is not exactly one valid Canary
   */
  public CanaryDocument readCanary(String manifest) {
    return readCanary(new StringReader(Objects.requireNonNull(manifest, "manifest")));
  }

  /** Reads the single Canary document of a UTF-8 stream; the stream is not closed. */
  public CanaryDocument readCanary(InputStream manifest) {
    return readCanary(new InputStreamReader(manifest, StandardCharsets.UTF_8));
  }

  public CanaryDocument readCanary(Reader manifest) {
    Problems problems = new Problems();
    return canary(ManifestParser.parse(manifest, problems, false), problems);
  }

  /** Reads a Canary from a JSON-like tree (maps, lists, scalars), such as a Kubernetes client's generic object. */
  public CanaryDocument readCanary(Map<String, ?> tree) {
    return canary(List.of(toTree(tree)), new Problems());
  }

  /**
   * Reads the single MetricTemplate document of {@code manifest}.
   *
   * @throws ManifestException listing every problem
   */
  public MetricTemplate readMetricTemplate(String manifest) {
    return readMetricTemplate(new StringReader(Objects.requireNonNull(manifest, "manifest")));
  }

  public MetricTemplate readMetricTemplate(InputStream manifest) {
    return readMetricTemplate(new InputStreamReader(manifest, StandardCharsets.UTF_8));
  }

  public MetricTemplate readMetricTemplate(Reader manifest) {
    Problems problems = new Problems();
    return template(ManifestParser.parse(manifest, problems, false), problems);
  }

  public MetricTemplate readMetricTemplate(Map<String, ?> tree) {
    return template(List.of(toTree(tree)), new Problems());
  }

  public ManifestSet readAll(String manifests) {
    return readAll(new StringReader(Objects.requireNonNull(manifests, "manifests")));
  }

  public ManifestSet readAll(InputStream manifests) {
    return readAll(new InputStreamReader(manifests, StandardCharsets.UTF_8));
  }

  /**
   * Reads every Canary and MetricTemplate of a multi-document stream (YAML {@code ---}
   * separators, concatenated JSON, a JSON array, or a Kubernetes {@code List}). Documents of
   * other kinds are skipped with a notice. Problem paths start with {@code documents[i]}, the
   * index of the document in the stream.
   *
   * @throws ManifestException listing the problems of all documents
   */
  public ManifestSet readAll(Reader manifests) {
    Problems problems = new Problems();
    List<JsonNode> documents = ManifestParser.parse(manifests, problems, true);
    List<CanaryDocument> canaries = new ArrayList<>();
    List<MetricTemplate> templates = new ArrayList<>();
    List<SpecProblem> checkErrors = new ArrayList<>();
    List<SpecProblem> checkWarnings = new ArrayList<>();
    for (int i = 0; i < documents.size(); i++) {
      for (Located doc : flatten(documents.get(i), "documents[" + i + "]", problems)) {
        String kind = flaggerKind(doc, problems);
        if (kind == null) {
          continue;
        }
        Fields fields = Fields.of(doc.node(), doc.path(), problems);
        if (Canary.KIND.equals(kind)) {
          CanaryDocument canary = CanaryReader.read(fields, defaultNamespace);
          ValidationResult checks = run(canaryChecks, canary.canary(), problems);
          checkErrors.addAll(prefixed(doc.path(), checks.errors()));
          List<SpecProblem> warnings = prefixed(doc.path(), checks.warnings());
          checkWarnings.addAll(warnings);
          canaries.add(withNotices(canary, warnings));
        } else {
          MetricTemplate template = MetricTemplateReader.read(fields, defaultNamespace);
          ValidationResult checks = run(templateChecks, template, problems);
          checkErrors.addAll(prefixed(doc.path(), checks.errors()));
          checkWarnings.addAll(prefixed(doc.path(), checks.warnings()));
          templates.add(template);
        }
      }
    }
    throwIfAny(problems, checkErrors);
    List<SpecProblem> notices = new ArrayList<>(problems.notices());
    notices.addAll(checkWarnings);
    return new ManifestSet(canaries, templates, notices);
  }

  private CanaryDocument canary(List<JsonNode> documents, Problems problems) {
    Fields fields = single(documents, Canary.KIND, problems);
    CanaryDocument read = CanaryReader.read(fields, defaultNamespace);
    ValidationResult checks = run(canaryChecks, read.canary(), problems);
    try {
      throwIfAny(problems, checks.errors());
    } catch (ManifestException e) {
      // Only problems of the spec: identity and status were read whole.
      boolean specOnly = e.problems().stream()
          .allMatch(p -> p.path().equals("spec") || p.path().startsWith("spec.") || p.path().startsWith("spec["));
      throw specOnly ? new ManifestException(e.problems(), read) : e;
    }
    return withNotices(read, unrelated(checks.warnings(), problems.errors()));
  }

  private MetricTemplate template(List<JsonNode> documents, Problems problems) {
    Fields fields = single(documents, METRIC_TEMPLATE_KIND, problems);
    MetricTemplate template = MetricTemplateReader.read(fields, defaultNamespace);
    ValidationResult checks = run(templateChecks, template, problems);
    throwIfAny(problems, checks.errors());
    return template;
  }

  /**
   * The checks' findings on a read value. On a partial value (the reader reported errors) a check
   * that fails is ignored: the reader's problems already say what is wrong.
   */
  private static <T> ValidationResult run(Function<? super T, ValidationResult> checks, T value,
      Problems problems) {
    if (checks == null) {
      return ValidationResult.OK;
    }
    if (problems.errorCount() == 0) {
      return checks.apply(value);
    }
    try {
      return checks.apply(value);
    } catch (RuntimeException e) {
      return ValidationResult.OK;
    }
  }

  private static void throwIfAny(Problems problems, List<SpecProblem> checkErrors) {
    List<SpecProblem> errors = new ArrayList<>(problems.errors());
    errors.addAll(unrelated(checkErrors, problems.errors()));
    if (!errors.isEmpty()) {
      throw new ManifestException(errors);
    }
  }

  private static CanaryDocument withNotices(CanaryDocument document, List<SpecProblem> more) {
    if (more.isEmpty()) {
      return document;
    }
    List<SpecProblem> notices = new ArrayList<>(document.notices());
    notices.addAll(more);
    return new CanaryDocument(document.canary(), document.status(), notices);
  }

  /** The check findings that do not concern a field the reader already reported. */
  static List<SpecProblem> unrelated(List<SpecProblem> findings, List<SpecProblem> readErrors) {
    List<SpecProblem> result = new ArrayList<>();
    for (SpecProblem finding : findings) {
      boolean related = false;
      for (SpecProblem error : readErrors) {
        if (related(finding.path(), error.path())) {
          related = true;
          break;
        }
      }
      if (!related) {
        result.add(finding);
      }
    }
    return result;
  }

  /** {@code finding} is {@code error}'s path, under it, or the object directly holding it. */
  static boolean related(String finding, String error) {
    if (finding.equals(error) || finding.equals(parent(error))) {
      return true;
    }
    return finding.startsWith(error) && finding.length() > error.length()
        && (finding.charAt(error.length()) == '.' || finding.charAt(error.length()) == '[');
  }

  /** The path of the object or list holding {@code path}; empty at the root. */
  static String parent(String path) {
    if (path.endsWith("\"]")) {
      int open = path.lastIndexOf("[\"");
      return open < 0 ? "" : path.substring(0, open);
    }
    int at = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
    return at < 0 ? "" : path.substring(0, at);
  }

  private static List<SpecProblem> prefixed(String base, List<SpecProblem> problems) {
    if (base.isEmpty()) {
      return problems;
    }
    List<SpecProblem> result = new ArrayList<>();
    for (SpecProblem problem : problems) {
      result.add(new SpecProblem(base + "." + problem.path(), problem.message()));
    }
    return result;
  }

  /** The one document of a single-document read, with its kind checked; throws when there is none to read. */
  private static Fields single(List<JsonNode> documents, String expectedKind, Problems problems) {
    List<Located> located = new ArrayList<>();
    for (JsonNode document : documents) {
      located.addAll(flatten(document, "", problems));
    }
    if (located.size() != 1) {
      if (problems.errorCount() == 0) {
        problems.error("manifest", located.isEmpty() ? "no document found"
            : "expected one document but found " + located.size() + "; use readAll");
      }
      problems.throwIfAny();
    }
    Located doc = located.get(0);
    Fields fields = Fields.of(doc.node(), doc.path(), problems);
    if (fields == null) {
      problems.throwIfAny();
    }
    String kind = fields.string("kind");
    if (kind == null) {
      fields.required("kind");
    } else if (!kind.equals(expectedKind)) {
      fields.error("kind", "expected " + expectedKind + (Canary.KIND.equals(kind)
          || METRIC_TEMPLATE_KIND.equals(kind) ? " but found " + kind : " but found another kind"));
      problems.throwIfAny();
    }
    checkApiVersion(fields);
    return fields;
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
    checkApiVersion(fields);
    return kind;
  }

  private static void checkApiVersion(Fields fields) {
    String apiVersion = fields.string("apiVersion");
    if (apiVersion == null) {
      fields.required("apiVersion");
    } else if (!apiVersion.equals(CanaryReader.API_VERSION)) {
      fields.error("apiVersion", "expected " + CanaryReader.API_VERSION);
    }
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

  private static JsonNode toTree(Map<String, ?> tree) {
    return TREES.valueToTree(Objects.requireNonNull(tree, "tree"));
  }

  private record Located(JsonNode node, String path) {}
}
