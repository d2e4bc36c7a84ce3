package dev.conveyor.core.port;

import dev.conveyor.core.webhook.DeliveryAttempt;
import dev.conveyor.core.webhook.DeliveryOutcome;
import dev.conveyor.core.webhook.DeliveryTask;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/** Webhook deliveries and their attempt log. */
public interface DeliveryStore {
  /**
   * Claims a pending delivery for one attempt. Empty for a duplicate message, a delivery that
   * already succeeded or failed, or one claimed by someone else whose lease is still live.
   */
  Optional<DeliveryTask> claim(UUID deliveryId, Instant now, Instant leaseUntil);

  /** Logs the attempt and applies its outcome, in one transaction. */
  void record(DeliveryAttempt attempt, DeliveryOutcome outcome);
}
