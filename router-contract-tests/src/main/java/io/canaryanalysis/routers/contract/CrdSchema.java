package io.canaryanalysis.routers.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One served version of a CustomResourceDefinition's {@code openAPIV3Schema}, as a strict JSON
 * Schema, so tests can check the objects a router writes: fabric8's mock API server accepts any
 * JSON, a real one prunes or refuses unknown fields and wrong types.
 *
 * <p>The translation from the Kubernetes structural-schema dialect: every object with
 * {@code properties} and neither {@code additionalProperties} nor
 * {@code x-kubernetes-preserve-unknown-fields} gets {@code additionalProperties: false} (the API
 * server prunes such fields, so writing one is a bug); {@code x-kubernetes-int-or-string} becomes
 * integer-or-string; {@code nullable} admits null. CEL rules ({@code x-kubernetes-validations})
 * and {@code format} are not checked.
 */
public final class CrdSchema {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final String name;
  private final JsonSchema schema;
  private final JsonNode openApi;

  private CrdSchema(String name, JsonSchema schema, JsonNode openApi) {
    this.name = name;
    this.schema = schema;
    this.openApi = openApi;
  }

  /**
   * Loads the CRD YAML at classpath {@code resource} (one document, or the first document that is
   * a CustomResourceDefinition) and takes the schema of {@code version}.
   */
  public static CrdSchema load(String resource, String version) {
    JsonNode crd = readCrd(resource);
    for (JsonNode served : crd.path("spec").path("versions")) {
      if (version.equals(served.path("name").asText())) {
        JsonNode openApi = served.path("schema").path("openAPIV3Schema");
        if (openApi.isMissingNode()) {
          throw new IllegalArgumentException(resource + " version " + version + " has no schema");
        }
        ObjectNode root = (ObjectNode) openApi.deepCopy();
        // The API server always accepts these at the root; some CRDs (Istio's) leave them out.
        ObjectNode properties = root.has("properties")
            ? (ObjectNode) root.get("properties") : root.putObject("properties");
        if (!properties.has("apiVersion")) {
          properties.putObject("apiVersion").put("type", "string");
        }
        if (!properties.has("kind")) {
          properties.putObject("kind").put("type", "string");
        }
        if (!properties.has("metadata")) {
          properties.putObject("metadata").put("type", "object");
        }
        JsonNode strict = strict(root, false);
        JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(strict);
        return new CrdSchema(crd.path("spec").path("names").path("kind").asText() + " "
            + crd.path("spec").path("group").asText() + "/" + version, schema, openApi);
      }
    }
    throw new IllegalArgumentException(resource + " does not serve version " + version);
  }

  /** What is wrong with {@code object} (a JSON tree of maps and lists, or a {@link JsonNode}). */
  public List<String> violations(Object object) {
    JsonNode node = object instanceof JsonNode n ? n : JSON.valueToTree(object);
    List<String> result = new ArrayList<>();
    for (ValidationMessage message : schema.validate(node)) {
      result.add(message.getMessage());
    }
    result.sort(null);
    return result;
  }

  /** Fails with every violation when {@code object} is not a valid object of this kind. */
  public void assertValid(Object object) {
    List<String> violations = violations(object);
    if (!violations.isEmpty()) {
      throw new AssertionError("not a valid " + name + ":\n  " + String.join("\n  ", violations)
          + "\nobject: " + (object instanceof JsonNode ? object : JSON.valueToTree(object)));
    }
  }

  /**
   * {@code object} with the schema's {@code default} values filled in, as the API server stores
   * it. A router that writes an object unequal to its defaulted form would see a difference on
   * every read and write on every tick.
   */
  public JsonNode withDefaults(Object object) {
    JsonNode node = (object instanceof JsonNode n ? n : JSON.valueToTree(object)).deepCopy();
    applyDefaults(node, openApi);
    return node;
  }

