package dev.conveyor.core.webhook;

import dev.conveyor.core.job.TenantId;
import java.net.URI;
import java.util.List;
import java.util.UUID;

/**
 * A claimed webhook delivery: everything one attempt needs.
 *
 * @param sealedSecrets the endpoint's signing secrets, sealed with {@link SecretSealer}; more than
 *     one during a rotation
 * @param payload the exact bytes to send
 * @param attempt 1 on the first attempt; numbers keep growing across manual retries, so the log
 *     keeps every attempt
 * @param attemptsBeforeRetry the attempts made before the latest manual retry, 0 if none
 */
public record DeliveryTask(
    UUID deliveryId,
    TenantId tenantId,
    UUID jobId,
    UUID endpointId,
    URI url,
    List<String> sealedSecrets,
    String eventType,
    String payload,
    int attempt,
    int attemptsBeforeRetry,
    String correlationId) {

  /**
   * 1 on the first attempt after the delivery was created or manually retried: what the retry
   * schedule counts, so a manual retry gets a fresh attempt budget.
   */
  public int attemptSinceRetry() {
    return attempt - attemptsBeforeRetry;
  }

  /** {@code webhook-id}: the same for every attempt of one message, so receivers can dedupe. */
  public String messageId() {
    return "msg_" + deliveryId.toString().replace("-", "");
  }
}
