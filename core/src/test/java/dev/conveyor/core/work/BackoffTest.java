package dev.conveyor.core.work;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private static final Duration BASE = Duration.ofSeconds(5);
  private static final Duration CAP = Duration.ofMinutes(15);
  private final Backoff backoff = new Backoff(BASE, CAP);

  @Test
  void theCeilingDoublesWithEachAttemptFromTheBase() {
    assertThat(backoff.ceiling(1)).isEqualTo(Duration.ofSeconds(5));
    assertThat(backoff.ceiling(2)).isEqualTo(Duration.ofSeconds(10));
    assertThat(backoff.ceiling(3)).isEqualTo(Duration.ofSeconds(20));
    assertThat(backoff.ceiling(6)).isEqualTo(Duration.ofSeconds(160));
    assertThat(backoff.ceiling(8)).isEqualTo(Duration.ofSeconds(640));
  }

  @Test
  void theCapBoundsTheCeiling() {
    assertThat(backoff.ceiling(9)).as("5 s · 2^8 = 1280 s > 900 s").isEqualTo(CAP);
    assertThat(backoff.ceiling(20)).isEqualTo(CAP);
  }

  @Test
  void attemptsBelowOneCountAsTheFirst() {
    assertThat(backoff.ceiling(0)).isEqualTo(BASE);
    assertThat(backoff.ceiling(-3)).isEqualTo(BASE);
  }

  @Test
  void theDelayIsFullJitterAnywhereFromZeroToTheCeiling() {
    for (int attempt = 1; attempt <= 12; attempt++) {
      Duration ceiling = backoff.ceiling(attempt);
      Duration min = ceiling;
      Duration max = Duration.ZERO;
      for (int i = 0; i < 2_000; i++) {
        Duration delay = backoff.delay(attempt);
        assertThat(delay).isBetween(Duration.ZERO, ceiling);
        min = delay.compareTo(min) < 0 ? delay : min;
        max = delay.compareTo(max) > 0 ? delay : max;
      }
      // Full jitter spreads over the whole range, not just near the ceiling (nor near zero).
      assertThat(min).as("attempt %d", attempt).isLessThan(ceiling.dividedBy(4));
      assertThat(max).as("attempt %d", attempt).isGreaterThan(ceiling.multipliedBy(3).dividedBy(4));
    }
  }

  @Test
  void delaysVaryFromOneCallToTheNext() {
    assertThat(
            java.util.stream.IntStream.range(0, 50)
                .mapToObj(i -> backoff.delay(5))
                .distinct()
                .count())
        .isGreaterThan(10);
  }

  @Test
  void attempt100NeitherOverflowsNorExceedsTheCap() {
    assertThat(backoff.ceiling(100)).isEqualTo(CAP);
    assertThat(backoff.ceiling(Integer.MAX_VALUE)).isEqualTo(CAP);
    for (int i = 0; i < 1_000; i++) {
      assertThat(backoff.delay(100)).isBetween(Duration.ZERO, CAP);
    }
  }

  @Test
  void aLargeBaseIsStillBoundedByTheCap() {
    Backoff large = new Backoff(Duration.ofDays(1), Duration.ofDays(3));

    assertThat(large.ceiling(100)).isEqualTo(Duration.ofDays(3));
    assertThat(large.delay(100)).isBetween(Duration.ZERO, Duration.ofDays(3));
  }

  @Test
  void aZeroBaseMeansRetryAtOnce() {
    Backoff none = new Backoff(Duration.ZERO, CAP);

    assertThat(none.ceiling(1)).isEqualTo(Duration.ZERO);
    assertThat(none.ceiling(5)).isEqualTo(Duration.ZERO);
    assertThat(none.delay(3)).isEqualTo(Duration.ZERO);
  }
}
