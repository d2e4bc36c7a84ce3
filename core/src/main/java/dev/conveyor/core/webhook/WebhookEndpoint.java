package dev.conveyor.core.webhook;

import dev.conveyor.core.job.TenantId;
import java.net.URI;
import java.util.List;
import java.util.UUID;

/**
 * A tenant's webhook receiver.
 *
 * @param eventTypes the event types it subscribes to
 */
public record WebhookEndpoint(UUID id, TenantId tenantId, URI url, List<String> eventTypes) {}
