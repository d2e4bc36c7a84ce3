package dev.conveyor.core.webhook;

import java.time.Instant;

/** What an attempt means for the delivery. */
public sealed interface DeliveryOutcome {
  record Succeeded() implements DeliveryOutcome {}

  record RetryAt(Instant nextAttemptAt) implements DeliveryOutcome {}

  record Failed(String reason) implements DeliveryOutcome {}
}
