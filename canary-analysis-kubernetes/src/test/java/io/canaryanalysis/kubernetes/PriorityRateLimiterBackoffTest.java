package io.canaryanalysis.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The limiter's AIMD backoff on 429 and its Retry-After pause, on a clock the test moves. */
class PriorityRateLimiterBackoffTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long S = TimeUnit.SECONDS.toNanos(1);

  // An arbitrary origin near overflow, as System.nanoTime may have.
  private final AtomicLong now = new AtomicLong(Long.MAX_VALUE - 3 * S);
  private final PriorityRateLimiter limiter = new PriorityRateLimiter(100, 10, now::get);

  private void advance(long nanos) {
    now.addAndGet(nanos);
  }

  @Test
  void a429HalvesTheRateAndSpendsTheBurst() {
    assertThat(limiter.tryTake(true)).isZero();
    assertThat(limiter.tokens()).isEqualTo(9, within(1e-9));

    limiter.throttled(null);

    assertThat(limiter.effectiveRate()).isEqualTo(50, within(1e-9));
    assertThat(limiter.throttledResponses()).isEqualTo(1);
    assertThat(limiter.tokens()).isZero();
    // Empty bucket, 50 tokens/s: the next token in 20 ms, for either priority.
    assertThat(limiter.tryTake(true)).isEqualTo(20 * MS);
    assertThat(limiter.tryTake(false)).isEqualTo(20 * MS);
    advance(21 * MS);
    assertThat(limiter.tryTake(true)).isZero();
  }

  @Test
  void aBurstOf429sWithinASecondIsOneCut() {
    for (int i = 0; i < 20; i++) {
      limiter.throttled(null);
      advance(10 * MS);
    }
    assertThat(limiter.throttledResponses()).isEqualTo(20);
    assertThat(limiter.effectiveRate()).isEqualTo(50 + 10 * 0.2, within(1e-9));
    advance(800 * MS); // a second after the first 429: the next one cuts again
    limiter.throttled(null);
    assertThat(limiter.effectiveRate()).isEqualTo(30, within(1e-9));
  }

  @Test
  void repeated429sWithRetryAfterFloorTheRateAtFivePercent() {
    double[] expected = {50, 25, 12.5, 6.25, 5, 5, 5};
    for (double rate : expected) {
      limiter.throttled("1");
      assertThat(limiter.effectiveRate()).isEqualTo(rate, within(1e-9));
      advance(S); // the pause: no recovery during it
    }
    // Without Retry-After, 429s a second apart meet the recovery: (r + 10) / 2 tends to 10/s.
    PriorityRateLimiter other = new PriorityRateLimiter(100, 10, now::get);
    for (int i = 0; i < 40; i++) {
      other.throttled(null);
      advance(S);
    }
    assertThat(other.effectiveRate()).isEqualTo(20, within(1e-6)); // 10/s at the last cut, +10 since
  }

  @Test
  void theFloorIsAtLeastOnePerSecondAndNeverAboveTheConfiguredRate() {
    PriorityRateLimiter ten = new PriorityRateLimiter(10, 1, now::get);
    PriorityRateLimiter half = new PriorityRateLimiter(0.5, 1, now::get);
    for (int i = 0; i < 10; i++) {
      ten.throttled("1");
      half.throttled("1");
      advance(S);
    }
    assertThat(ten.effectiveRate()).isEqualTo(1, within(1e-9));
    assertThat(half.effectiveRate()).isEqualTo(0.5, within(1e-9));
  }

  @Test
  void theRateRecoversByATenthOfTheConfiguredRatePerSecond() {
    limiter.throttled(null);
    advance(S);
    assertThat(limiter.effectiveRate()).isEqualTo(60, within(1e-9));
    // Tokens accrued at the growing rate (50 + 60) / 2 per s = 55, capped at the shrunken capacity 10 * 60%.
    assertThat(limiter.tokens()).isEqualTo(6, within(1e-9));
    advance(2 * S);
    assertThat(limiter.effectiveRate()).isEqualTo(80, within(1e-9));
    advance(2 * S);
    assertThat(limiter.effectiveRate()).isEqualTo(100, within(1e-9));
    advance(10 * S);
    assertThat(limiter.effectiveRate()).isEqualTo(100, within(1e-9));
    assertThat(limiter.tokens()).isEqualTo(10, within(1e-9));
  }

  @Test
  void tokensAccrueAtTheRampingRateExactly() {
    PriorityRateLimiter big = new PriorityRateLimiter(100, 1000, now::get);
    big.throttled(null); // 50/s, empty
    advance(2 * S);
    // 50/s rising to 70/s over 2 s: 120 tokens, under the capacity 700.
    assertThat(big.tokens()).isEqualTo(120, within(1e-6));
    advance(5 * S);
    // 70/s to 100/s in 3 s (255 tokens), then 100/s for 2 s (200).
    assertThat(big.tokens()).isEqualTo(575, within(1e-6));
  }

  @Test
  void retryAfterPausesBothPrioritiesAndFreezesTheBucket() {
    limiter.throttled("2");
    assertThat(limiter.tryTake(true)).isEqualTo(2 * S);
    assertThat(limiter.tryTake(false)).isEqualTo(2 * S);
    advance(S);
    assertThat(limiter.tryTake(true)).isEqualTo(S);
    assertThat(limiter.effectiveRate()).isEqualTo(50, within(1e-9));
    assertThat(limiter.tokens()).isZero();
    advance(S);
    // The pause is over; the bucket starts empty at the halved rate.
    assertThat(limiter.tryTake(true)).isEqualTo(20 * MS);
    advance(20 * MS);
    assertThat(limiter.tryTake(true)).isZero();
    advance(S - 20 * MS);
    assertThat(limiter.effectiveRate()).isEqualTo(60, within(1e-9));
  }

  @Test
  void aShorterRetryAfterDoesNotShortenAPause() {
    limiter.throttled("5");
    advance(S);
    limiter.throttled("1");
    assertThat(limiter.tryTake(true)).isEqualTo(4 * S);
  }

  @Test
  void retryAfterIsCappedAtThirtySeconds() {
    assertThat(PriorityRateLimiter.MAX_PAUSE).hasSeconds(30);
    limiter.throttled("3600");
    assertThat(limiter.tryTake(true)).isEqualTo(30 * S);
    assertThat(PriorityRateLimiter.retryAfterNanos("99999999999999999999999")).isEqualTo(30 * S);
    assertThat(PriorityRateLimiter.retryAfterNanos(" 7 ")).isEqualTo(7 * S);
    assertThat(PriorityRateLimiter.retryAfterNanos("0")).isZero();
  }

  @Test
  void malformedAndHttpDateRetryAfterAreIgnoredButStillCutTheRate() {
    for (String value : new String[] {"soon", "-1", "1.5", "", "  ", "1s",
        "Wed, 21 Oct 2015 07:28:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT"}) {
      assertThat(PriorityRateLimiter.retryAfterNanos(value)).as(value).isZero();
    }
    limiter.throttled("Fri, 31 Dec 9999 23:59:59 GMT");
    assertThat(limiter.throttledResponses()).isEqualTo(1);
    assertThat(limiter.effectiveRate()).isEqualTo(50, within(1e-9));
    // No pause: just the empty bucket at 50/s.
    assertThat(limiter.tryTake(true)).isEqualTo(20 * MS);
  }

  @Test
  void tokensTakenOnCreditAreRepaidByTheNextCallers() {
    for (int i = 0; i < 12; i++) {
      limiter.takeOnCredit();
    }
    assertThat(limiter.tokens()).isEqualTo(-2, within(1e-9));
    assertThat(limiter.taken()).isEqualTo(12);
    assertThat(limiter.takenOnCredit()).isEqualTo(12);
    // Three tokens short at 100/s: 30 ms.
    assertThat(limiter.tryTake(true)).isEqualTo(30 * MS);
    advance(31 * MS);
    assertThat(limiter.tryTake(true)).isZero();
  }
}
