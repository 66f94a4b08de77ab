package io.canaryanalysis.metrics.prometheus;

/** Checks header names and values up front, with messages that never repeat the value. */
final class HeaderValidation {
  private static final String TOKEN_SPECIALS = "!#$%&'*+-.^_`|~";

  private HeaderValidation() {}

  static void check(String name, String value) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("headers: a header name is empty");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!(Character.isLetterOrDigit(c) && c < 0x80) && TOKEN_SPECIALS.indexOf(c) < 0) {
        throw new IllegalArgumentException("headers: name '" + printable(name)
            + "' has a character that is not allowed at index " + i);
      }
    }
    checkValue("headers." + name, value);
  }

  /** Checks a value that will be sent in a header; {@code what} names it in the message. */
  static void checkValue(String what, String value) {
    if (value == null) {
      throw new IllegalArgumentException(what + ": value is missing");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (!(c == '\t' || (c >= 0x20 && c <= 0x7e))) {
        throw new IllegalArgumentException(what
            + ": value has a character that is not allowed at index " + i
            + " (control characters, line breaks and non-ASCII are rejected)");
      }
    }
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    s.codePoints().forEach(cp -> {
      if (cp >= 0x20 && cp <= 0x7e) {
        b.appendCodePoint(cp);
      } else {
        b.append(String.format("\\u%04x", cp));
      }
    });
    return b.toString();
  }
}
