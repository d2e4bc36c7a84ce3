package dev.conveyor.core.webhook;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * One event for one endpoint, as its delivery log shows it.
 *
 * @param attemptCount how many attempts were made, manual retries included
 * @param nextAttemptAt when a pending delivery is next tried, or null when it is due at once or is
 *     not pending
 * @param failureReason why a failed delivery failed ({@code attempts-exhausted}, {@code
 *     endpoint-gone}, …), or null
 * @param attempts every attempt, newest first
 */
public record Delivery(
    UUID id,
    UUID jobId,
    UUID endpointId,
    String eventType,
    DeliveryState state,
    int attemptCount,
    Instant nextAttemptAt,
    String failureReason,
    Instant createdAt,
    Instant updatedAt,
    List<DeliveryAttempt> attempts) {

  public Delivery {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(state, "state");
    attempts = List.copyOf(attempts);
  }
}
