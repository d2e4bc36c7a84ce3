package dev.conveyor.core.port;

import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.webhook.WebhookEndpoint;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A tenant's webhook endpoints and their signing secrets (sealed with core's {@code SecretSealer}).
 *
 * <p>An endpoint has one current secret and, after a rotation, older ones that stay valid until
 * their expiry: a delivery is signed with every secret valid when it is claimed. A deleted endpoint
 * is kept (its deliveries point at it), disabled with reason {@link WebhookEndpoint#DELETED}, and
 * is no longer found, listed or counted here.
 */
public interface WebhookEndpointStore {

  /**
   * Records a new endpoint and its first secret, unless its tenant already has {@code maxEndpoints}
   * endpoints (deleted ones do not count). Concurrent creations for one tenant cannot overshoot the
   * limit.
   *
   * @return false when the limit is reached; nothing was recorded
   */
  boolean create(WebhookEndpoint endpoint, String sealedSecret, int maxEndpoints);

  /** The tenant's endpoints, enabled or not, deleted ones excepted, oldest first. */
  List<WebhookEndpoint> list(TenantId tenant);

  /** The tenant's endpoint, unless deleted; another tenant's endpoint is never found. */
  Optional<WebhookEndpoint> find(TenantId tenant, UUID id);

  /**
   * Deletes the endpoint softly: disabled with reason {@link WebhookEndpoint#DELETED}, so its
   * pending deliveries fail with {@code endpoint-disabled}; its secrets are discarded.
   *
   * @return false when the tenant has no such endpoint (or it is already deleted)
   */
  boolean delete(TenantId tenant, UUID id);

  /**
   * Enables the endpoint: deliveries go out to it again, its disabled reason and time are cleared,
   * and so is {@code failingSince} if it was disabled (it starts with a clean record). Enabling an
   * enabled endpoint changes nothing.
   *
   * @return the endpoint as it is now; empty when the tenant has no such endpoint (or it is
   *     deleted)
   */
  Optional<WebhookEndpoint> enable(TenantId tenant, UUID id);

  /** What became of a rotation. */
  enum Rotation {
    ROTATED,
    /** The tenant has no such endpoint (or it is deleted). */
    NOT_FOUND,
    /** The new secret would make more than {@code maxSecrets} valid at once; nothing changed. */
    TOO_MANY_SECRETS
  }

  /**
   * Adds {@code sealedSecret} as the endpoint's current secret, valid from {@code now} with no
   * expiry; every secret still valid at {@code now} expires at {@code previousExpireAt} at the
   * latest ({@code now} itself: at once). A secret is valid while {@code now < expiresAt}.
   *
   * @param maxSecrets how many secrets may be valid at once, the new one included
   */
  Rotation rotateSecret(
      TenantId tenant,
      UUID id,
      String sealedSecret,
      Instant now,
      Instant previousExpireAt,
      int maxSecrets);
}
