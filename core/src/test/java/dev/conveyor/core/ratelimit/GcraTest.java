package dev.conveyor.core.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GcraTest {
  private static final Instant T0 = Instant.parse("2026-11-23T12:00:00Z");
  private static final RateLimit TEN_PER_SECOND_BURST_FIVE = new RateLimit(10, 5);

  /** Runs {@code n} requests at {@code now}, storing state as a shared store would. */
  private Optional<Instant> state = Optional.empty();

  private RateDecision request(Instant now) {
    Gcra.Step step = Gcra.request(state, now, TEN_PER_SECOND_BURST_FIVE);
    step.newTat().ifPresent(t -> state = Optional.of(t));
    return step.decision();
  }

  @Test
  void aFullBucketLetsTheBurstThroughAtOnceThenRefusesWithTheWait() {
    for (int i = 0; i < 5; i++) {
      assertThat(request(T0).allowed()).as("request %d", i).isTrue();
    }
    RateDecision sixth = request(T0);

    assertThat(sixth.allowed()).isFalse();
    assertThat(sixth.retryAfter()).isEqualTo(Duration.ofMillis(100));
  }

  @Test
  void tokensRefillAtTheSustainedRate() {
    for (int i = 0; i < 5; i++) {
      request(T0);
    }
    assertThat(request(T0.plusMillis(99)).allowed()).isFalse();
    assertThat(request(T0.plusMillis(100)).allowed()).isTrue();
    assertThat(request(T0.plusMillis(100)).allowed()).isFalse();
  }

  @Test
  void aSteadyStreamAtTheRateIsNeverRefused() {
    for (int i = 0; i < 1000; i++) {
      assertThat(request(T0.plusMillis(100L * i)).allowed()).isTrue();
    }
  }

  @Test
  void aQuietPeriodRefillsTheBucketButNoFurtherThanTheBurst() {
    request(T0);
    Instant later = T0.plusSeconds(60);
    int allowed = 0;
    while (request(later).allowed()) {
      allowed++;
    }
    assertThat(allowed).isEqualTo(5);
  }

  @Test
  void aRefusedRequestLeavesTheStateAsItWas() {
    for (int i = 0; i < 5; i++) {
      request(T0);
    }
    Optional<Instant> before = state;
    Gcra.Step refused = Gcra.request(state, T0, TEN_PER_SECOND_BURST_FIVE);

    assertThat(refused.newTat()).isEmpty();
    assertThat(state).isEqualTo(before);
  }

  @Test
  void severalTokensAtOnceCostAsMuchAsThatManyRequests() {
    Gcra.Take take = Gcra.take(Optional.empty(), T0, TEN_PER_SECOND_BURST_FIVE, 3);
    state = take.newTat();

    assertThat(take.grant().tokens()).isEqualTo(3);
    int allowed = 0;
    while (request(T0).allowed()) {
      allowed++;
    }
    assertThat(allowed).isEqualTo(2);
  }

  @Test
  void aTakeOfMoreThanTheBucketHoldsGetsWhatIsThere() {
    request(T0);
    request(T0);

    Gcra.Take take = Gcra.take(state, T0, TEN_PER_SECOND_BURST_FIVE, 10);

    assertThat(take.grant().tokens()).isEqualTo(3);
    assertThat(take.newTat()).contains(T0.plusMillis(500));
  }

  @Test
  void aTakeFromAnEmptyBucketGetsNothingAndTheWait() {
    for (int i = 0; i < 5; i++) {
      request(T0);
    }

    Gcra.Take take = Gcra.take(state, T0.plusMillis(30), TEN_PER_SECOND_BURST_FIVE, 4);

    assertThat(take.grant().granted()).isFalse();
    assertThat(take.grant().retryAfter()).isEqualTo(Duration.ofMillis(70));
    assertThat(take.newTat()).isEmpty();
  }
}
