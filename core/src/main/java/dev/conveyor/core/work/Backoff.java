package dev.conveyor.core.work;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"): a
 * random delay in {@code [0, min(cap, base * 2^(attempt-1))]}, which spreads retries out instead of
 * having every failed message return at once.
 */
public record Backoff(Duration base, Duration cap) {
  public Duration delay(int attempt) {
    long ceiling = ceiling(attempt).toMillis();
    return Duration.ofMillis(ThreadLocalRandom.current().nextLong(ceiling + 1));
  }

  /** The largest delay {@link #delay} may return for this attempt. */
  public Duration ceiling(int attempt) {
    long baseMillis = base.toMillis();
    if (baseMillis <= 0) {
      return Duration.ZERO;
    }
    int shift = Math.max(attempt - 1, 0);
    // Doubling past the cap (or past a long) cannot lower the answer: stop there.
    long millis =
        shift >= Long.numberOfLeadingZeros(baseMillis) - 1 ? Long.MAX_VALUE : baseMillis << shift;
    return Duration.ofMillis(Math.min(millis, cap.toMillis()));
  }
}
