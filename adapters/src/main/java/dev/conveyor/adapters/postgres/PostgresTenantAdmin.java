package dev.conveyor.adapters.postgres;

import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.port.TenantAdmin;
import dev.conveyor.core.tenant.Tenant;
import dev.conveyor.core.webhook.WebhookEndpoint;
import java.net.URI;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * {@link TenantAdmin} on {@code tenants}, {@code api_keys} and {@code webhook_endpoints} (with
 * {@code webhook_endpoint_secrets}).
 */
public final class PostgresTenantAdmin implements TenantAdmin {
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

  private static final String INSERT_TENANT = "insert into tenants (id, name) values (?, ?)";

  private static final String INSERT_KEY =
      "insert into api_keys (id, tenant_id, key_hash, display_prefix) values (?, ?, ?, ?)";

  private static final String REVOKE_KEY =
      "update api_keys set revoked_at = ? where key_hash = ? and revoked_at is null";

  private static final String INSERT_ENDPOINT =
      "insert into webhook_endpoints (id, tenant_id, url, event_types, sealed_secrets, created_at)"
          + " values (?, ?, ?, ?, ?, ?)";

  private static final String DISABLE_ENDPOINT =
      "update webhook_endpoints set enabled = false, disabled_reason = ?, disabled_at = now()"
          + " where id = ? and tenant_id = ? and enabled";

  private final DataSource dataSource;

  public PostgresTenantAdmin(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  @Override
  public Tenant createTenant(String name) {
    Tenant tenant = new Tenant(new TenantId(UUID.randomUUID()), Objects.requireNonNull(name));
    Jdbc.withConnection(
        dataSource,
        "create tenant",
        connection -> {
          try (PreparedStatement insert = connection.prepareStatement(INSERT_TENANT)) {
            insert.setObject(1, tenant.id().value());
            insert.setString(2, name);
            return insert.executeUpdate();
          }
        });
    return tenant;
  }

  /**
   * @throws IllegalArgumentException unless the hash is lower-case SHA-256 hex (so a raw key can
   *     never be stored by mistake)
   */
  @Override
  public void addApiKey(TenantId tenant, String apiKeySha256Hex, String displayPrefix) {
    if (apiKeySha256Hex == null || !SHA256_HEX.matcher(apiKeySha256Hex).matches()) {
      throw new IllegalArgumentException("API keys are stored as lower-case SHA-256 hex");
    }
    Jdbc.withConnection(
        dataSource,
        "add API key",
        connection -> {
          try (PreparedStatement insert = connection.prepareStatement(INSERT_KEY)) {
            insert.setObject(1, UUID.randomUUID());
            insert.setObject(2, tenant.value());
            insert.setString(3, apiKeySha256Hex);
            insert.setString(4, displayPrefix);
            return insert.executeUpdate();
          }
        });
  }

  /**
   * Revokes an API key: it stops authenticating at once.
   *
   * @return false when no active key has this hash
   */
  public boolean revokeApiKey(String apiKeySha256Hex, Instant at) {
    return Jdbc.withConnection(
        dataSource,
        "revoke API key",
        connection -> {
          try (PreparedStatement update = connection.prepareStatement(REVOKE_KEY)) {
            Jdbc.setInstant(update, 1, at);
            update.setString(2, apiKeySha256Hex);
            return update.executeUpdate() == 1;
          }
        });
  }

  /**
   * @param sealedSecret the signing secret, already sealed with core's {@code SecretSealer}
   */
  @Override
  public WebhookEndpoint addEndpoint(
      TenantId tenant, URI url, List<String> eventTypes, String sealedSecret) {
    Objects.requireNonNull(sealedSecret, "sealedSecret");
    if (eventTypes == null || eventTypes.isEmpty()) {
      throw new IllegalArgumentException("an endpoint subscribes to at least one event type");
    }
    WebhookEndpoint endpoint =
        WebhookEndpoint.created(
            UUID.randomUUID(),
            tenant,
            url,
            eventTypes,
            null,
            Instant.now().truncatedTo(ChronoUnit.MILLIS));
    Jdbc.inTransaction(
        dataSource,
        "add webhook endpoint",
        connection -> {
          try (PreparedStatement insert = connection.prepareStatement(INSERT_ENDPOINT)) {
            insert.setObject(1, endpoint.id());
            insert.setObject(2, tenant.value());
            insert.setString(3, url.toString());
            insert.setArray(4, Jdbc.textArray(connection, endpoint.eventTypes()));
            // The legacy array, unread since V7, is filled until a migration drops it.
            insert.setArray(5, Jdbc.textArray(connection, List.of(sealedSecret)));
            Jdbc.setInstant(insert, 6, endpoint.createdAt());
            insert.executeUpdate();
          }
          PostgresWebhookEndpointStore.insertSecret(
              connection, endpoint.id(), sealedSecret, endpoint.createdAt());
          return null;
        });
    return endpoint;
  }

  /**
   * Stops deliveries to a tenant's endpoint; its pending deliveries fail with {@code
   * endpoint-disabled} when next claimed.
   *
   * @return false when the tenant has no such enabled endpoint
   */
  public boolean disableEndpoint(TenantId tenant, UUID endpointId, String reason) {
    return Jdbc.withConnection(
        dataSource,
        "disable webhook endpoint",
        connection -> {
          try (PreparedStatement update = connection.prepareStatement(DISABLE_ENDPOINT)) {
            update.setString(1, reason);
            update.setObject(2, endpointId);
            update.setObject(3, tenant.value());
            return update.executeUpdate() == 1;
          }
        });
  }
}
