package dev.conveyor.core.port;

import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.tenant.Tenant;
import dev.conveyor.core.webhook.WebhookEndpoint;
import java.net.URI;
import java.util.List;

/** Provisioning: tenants, their API keys (hashed) and webhook endpoints. */
public interface TenantAdmin {
  Tenant createTenant(String name);

  void addApiKey(TenantId tenant, String apiKeySha256Hex, String displayPrefix);

  WebhookEndpoint addEndpoint(
      TenantId tenant, URI url, List<String> eventTypes, String sealedSecret);
}
