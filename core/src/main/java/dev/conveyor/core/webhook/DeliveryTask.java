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
 * @param attempt 1 on the first attempt
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
    String correlationId) {

  /** {@code webhook-id}: the same for every attempt of one message, so receivers can dedupe. */
  public String messageId() {
    return "msg_" + deliveryId.toString().replace("-", "");
  }
}
