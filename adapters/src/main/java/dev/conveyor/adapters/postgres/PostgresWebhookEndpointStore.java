package dev.conveyor.adapters.postgres;

import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.port.WebhookEndpointStore;
import dev.conveyor.core.webhook.WebhookEndpoint;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * {@link WebhookEndpointStore} on {@code webhook_endpoints} and {@code webhook_endpoint_secrets}.
 *
 * <p>A secret is valid while {@code now < expires_at} (or it has no expiry); {@link
 * PostgresDeliveryStore}'s claim reads the valid ones. Per-tenant creations serialise on the
 * tenant's row ({@code FOR NO KEY UPDATE}: no advisory lock, nothing that pins an RDS Proxy
 * connection, and no conflict with the foreign-key checks of inserts that reference the tenant),
 * rotations on the endpoint's row.
 */
public final class PostgresWebhookEndpointStore implements WebhookEndpointStore {
  private static final String NOT_DELETED =
      "disabled_reason is distinct from '" + WebhookEndpoint.DELETED + "'";

  private static final String COLUMNS =
      "id, tenant_id, url, event_types, description, enabled, disabled_reason, disabled_at,"
          + " failing_since, created_at";

  private static final String LOCK_TENANT = "select id from tenants where id = ? for no key update";

  private static final String COUNT =
      "select count(*) from webhook_endpoints where tenant_id = ? and " + NOT_DELETED;

  private static final String INSERT_ENDPOINT =
      "insert into webhook_endpoints (id, tenant_id, url, event_types, description, enabled,"
          + " created_at) values (?, ?, ?, ?, ?, true, ?)";

  private static final String INSERT_SECRET =
      "insert into webhook_endpoint_secrets (endpoint_id, sealed_secret, created_at)"
          + " values (?, ?, ?)";

  private static final String LIST =
      "select "
          + COLUMNS
          + " from webhook_endpoints where tenant_id = ? and "
          + NOT_DELETED
          + " order by created_at, id";

  private static final String FIND =
      "select "
          + COLUMNS
          + " from webhook_endpoints where id = ? and tenant_id = ? and "
          + NOT_DELETED;

  /** The legacy array is cleared too, so a deleted endpoint keeps no secret anywhere. */
  private static final String DELETE =
      "update webhook_endpoints set enabled = false, disabled_reason = '"
          + WebhookEndpoint.DELETED
          + "', disabled_at = now(), sealed_secrets = null where id = ? and tenant_id = ? and "
          + NOT_DELETED;

  /**
   * A disabled endpoint starts with a clean record ({@code failing_since} cleared); an enabled one
   * keeps its own, so enabling cannot postpone its disabling. SET expressions read the row as it
   * was.
   */
  private static final String ENABLE =
      "update webhook_endpoints set enabled = true, disabled_reason = null, disabled_at = null,"
          + " failing_since = case when enabled then failing_since end"
          + " where id = ? and tenant_id = ? and "
          + NOT_DELETED
          + " returning "
          + COLUMNS;

  private static final String DELETE_SECRETS =
      "delete from webhook_endpoint_secrets where endpoint_id = ?";

  private static final String LOCK_ENDPOINT =
      "select id from webhook_endpoints where id = ? and tenant_id = ? and "
          + NOT_DELETED
          + " for update";

  private static final String COUNT_VALID_SECRETS =
      "select count(*) from webhook_endpoint_secrets"
          + " where endpoint_id = ? and (expires_at is null or ? < expires_at)";

  /** {@code least} ignores nulls: no expiry becomes the new one, an earlier expiry stays. */
  private static final String EXPIRE_VALID_SECRETS =
      "update webhook_endpoint_secrets set expires_at = least(expires_at, ?)"
          + " where endpoint_id = ? and (expires_at is null or ? < expires_at)";

  private static final String PRUNE_EXPIRED_SECRETS =
      "delete from webhook_endpoint_secrets where endpoint_id = ? and expires_at <= ?";

  private final DataSource dataSource;

  public PostgresWebhookEndpointStore(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  @Override
  public boolean create(WebhookEndpoint endpoint, String sealedSecret, int maxEndpoints) {
    Objects.requireNonNull(sealedSecret, "sealedSecret");
    if (endpoint.eventTypes().isEmpty()) {
      throw new IllegalArgumentException("an endpoint subscribes to at least one event type");
    }
    return Jdbc.inTransaction(
        dataSource,
        "create webhook endpoint",
        connection -> {
          try (PreparedStatement lock = connection.prepareStatement(LOCK_TENANT)) {
            lock.setObject(1, endpoint.tenantId().value());
            try (ResultSet rows = lock.executeQuery()) {
              if (!rows.next()) {
                throw new IllegalArgumentException("no tenant " + endpoint.tenantId());
              }
            }
          }
          try (PreparedStatement count = connection.prepareStatement(COUNT)) {
            count.setObject(1, endpoint.tenantId().value());
            try (ResultSet rows = count.executeQuery()) {
              rows.next();
              if (rows.getLong(1) >= maxEndpoints) {
                return false;
              }
            }
          }
          try (PreparedStatement insert = connection.prepareStatement(INSERT_ENDPOINT)) {
            insert.setObject(1, endpoint.id());
            insert.setObject(2, endpoint.tenantId().value());
            insert.setString(3, endpoint.url().toString());
            insert.setArray(4, Jdbc.textArray(connection, endpoint.eventTypes()));
            insert.setString(5, endpoint.description());
            Jdbc.setInstant(insert, 6, endpoint.createdAt());
            insert.executeUpdate();
          }
          insertSecret(connection, endpoint.id(), sealedSecret, endpoint.createdAt());
          return true;
        });
  }

  /** Adds a secret with no expiry (also used by {@link PostgresTenantAdmin#addEndpoint}). */
  static void insertSecret(
      Connection connection, UUID endpointId, String sealedSecret, Instant createdAt)
      throws SQLException {
    try (PreparedStatement insert = connection.prepareStatement(INSERT_SECRET)) {
      insert.setObject(1, endpointId);
      insert.setString(2, sealedSecret);
      Jdbc.setInstant(insert, 3, createdAt);
      insert.executeUpdate();
    }
  }

  @Override
  public List<WebhookEndpoint> list(TenantId tenant) {
    return Jdbc.withConnection(
        dataSource,
        "list webhook endpoints",
        connection -> {
          try (PreparedStatement select = connection.prepareStatement(LIST)) {
            select.setObject(1, tenant.value());
            List<WebhookEndpoint> endpoints = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
              while (rows.next()) {
                endpoints.add(endpoint(rows));
              }
            }
            return List.copyOf(endpoints);
          }
        });
  }

