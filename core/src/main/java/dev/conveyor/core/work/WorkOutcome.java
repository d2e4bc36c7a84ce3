package dev.conveyor.core.work;

import java.time.Duration;

/** What a worker tells the queue about one message. */
public sealed interface WorkOutcome {
  /** Acknowledge: the message is done with (handled, duplicate, or failed for good). */
  record Done() implements WorkOutcome {}

  /** Keep the message and make it visible again after {@code delay}. */
  record RetryAfter(Duration delay, String reason) implements WorkOutcome {}

  static WorkOutcome done() {
    return new Done();
  }
}
