package dev.conveyor.core.ratelimit;

import java.time.Duration;

/**
 * @param retryAfter how long until a request would be allowed (zero when allowed)
 */
public record RateDecision(boolean allowed, Duration retryAfter) {
  public static RateDecision allow() {
    return new RateDecision(true, Duration.ZERO);
  }

  public static RateDecision deny(Duration retryAfter) {
    return new RateDecision(false, retryAfter);
  }
}
