package dev.conveyor.core.port;

import dev.conveyor.core.tenant.Tenant;
import java.util.Optional;

/** Tenants and their API keys, for authentication. */
public interface TenantDirectory {
  /** The tenant owning the active (not revoked) API key with this SHA-256 hex digest. */
  Optional<Tenant> findByApiKeyHash(String apiKeySha256Hex);
}
