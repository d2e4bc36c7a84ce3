package dev.conveyor.adapters.postgres;

import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.port.UploadStore;
import dev.conveyor.core.upload.Upload;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/** {@link UploadStore} on the {@code uploads} table. */
public final class PostgresUploadStore implements UploadStore {
  private static final String COLUMNS =
      "id, tenant_id, bucket, object_key, content_type, state, size, created_at, expires_at,"
          + " received_at";

  private static final String INSERT =
      "insert into uploads (" + COLUMNS + ") values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

  private static final String FIND =
      "select " + COLUMNS + " from uploads where id = ? and tenant_id = ?";

  /**
   * One statement: the pending row moves to received; a row already received comes back as it is
   * (the second branch reads the statement's snapshot, from before the update).
   */
  private static final String MARK_RECEIVED =
      "with received as ("
          + " update uploads set state = 'received', size = ?, received_at = ?"
          + " where bucket = ? and object_key = ? and state = 'pending'"
          + " returning "
          + COLUMNS
          + ") select "
          + COLUMNS
          + " from received"
          + " union all select "
          + COLUMNS
          + " from uploads where bucket = ? and object_key = ?"
          + " and not exists (select 1 from received)";

  private final DataSource dataSource;

  public PostgresUploadStore(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  @Override
  public void create(Upload upload) {
    Jdbc.withConnection(
        dataSource,
        "create upload",
        connection -> {
          try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
            insert.setObject(1, upload.id());
            insert.setObject(2, upload.tenantId().value());
            insert.setString(3, upload.bucket());
            insert.setString(4, upload.key());
            insert.setString(5, upload.contentType());
            insert.setString(6, upload.state().name().toLowerCase(Locale.ROOT));
            if (upload.size() == null) {
              insert.setNull(7, java.sql.Types.BIGINT);
            } else {
              insert.setLong(7, upload.size());
            }
            Jdbc.setInstant(insert, 8, upload.createdAt());
            Jdbc.setInstant(insert, 9, upload.expiresAt());
            Jdbc.setInstant(insert, 10, upload.receivedAt());
            return insert.executeUpdate();
          }
        });
  }

  @Override
  public Optional<Upload> find(TenantId tenant, UUID uploadId) {
    return Jdbc.withConnection(
        dataSource,
        "find upload",
        connection -> {
          try (PreparedStatement find = connection.prepareStatement(FIND)) {
            find.setObject(1, uploadId);
            find.setObject(2, tenant.value());
            return one(find);
          }
        });
  }

  @Override
  public Optional<Upload> markReceived(String bucket, String key, long size, Instant at) {
    return Jdbc.withConnection(
        dataSource,
        "mark upload received",
        connection -> {
          try (PreparedStatement update = connection.prepareStatement(MARK_RECEIVED)) {
            update.setLong(1, size);
            Jdbc.setInstant(update, 2, at);
            update.setString(3, bucket);
            update.setString(4, key);
            update.setString(5, bucket);
            update.setString(6, key);
            return one(update);
          }
        });
  }

  private static Optional<Upload> one(PreparedStatement statement) throws SQLException {
    try (ResultSet rows = statement.executeQuery()) {
      return rows.next() ? Optional.of(upload(rows)) : Optional.empty();
    }
  }

  private static Upload upload(ResultSet rows) throws SQLException {
    return new Upload(
        Jdbc.uuid(rows, "id"),
        new TenantId(Jdbc.uuid(rows, "tenant_id")),
        rows.getString("bucket"),
        rows.getString("object_key"),
        rows.getString("content_type"),
        Upload.State.valueOf(rows.getString("state").toUpperCase(Locale.ROOT)),
        Jdbc.nullableLong(rows, "size"),
        Jdbc.instant(rows, "created_at"),
        Jdbc.instant(rows, "expires_at"),
        Jdbc.instant(rows, "received_at"));
  }
}
