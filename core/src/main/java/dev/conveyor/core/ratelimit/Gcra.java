package dev.conveyor.core.ratelimit;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The token bucket as the generic cell rate algorithm: the whole bucket state is one instant, the
 * "theoretical arrival time" (TAT) of the next request at the sustained rate. That single value is
 * what makes the bucket cheap to keep in a shared store with one conditional write.
 */
public final class Gcra {
  /** The outcome of one request against the state {@code tat}. */
  public record Step(RateDecision decision, Optional<Instant> newTat) {}

  private Gcra() {}

  /**
   * How far the state may run ahead of now before a request must wait: a full bucket lets {@code
   * burst} requests through at once, so {@code burst - 1} intervals.
   */
  public static Duration burstAllowance(RateLimit limit) {
    return limit.interval().multipliedBy(limit.burst() - 1);
  }

  /**
   * @param tat the stored state, or empty for a fresh (full) bucket
   * @return allowed with the state to store, or denied (state unchanged) with the wait
   */
  public static Step request(Optional<Instant> tat, Instant now, RateLimit limit) {
    Duration interval = limit.interval();
    Instant start = tat.filter(t -> t.isAfter(now)).orElse(now);
    Instant allowedUntil = now.plus(burstAllowance(limit));
    if (start.isAfter(allowedUntil)) {
      return new Step(RateDecision.deny(Duration.between(allowedUntil, start)), Optional.empty());
    }
    return new Step(RateDecision.allow(), Optional.of(start.plus(interval)));
  }
}
