package dev.conveyor.core.ratelimit;

import java.time.Duration;

/**
 * A token bucket: {@code perSecond} tokens refill each second, up to {@code burst} saved.
 *
 * @param perSecond sustained requests per second (positive)
 * @param burst how many requests may arrive at once after a quiet period (at least 1)
 */
public record RateLimit(double perSecond, int burst) {
  public RateLimit {
    if (!(perSecond > 0) || burst < 1) {
      throw new IllegalArgumentException("a rate limit needs a positive rate and a burst >= 1");
    }
  }

  /** The time one token takes to refill. */
  public Duration interval() {
    return Duration.ofNanos((long) (1_000_000_000L / perSecond));
  }
}
