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

  /**
   * When a pending delivery that is not yet due becomes due. A message can come back before its
   * delivery is due (SQS visibility is capped at 12 hours and counted in whole seconds); it must
   * wait again rather than be acknowledged, or the delivery would stay pending forever.
   *
   * @return empty when the delivery is not pending, or is already due
   */
  Optional<Instant> notDueUntil(UUID deliveryId, Instant now);

  /** Logs the attempt and applies its outcome, in one transaction. */
  void record(DeliveryAttempt attempt, DeliveryOutcome outcome);
}
