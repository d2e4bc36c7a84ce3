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

  /** The outcome of taking several tokens at once: the grant, and the state to store if any. */
  public record Take(TokenBuckets.Grant grant, Optional<Instant> newTat) {}

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
    Take take = take(tat, now, limit, 1);
    return new Step(
        take.grant().granted()
            ? RateDecision.allow()
            : RateDecision.deny(take.grant().retryAfter()),
        take.newTat());
  }

  /**
   * Takes as many of {@code wanted} tokens as the bucket holds now (at least one, or none with the
   * wait until one refills).
   *
   * @param tat the stored state, or empty for a fresh (full) bucket
   */
  public static Take take(Optional<Instant> tat, Instant now, RateLimit limit, int wanted) {
    if (wanted < 1) {
      throw new IllegalArgumentException("take at least one token");
    }
    Instant start = tat.filter(t -> t.isAfter(now)).orElse(now);
    Instant allowedUntil = now.plus(burstAllowance(limit));
    if (start.isAfter(allowedUntil)) {
      return new Take(
          TokenBuckets.Grant.refused(Duration.between(allowedUntil, start)), Optional.empty());
    }
    int tokens = (int) Math.min(wanted, available(start, allowedUntil, limit));
    return new Take(
        TokenBuckets.Grant.of(tokens),
        Optional.of(start.plus(limit.interval().multipliedBy(tokens))));
  }

  /** Tokens in the bucket whose next request may start at {@code start} (not after the bound). */
  private static long available(Instant start, Instant allowedUntil, RateLimit limit) {
    return Duration.between(start, allowedUntil).toNanos() / limit.interval().toNanos() + 1;
  }
}
