package io.canaryanalysis.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class VersionMemoTest {
  private final AtomicInteger computed = new AtomicInteger();

  private String checksum(ConfigMap map) {
    computed.incrementAndGet();
    return Hashes.configChecksum(map.getData());
  }

  private static ConfigMap map(String name, String uid, String version, String color) {
    return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace("test").withUid(uid)
        .withResourceVersion(version).endMetadata().withData(Map.of("color", color)).build();
  }

  @Test
  void anUnchangedVersionIsDerivedOnce() {
    VersionMemo<String> memo = new VersionMemo<>(16);
    String first = memo.get(map("env", "u1", "7", "blue"), this::checksum);
    String again = memo.get(map("env", "u1", "7", "blue"), this::checksum);

    assertThat(again).isEqualTo(first);
    assertThat(computed).hasValue(1);
  }

  @Test
  void aNewVersionOrAReplacedObjectIsDerivedAgain() {
    VersionMemo<String> memo = new VersionMemo<>(16);
    String blue = memo.get(map("env", "u1", "7", "blue"), this::checksum);
    String green = memo.get(map("env", "u1", "8", "green"), this::checksum);
    // deleted and created again under the same name: same version string, another uid
    String recreated = memo.get(map("env", "u2", "8", "red"), this::checksum);

    assertThat(green).isNotEqualTo(blue);
    assertThat(recreated).isNotEqualTo(green).isEqualTo(Hashes.configChecksum(Map.of("color", "red")));
    assertThat(computed).hasValue(3);
    assertThat(memo.size()).isEqualTo(1);
  }

  @Test
  void anObjectWithoutUidOrVersionIsNeverRemembered() {
    VersionMemo<String> memo = new VersionMemo<>(16);
    memo.get(map("env", null, "7", "blue"), this::checksum);
    memo.get(map("env", null, "7", "blue"), this::checksum);
    memo.get(map("env", "u1", null, "blue"), this::checksum);

    assertThat(computed).hasValue(3);
    assertThat(memo.size()).isZero();
  }

  @Test
  void theMemoIsBounded() {
    VersionMemo<String> memo = new VersionMemo<>(100);
    for (int i = 0; i < 1_000; i++) {
      memo.get(map("env-" + i, "u" + i, "1", "blue"), this::checksum);
    }

    assertThat(memo.size()).isLessThanOrEqualTo(100);
  }

  @Test
  void objectsOfTheSameNameInOtherNamespacesOrKindsDoNotMix() {
    VersionMemo<String> memo = new VersionMemo<>(16);
    ConfigMap here = map("env", "u1", "7", "blue");
    ConfigMap there = new ConfigMapBuilder(map("env", "u1", "7", "green")).editMetadata()
        .withNamespace("other").endMetadata().build();

    assertThat(memo.get(here, this::checksum)).isNotEqualTo(memo.get(there, this::checksum));
    assertThat(computed).hasValue(2);
  }
}
