package dev.conveyor.adapters.local;

import dev.conveyor.core.job.JobEvents;
import dev.conveyor.core.port.TenantAdmin;
import dev.conveyor.core.tenant.ApiKeys;
import dev.conveyor.core.tenant.Tenant;
import dev.conveyor.core.webhook.SecretSealer;
import dev.conveyor.core.webhook.WebhookEndpoint;
import dev.conveyor.core.webhook.WebhookSignature;
import java.net.URI;
import java.util.List;
import java.util.Optional;

/**
 * Creates tenants for the local stack and tests: a tenant, an API key (stored hashed, returned in
 * clear once) and, optionally, a webhook endpoint subscribed to every job event.
 */
public final class LocalTenants {
  private final TenantAdmin admin;
  private final SecretSealer sealer;

  public LocalTenants(TenantAdmin admin, SecretSealer sealer) {
    this.admin = admin;
    this.sealer = sealer;
  }

  /**
   * @param apiKey the clear key, returned only here
   * @param webhookSecret the endpoint's {@code whsec_} secret, if an endpoint was created
   */
  public record LocalTenant(
      Tenant tenant,
      String apiKey,
      Optional<WebhookEndpoint> endpoint,
      Optional<String> webhookSecret) {}

  public LocalTenant create(String name, Optional<URI> webhookUrl) {
    Tenant tenant = admin.createTenant(name);
    String apiKey = ApiKeys.generate();
    admin.addApiKey(tenant.id(), ApiKeys.hash(apiKey), ApiKeys.displayPrefix(apiKey));
    if (webhookUrl.isEmpty()) {
      return new LocalTenant(tenant, apiKey, Optional.empty(), Optional.empty());
    }
    String secret = WebhookSignature.newSecret();
    WebhookEndpoint endpoint =
        admin.addEndpoint(
            tenant.id(),
            webhookUrl.get(),
            List.of(JobEvents.SUCCEEDED, JobEvents.FAILED, JobEvents.CANCELLED),
            sealer.seal(secret));
    return new LocalTenant(tenant, apiKey, Optional.of(endpoint), Optional.of(secret));
  }
}