  @Override
  public Optional<WebhookEndpoint> find(TenantId tenant, UUID id) {
    return Jdbc.withConnection(
        dataSource,
        "find webhook endpoint",
        connection -> {
          try (PreparedStatement select = connection.prepareStatement(FIND)) {
            select.setObject(1, id);
            select.setObject(2, tenant.value());
            try (ResultSet rows = select.executeQuery()) {
              return rows.next() ? Optional.of(endpoint(rows)) : Optional.<WebhookEndpoint>empty();
            }
          }
        });
  }

  @Override
  public boolean delete(TenantId tenant, UUID id) {
    return Jdbc.inTransaction(
        dataSource,
        "delete webhook endpoint",
        connection -> {
          try (PreparedStatement update = connection.prepareStatement(DELETE)) {
            update.setObject(1, id);
            update.setObject(2, tenant.value());
            if (update.executeUpdate() != 1) {
              return false;
            }
          }
          try (PreparedStatement delete = connection.prepareStatement(DELETE_SECRETS)) {
            delete.setObject(1, id);
            delete.executeUpdate();
          }
          return true;
        });
  }

  @Override
  public Optional<WebhookEndpoint> enable(TenantId tenant, UUID id) {
    return Jdbc.withConnection(
        dataSource,
        "enable webhook endpoint",
        connection -> {
          try (PreparedStatement update = connection.prepareStatement(ENABLE)) {
            update.setObject(1, id);
            update.setObject(2, tenant.value());
            try (ResultSet rows = update.executeQuery()) {
              return rows.next() ? Optional.of(endpoint(rows)) : Optional.<WebhookEndpoint>empty();
            }
          }
        });
  }

  @Override
  public Rotation rotateSecret(
      TenantId tenant,
      UUID id,
      String sealedSecret,
      Instant now,
      Instant previousExpireAt,
      int maxSecrets) {
    Objects.requireNonNull(sealedSecret, "sealedSecret");
    if (previousExpireAt.isBefore(now)) {
      throw new IllegalArgumentException("previous secrets cannot expire before now");
    }
    return Jdbc.inTransaction(
        dataSource,
        "rotate webhook secret",
        connection -> {
          try (PreparedStatement lock = connection.prepareStatement(LOCK_ENDPOINT)) {
            lock.setObject(1, id);
            lock.setObject(2, tenant.value());
            try (ResultSet rows = lock.executeQuery()) {
              if (!rows.next()) {
                return Rotation.NOT_FOUND;
              }
            }
          }
          if (previousExpireAt.isAfter(now) && validSecrets(connection, id, now) + 1 > maxSecrets) {
            return Rotation.TOO_MANY_SECRETS;
          }
          try (PreparedStatement expire = connection.prepareStatement(EXPIRE_VALID_SECRETS)) {
            Jdbc.setInstant(expire, 1, previousExpireAt);
            expire.setObject(2, id);
            Jdbc.setInstant(expire, 3, now);
            expire.executeUpdate();
          }
          try (PreparedStatement prune = connection.prepareStatement(PRUNE_EXPIRED_SECRETS)) {
            prune.setObject(1, id);
            Jdbc.setInstant(prune, 2, now);
            prune.executeUpdate();
          }
          insertSecret(connection, id, sealedSecret, now);
          return Rotation.ROTATED;
        });
  }

  private static long validSecrets(Connection connection, UUID id, Instant now)
      throws SQLException {
    try (PreparedStatement count = connection.prepareStatement(COUNT_VALID_SECRETS)) {
      count.setObject(1, id);
      Jdbc.setInstant(count, 2, now);
      try (ResultSet rows = count.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }

  private static WebhookEndpoint endpoint(ResultSet rows) throws SQLException {
    return new WebhookEndpoint(
        Jdbc.uuid(rows, "id"),
        new TenantId(Jdbc.uuid(rows, "tenant_id")),
        URI.create(rows.getString("url")),
        Jdbc.strings(rows, "event_types"),
        rows.getString("description"),
        rows.getBoolean("enabled"),
        rows.getString("disabled_reason"),
        Jdbc.instant(rows, "disabled_at"),
        Jdbc.instant(rows, "failing_since"),
        Jdbc.instant(rows, "created_at"));
  }
}
