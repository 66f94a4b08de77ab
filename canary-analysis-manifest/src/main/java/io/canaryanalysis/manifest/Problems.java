package io.canaryanalysis.manifest;

import io.canaryanalysis.api.SpecProblem;
import java.util.ArrayList;
import java.util.List;

/** Collects the errors and the non-fatal notices found while reading one input. */
final class Problems {
  private final List<SpecProblem> errors = new ArrayList<>();
  private final List<SpecProblem> notices = new ArrayList<>();

  /** Records an error; a second one at the same path is a consequence of the first and is left out. */
  void error(String path, String message) {
    for (SpecProblem error : errors) {
      if (error.path().equals(path)) {
        return;
      }
    }
    errors.add(new SpecProblem(path, message));
  }

  void notice(String path, String message) {
    notices.add(new SpecProblem(path, message));
  }

  int errorCount() {
    return errors.size();
  }

  List<SpecProblem> errors() {
    return List.copyOf(errors);
  }

  List<SpecProblem> notices() {
    return List.copyOf(notices);
  }

  /** Notices recorded since {@code fromIndex}, used to attach notices to the document that caused them. */
  List<SpecProblem> noticesSince(int fromIndex) {
    return List.copyOf(notices.subList(fromIndex, notices.size()));
  }

  int noticeCount() {
    return notices.size();
  }

  void throwIfAny() {
    if (!errors.isEmpty()) {
      throw new ManifestException(errors);
    }
  }

  /** {@code base.field}, or {@code field} at the root. */
  static String join(String base, String field) {
    return base.isEmpty() ? field : base + "." + field;
  }

  /** A path step for a user-chosen map key: {@code .key}, or {@code ["key"]} when the key has dots or other punctuation. */
  static String key(String base, String key) {
    if (!key.isEmpty() && key.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '-' || c == '_')) {
      return join(base, key);
    }
    return base + "[\"" + key.replace("\"", "\\\"") + "\"]";
  }

  static String index(String base, int index) {
    return base + "[" + index + "]";
  }
}
