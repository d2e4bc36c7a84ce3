package dev.conveyor.core.port;

import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.query.DeliveryPage;
import dev.conveyor.core.query.DeliveryQuery;
import dev.conveyor.core.webhook.Delivery;
import dev.conveyor.core.webhook.DeliveryAttempt;
import dev.conveyor.core.webhook.DeliveryOutcome;
import dev.conveyor.core.webhook.DeliveryTask;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
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

  /**
   * Logs the attempt and applies its outcome, in one transaction; when the outcome applies (the
   * attempt still held the claim), also keeps the endpoint's health:
   *
   * <ul>
   *   <li>a success clears the endpoint's {@code failingSince};
   *   <li>any other attempt sets it, unless already set, to the attempt's time, and disables the
   *       endpoint ({@link dev.conveyor.core.webhook.WebhookEndpoint#FAILING}) when it is at or
   *       before {@code disableIfFailingSince};
   *   <li>a {@code Failed("endpoint-gone")} outcome (a 410 answer) disables the endpoint ({@link
   *       dev.conveyor.core.webhook.WebhookEndpoint#GONE}).
   * </ul>
   */
  void record(DeliveryAttempt attempt, DeliveryOutcome outcome, Instant disableIfFailingSince);

  /** A tenant's delivery with its attempts; another tenant's is never found. */
  Optional<Delivery> find(TenantId tenant, UUID deliveryId);

  /** The deliveries of a tenant's job, newest first, each with its attempts. */
  List<Delivery> findByJob(TenantId tenant, UUID jobId);

  /**
   * One page of the deliveries to a tenant's endpoint, newest first ({@code createdAt desc, id
   * desc}), starting strictly after the query's cursor, each with its attempts.
   */
  DeliveryPage listByEndpoint(TenantId tenant, UUID endpointId, DeliveryQuery query);

  /**
   * Puts a tenant's failed delivery back to {@code pending}, due at once, with a fresh attempt
   * budget (its attempts stay in the log), and writes the outbox row announcing it, in one
   * transaction.
   *
   * @return the delivery as it is now and the outbox row to send; empty when the tenant has no such
   *     failed delivery, or its endpoint is disabled (a retry would fail at once)
   */
  Optional<Retried> retry(TenantId tenant, UUID deliveryId, Instant now);

  /** A delivery just put back to pending, and the outbox row to send. */
  record Retried(Delivery delivery, PendingMessage message) {
    public Retried {
      Objects.requireNonNull(delivery, "delivery");
      Objects.requireNonNull(message, "message");
    }
  }
}
