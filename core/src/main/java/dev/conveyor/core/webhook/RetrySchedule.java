package dev.conveyor.core.webhook;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When to try a failed delivery again, by attempt number (not SQS receive count, which also counts
 * duplicates and redrives). Each delay gets ±10% jitter so retries of one outage spread out.
 */
public record RetrySchedule(List<Duration> delays) {
  /** Svix's schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
  public static final RetrySchedule DEFAULT =
      new RetrySchedule(
          List.of(
              Duration.ofSeconds(5),
              Duration.ofMinutes(5),
              Duration.ofMinutes(30),
              Duration.ofHours(2),
              Duration.ofHours(5),
              Duration.ofHours(10),
              Duration.ofHours(10)));

  public RetrySchedule {
    delays = List.copyOf(delays);
  }

  /**
   * @param attempt the attempt that just failed (1-based)
   * @return the delay before the next attempt, or empty when attempts are exhausted
   */
  public Optional<Duration> after(int attempt) {
    if (attempt < 1 || attempt > delays.size()) {
      return Optional.empty();
    }
    Duration base = delays.get(attempt - 1);
    double factor = 0.9 + ThreadLocalRandom.current().nextDouble(0.2);
    return Optional.of(Duration.ofMillis((long) (base.toMillis() * factor)));
  }

  /** Parses "5s,5m,30m,2h" (the {@code WEBHOOK_RETRY_SCHEDULE} setting). */
  public static RetrySchedule parse(String text) {
    return new RetrySchedule(
        java.util.Arrays.stream(text.split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .map(RetrySchedule::parseDuration)
            .toList());
  }

  private static Duration parseDuration(String s) {
    long n = Long.parseLong(s.substring(0, s.length() - 1));
    return switch (s.charAt(s.length() - 1)) {
      case 's' -> Duration.ofSeconds(n);
      case 'm' -> Duration.ofMinutes(n);
      case 'h' -> Duration.ofHours(n);
      default -> throw new IllegalArgumentException("durations end in s, m or h: " + s);
    };
  }
}
