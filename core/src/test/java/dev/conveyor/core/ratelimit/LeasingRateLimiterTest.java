package dev.conveyor.core.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.testing.InMemoryTokenBuckets;
import dev.conveyor.core.testing.MutableClock;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class LeasingRateLimiterTest {
  private static final RateLimit FIFTY_PER_SECOND_BURST_HUNDRED = new RateLimit(50, 100);
  private static final Duration ONE_SECOND = Duration.ofSeconds(1);

  private final MutableClock clock = new MutableClock();
  private final InMemoryTokenBuckets shared = new InMemoryTokenBuckets(clock);
  private final TenantId tenant = new TenantId(UUID.randomUUID());

  private LeasingRateLimiter container() {
    return new LeasingRateLimiter(shared, ONE_SECOND, clock);
  }

  /** {@code count} requests evenly spread over {@code over}; returns how many were allowed. */
  private int requests(LeasingRateLimiter limiter, int count, Duration over, RateLimit limit) {
    int allowed = 0;
    Duration gap = over.dividedBy(count);
    for (int i = 0; i < count; i++) {
      allowed += limiter.acquire(tenant, "writes", limit).allowed() ? 1 : 0;
      clock.advance(gap);
    }
    return allowed;
  }

  @Test
  void aBusyTenantCostsTheSharedStoreOneCallPerLeaseNotOnePerRequest() {
    LeasingRateLimiter limiter = container();

    int allowed = requests(limiter, 400, Duration.ofSeconds(10), FIFTY_PER_SECOND_BURST_HUNDRED);

    assertThat(allowed).isEqualTo(400);
    assertThat(shared.calls()).isLessThan(400 / 5);
  }

  @Test
  void aLeaseIsAtMostATenthOfTheBurst() {
    LeasingRateLimiter limiter = container();

    assertThat(limiter.maxLease(FIFTY_PER_SECOND_BURST_HUNDRED)).isEqualTo(10);
    assertThat(limiter.maxLease(new RateLimit(2, 1000)))
        .as("and one window of the rate")
        .isEqualTo(2);
    assertThat(limiter.maxLease(new RateLimit(10, 5))).as("small limits are exact").isEqualTo(1);
  }

  @Test
  void containersLeasingFromOneBucketNeverHandOutMoreThanTheLimit() {
    LeasingRateLimiter a = container();
    LeasingRateLimiter b = container();
    LeasingRateLimiter c = container();

    // Three containers, 300 req/s between them for 10 s, against 50/s with a burst of 100.
    int allowed = 0;
    for (int i = 0; i < 3000; i++) {
      LeasingRateLimiter either = i % 3 == 0 ? a : i % 3 == 1 ? b : c;
      allowed += either.acquire(tenant, "writes", FIFTY_PER_SECOND_BURST_HUNDRED).allowed() ? 1 : 0;
      clock.advance(Duration.ofNanos(3_333_333));
    }

    // The burst plus 10 s at the rate is the most the limit allows; leasing may waste a little.
    assertThat(allowed).isLessThanOrEqualTo(100 + 500).isGreaterThan(500);
  }

  @Test
  void aRefusalIsAnsweredLocallyUntilItsWaitIsOver() {
    RateLimit fivePerSecond = new RateLimit(5, 5);
    LeasingRateLimiter limiter = container();
    for (int i = 0; i < 5; i++) {
      limiter.acquire(tenant, "writes", fivePerSecond);
    }
    int callsWhenSpent = shared.calls();

    RateDecision refused = limiter.acquire(tenant, "writes", fivePerSecond);
    for (int i = 0; i < 50; i++) {
      assertThat(limiter.acquire(tenant, "writes", fivePerSecond).allowed()).isFalse();
    }

    assertThat(refused.allowed()).isFalse();
    assertThat(refused.retryAfter()).isEqualTo(Duration.ofMillis(200));
    assertThat(shared.calls()).isEqualTo(callsWhenSpent + 1);
    clock.advance(Duration.ofMillis(200));
    assertThat(limiter.acquire(tenant, "writes", fivePerSecond).allowed()).isTrue();
  }

  @Test
  void leasedTokensExpireWithTheirWindow() {
    LeasingRateLimiter limiter = container();
    requests(limiter, 50, ONE_SECOND, FIFTY_PER_SECOND_BURST_HUNDRED);
    int calls = shared.calls();

    clock.advance(Duration.ofSeconds(5));
    limiter.acquire(tenant, "writes", FIFTY_PER_SECOND_BURST_HUNDRED);

    assertThat(shared.calls()).as("an expired lease is not used").isEqualTo(calls + 1);
  }

  @Test
  void aQuietTenantLeasesOneTokenAtATime() {
    LeasingRateLimiter limiter = container();

    int allowed = requests(limiter, 10, Duration.ofSeconds(30), FIFTY_PER_SECOND_BURST_HUNDRED);

    assertThat(allowed).isEqualTo(10);
    assertThat(shared.calls()).isEqualTo(10);
  }

  @Test
  void aZeroWindowAsksTheSharedStoreEveryTime() {
    LeasingRateLimiter limiter = new LeasingRateLimiter(shared, Duration.ZERO, clock);

    requests(limiter, 30, ONE_SECOND, FIFTY_PER_SECOND_BURST_HUNDRED);

    assertThat(shared.calls()).isEqualTo(30);
  }

  @Test
  void tenantsAndBucketsLeaseSeparately() {
    LeasingRateLimiter limiter = container();
    RateLimit fivePerSecond = new RateLimit(5, 5);
    for (int i = 0; i < 5; i++) {
      limiter.acquire(tenant, "writes", fivePerSecond);
    }

    assertThat(limiter.acquire(tenant, "writes", fivePerSecond).allowed()).isFalse();
    assertThat(limiter.acquire(tenant, "reads", fivePerSecond).allowed()).isTrue();
    assertThat(limiter.acquire(new TenantId(UUID.randomUUID()), "writes", fivePerSecond).allowed())
        .isTrue();
  }
}
