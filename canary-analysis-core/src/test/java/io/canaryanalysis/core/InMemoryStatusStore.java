package io.canaryanalysis.core;

import io.canaryanalysis.api.StatusStore;
import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.status.CanaryStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A test status store: compare-and-set on a counter, every write recorded, failures on demand. */
final class InMemoryStatusStore implements StatusStore {
  final List<CanaryStatus> writes = new ArrayList<>();
  RuntimeException failure;
  long version = 1;

  @Override
  public synchronized Optional<String> compareAndSet(Canary canary, CanaryStatus next) {
    if (failure != null) {
      throw failure;
    }
    if (canary.resourceVersion() != null && !canary.resourceVersion().equals(Long.toString(version))) {
      return Optional.empty();
    }
    writes.add(next);
    version++;
    return Optional.of(Long.toString(version));
  }
}
