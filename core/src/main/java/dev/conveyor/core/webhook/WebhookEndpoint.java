package dev.conveyor.core.webhook;

import dev.conveyor.core.job.TenantId;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * A tenant's webhook receiver. Its signing secrets are kept apart (sealed) and never travel with
 * it.
 *
 * @param eventTypes the event types it subscribes to
 * @param description the tenant's note about it, or null
 * @param enabled whether deliveries go out to it
 * @param disabledReason why it is disabled ({@link #GONE}, {@link #FAILING}, {@link #DELETED}, or
 *     an operator's words), or null
 * @param disabledAt when it was disabled, or null (enabled, or disabled before this was recorded)
 * @param failingSince when its current run of failed attempts began, or null when its latest
 *     attempt succeeded (or it has had none)
 */
public record WebhookEndpoint(
    UUID id,
    TenantId tenantId,
    URI url,
    List<String> eventTypes,
    String description,
    boolean enabled,
    String disabledReason,
    Instant disabledAt,
    Instant failingSince,
    Instant createdAt) {

  /** The disabled reason of an endpoint its tenant deleted: it is kept, but no longer shown. */
  public static final String DELETED = "deleted";

  /** The disabled reason of an endpoint whose receiver answered 410 Gone. */
  public static final String GONE = "gone";

  /** The disabled reason of an endpoint whose every attempt failed for too long. */
  public static final String FAILING = "failing";

  public WebhookEndpoint {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(tenantId, "tenantId");
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(createdAt, "createdAt");
    eventTypes = List.copyOf(eventTypes);
  }

  /** A new endpoint: enabled, not yet written anywhere. */
  public static WebhookEndpoint created(
      UUID id,
      TenantId tenantId,
      URI url,
      List<String> eventTypes,
      String description,
      Instant createdAt) {
    return new WebhookEndpoint(
        id, tenantId, url, eventTypes, description, true, null, null, null, createdAt);
  }

  public boolean deleted() {
    return !enabled && DELETED.equals(disabledReason);
  }
}
