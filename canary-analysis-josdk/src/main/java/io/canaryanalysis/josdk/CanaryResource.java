package io.canaryanalysis.josdk;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Flagger's {@code Canary} ({@code flagger.app/v1beta1}, plural {@code canaries}) as the typed
 * primary resource JOSDK needs. Spec and status are kept as free-form trees, so no field of a
 * Flagger manifest is lost on the way in; the strict manifest reader turns the object into the
 * model (and reports every problem with its path) when it is reconciled.
 */
@Group("flagger.app")
@Version("v1beta1")
@Kind("Canary")
@Plural("canaries")
public class CanaryResource extends CustomResource<CanaryResource.Tree, CanaryResource.Tree>
    implements Namespaced {
  private static final long serialVersionUID = 1L;

  @Override
  protected Tree initSpec() {
    return new Tree();
  }

  @Override
  protected Tree initStatus() {
    return null;
  }

  /** A JSON object of any shape: the fields as they are stored, in their order. */
  public static final class Tree {
    private final Map<String, Object> fields = new LinkedHashMap<>();

    /** The fields of the object (a live view: changes are serialized). */
    @JsonAnyGetter
    public Map<String, Object> fields() {
      return fields;
    }

    @JsonAnySetter
    void set(String name, Object value) {
      fields.put(name, value);
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Tree && ((Tree) other).fields.equals(fields);
    }

    @Override
    public int hashCode() {
      return fields.hashCode();
    }

    /** The field names only: a spec may reference Secrets, and a status carries failure texts. */
    @Override
    public String toString() {
      return "Tree" + fields.keySet();
    }
  }
}