  private static void applyDefaults(JsonNode node, JsonNode schema) {
    if (node instanceof ObjectNode object) {
      JsonNode properties = schema.path("properties");
      properties.fields().forEachRemaining(property -> {
        JsonNode defaultValue = property.getValue().get("default");
        if (!object.has(property.getKey()) && defaultValue != null) {
          object.set(property.getKey(), defaultValue.deepCopy());
        }
        if (object.has(property.getKey())) {
          applyDefaults(object.get(property.getKey()), property.getValue());
        }
      });
      JsonNode additional = schema.path("additionalProperties");
      if (additional.isObject()) {
        object.fields().forEachRemaining(field -> applyDefaults(field.getValue(), additional));
      }
    } else if (node instanceof ArrayNode array && schema.has("items")) {
      array.forEach(item -> applyDefaults(item, schema.get("items")));
    }
  }

  @Override
  public String toString() {
    return "CrdSchema[" + name + "]";
  }

  private static JsonNode readCrd(String resource) {
    ClassLoader loader = Objects.requireNonNullElse(
        Thread.currentThread().getContextClassLoader(), CrdSchema.class.getClassLoader());
    try (InputStream in = loader.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException("no classpath resource " + resource);
      }
      YAMLParser parser = (YAMLParser) YAML.getFactory().createParser(in);
      Iterator<JsonNode> docs = YAML.readValues(parser, JsonNode.class);
      while (docs.hasNext()) {
        JsonNode doc = docs.next();
        if (doc != null && "CustomResourceDefinition".equals(doc.path("kind").asText())) {
          return doc;
        }
      }
      throw new IllegalArgumentException(resource + " holds no CustomResourceDefinition");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The strict form of {@code node}; inside {@code anyOf}/{@code allOf}/{@code oneOf}/{@code not}
   * ({@code branch}) objects stay open, since such a branch restates only some of the parent's
   * properties.
   */
  private static JsonNode strict(JsonNode node, boolean branch) {
    if (node instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        array.set(i, strict(array.get(i), branch));
      }
      return array;
    }
    if (!(node instanceof ObjectNode schema)) {
      return node;
    }
    if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
      ObjectNode intOrString = JsonNodeFactory.instance.objectNode();
      ArrayNode anyOf = intOrString.putArray("anyOf");
      anyOf.addObject().put("type", "integer");
      anyOf.addObject().put("type", "string");
      return intOrString;
    }
    boolean preserveUnknown = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
    boolean nullable = schema.path("nullable").asBoolean(false);
    List<String> drop = new ArrayList<>();
    schema.fieldNames().forEachRemaining(field -> {
      if (field.startsWith("x-kubernetes-") || field.equals("nullable") || field.equals("format")
          || field.equals("description") || field.equals("default") || field.equals("example")) {
        drop.add(field);
      }
    });
    schema.remove(drop);
    for (String keyword : List.of("properties", "patternProperties", "definitions")) {
      if (schema.get(keyword) instanceof ObjectNode children) {
        List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
        children.fields().forEachRemaining(entries::add);
        for (Map.Entry<String, JsonNode> entry : entries) {
          children.set(entry.getKey(), strict(entry.getValue(), false));
        }
      }
    }
    for (String keyword : List.of("items", "additionalProperties")) {
      if (schema.has(keyword) && schema.get(keyword).isContainerNode()) {
        schema.set(keyword, strict(schema.get(keyword), false));
      }
    }
    for (String keyword : List.of("anyOf", "allOf", "oneOf", "not")) {
      if (schema.has(keyword)) {
        schema.set(keyword, strict(schema.get(keyword), true));
      }
    }
    if (!branch && schema.has("properties") && !schema.has("additionalProperties")
        && !preserveUnknown) {
      schema.put("additionalProperties", false);
    }
    if (nullable && schema.has("type") && schema.get("type").isTextual()) {
      ArrayNode types = JsonNodeFactory.instance.arrayNode();
      types.add(schema.get("type").asText());
      types.add("null");
      schema.set("type", types);
    }
    return schema;
  }
}
