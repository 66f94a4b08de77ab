package io.canaryanalysis.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoTest {
  private final List<String> computed = new ArrayList<>();

  private String compute(String key) {
    computed.add(key);
    return key.toUpperCase(java.util.Locale.ROOT);
  }

  @Test
  void aHitDoesNotComputeAgainAndAnEqualKeyHits() {
    Memo<String, String> memo = new Memo<>(2);
    assertThat(memo.get("a", this::compute)).isEqualTo("A");
    assertThat(memo.get(new String("a"), this::compute)).isEqualTo("A");
    assertThat(computed).containsExactly("a");
    assertThat(memo.hits()).isEqualTo(1);
    assertThat(memo.misses()).isEqualTo(1);
  }

  @Test
  void beyondItsCapacityTheLeastRecentlyUsedEntryIsEvictedNotEverything() {
    Memo<String, String> memo = new Memo<>(2);
    memo.get("a", this::compute);
    memo.get("b", this::compute);
    memo.get("a", this::compute); // a is now the most recently used
    memo.get("c", this::compute); // evicts b
    assertThat(memo.size()).isEqualTo(2);
    computed.clear();
    memo.get("a", this::compute);
    memo.get("c", this::compute);
    assertThat(computed).isEmpty();
    memo.get("b", this::compute);
    assertThat(computed).containsExactly("b");
  }

  @Test
  void capacityZeroComputesEveryTimeAndAFailureIsNotRemembered() {
    Memo<String, String> off = new Memo<>(0);
    off.get("a", this::compute);
    off.get("a", this::compute);
    assertThat(computed).containsExactly("a", "a");
    assertThat(off.size()).isZero();

    Memo<String, String> memo = new Memo<>(4);
    assertThatThrownBy(() -> memo.get("bad", k -> {
      throw new IllegalArgumentException("unknown placeholder");
    })).hasMessage("unknown placeholder");
    assertThat(memo.get("bad", this::compute)).isEqualTo("BAD");
    assertThatThrownBy(() -> new Memo<String, String>(-1)).isInstanceOf(IllegalArgumentException.class);
  }
}
