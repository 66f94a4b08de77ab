package io.canaryanalysis.api.spec;

import java.util.Objects;

/** One string condition of an HTTP match: {@code exact}, {@code prefix}, {@code suffix} or {@code regex} (RE2). */
public record StringMatch(Type type, String value) {

  /** How the value is compared. */
  public enum Type {
    EXACT("exact"),
    PREFIX("prefix"),
    SUFFIX("suffix"),
    REGEX("regex");

    private final String fieldName;

    Type(String fieldName) {
      this.fieldName = fieldName;
    }

    /** The manifest field name, for example {@code exact}. */
    public String fieldName() {
      return fieldName;
    }
  }

  public StringMatch {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(value, "value");
  }

  public static StringMatch exact(String value) {
    return new StringMatch(Type.EXACT, value);
  }

  public static StringMatch prefix(String value) {
    return new StringMatch(Type.PREFIX, value);
  }

  public static StringMatch suffix(String value) {
    return new StringMatch(Type.SUFFIX, value);
  }

  public static StringMatch regex(String value) {
    return new StringMatch(Type.REGEX, value);
  }
}
