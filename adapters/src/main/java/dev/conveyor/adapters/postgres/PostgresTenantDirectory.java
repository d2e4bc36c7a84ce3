package dev.conveyor.adapters.postgres;

import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.port.TenantDirectory;
import dev.conveyor.core.tenant.Tenant;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/** {@link TenantDirectory} on {@code api_keys} and {@code tenants}. */
public final class PostgresTenantDirectory implements TenantDirectory {
  private static final String FIND =
      "select t.id, t.name from api_keys k join tenants t on t.id = k.tenant_id"
          + " where k.key_hash = ? and k.revoked_at is null";

  private final DataSource dataSource;

  public PostgresTenantDirectory(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  @Override
  public Optional<Tenant> findByApiKeyHash(String apiKeySha256Hex) {
    if (apiKeySha256Hex == null) {
      return Optional.empty();
    }
    return Jdbc.withConnection(
        dataSource,
        "find tenant by API key",
        connection -> {
          try (PreparedStatement find = connection.prepareStatement(FIND)) {
            find.setString(1, apiKeySha256Hex);
            try (ResultSet rows = find.executeQuery()) {
              return rows.next()
                  ? Optional.of(
                      new Tenant(new TenantId(Jdbc.uuid(rows, "id")), rows.getString("name")))
                  : Optional.empty();
            }
          }
        });
  }
}
