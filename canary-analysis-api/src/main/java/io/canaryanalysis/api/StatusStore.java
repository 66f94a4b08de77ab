package io.canaryanalysis.api;

import io.canaryanalysis.api.spec.Canary;
import io.canaryanalysis.api.status.CanaryStatus;
import java.util.Optional;

/**
 * Where the host persists a canary's status. Writes are compare-and-set on the stored object's
 * version, so two engines deciding from the same stored status cannot both win: the engine
 * performs a decision's actions only after its status was written.
 */
public interface StatusStore {

  /**
   * Writes {@code next} as the status of {@code canary} if the stored object is still at
   * {@link Canary#resourceVersion()} (a null version writes unconditionally).
   *
   * @return the stored object's new version, or empty when another writer changed it first (the
   *     caller then does nothing: the next tick reads the winner's status)
   * @throws ProviderException when the write failed or its outcome is unknown
   */
  Optional<String> compareAndSet(Canary canary, CanaryStatus next);
}
