package dev.conveyor.adapters.postgres;

import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.port.PendingMessage;
import dev.conveyor.core.port.UploadStore;
import dev.conveyor.core.upload.Upload;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * {@link UploadStore} on the {@code uploads} table. An upload leaves {@code pending} once: when two
 * S3 events race, the second waits for the first's row lock, then finds the upload no longer
 * pending and writes nothing (and creates no job).
 */
public final class PostgresUploadStore implements UploadStore {
  private static final String COLUMNS =
      "id, tenant_id, bucket, object_key, content_type, state, size, created_at, expires_at,"
          + " received_at, content_length, recipe, job_id, rejected_reason";

  private static final String INSERT =
      "insert into uploads ("
          + COLUMNS
          + ") values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?)";

  private static final String FIND =
      "select " + COLUMNS + " from uploads where id = ? and tenant_id = ?";

  private static final String FIND_BY_KEY =
      "select " + COLUMNS + " from uploads where bucket = ? and object_key = ?";

  private static final String LOCK_BY_KEY = FIND_BY_KEY + " for update";

  private static final String RECEIVE =
      "update uploads set state = 'received', size = ?, received_at = ?, job_id = ?"
          + " where id = ? and state = 'pending' and job_id is null"
          + " returning "
          + COLUMNS;

  private static final String REJECT =
      "update uploads set state = 'rejected', size = ?, received_at = ?, rejected_reason = ?"
          + " where bucket = ? and object_key = ? and state = 'pending'"
          + " returning "
          + COLUMNS;

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
            setNullableLong(insert, 7, upload.size());
            Jdbc.setInstant(insert, 8, upload.createdAt());
            Jdbc.setInstant(insert, 9, upload.expiresAt());
            Jdbc.setInstant(insert, 10, upload.receivedAt());
            setNullableLong(insert, 11, upload.contentLength());
            Jdbc.setJson(insert, 12, upload.recipe());
            insert.setObject(13, upload.jobId() == null ? null : upload.jobId().value());
            insert.setString(14, upload.rejectedReason());
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
  public Optional<Upload> findByKey(String bucket, String key) {
    return Jdbc.withConnection(
        dataSource, "find upload by key", connection -> findByKey(connection, bucket, key));
  }

  /**
   * One transaction: lock the upload's row, and only if it is still {@code pending} move it to
   * {@code received} and insert the recipe's job and its outbox row ({@link
   * PostgresJobStore#insert(Connection, Job)}). A concurrent event waits for the lock, then reads
   * the committed row: no longer pending, it writes nothing. A failure anywhere rolls everything
   * back, so the event's retry starts over.
   */
  @Override
  public Optional<Receipt> receive(String bucket, String key, long size, Instant at, Job job) {
    return Jdbc.inTransaction(
        dataSource,
        "receive upload",
        connection -> {
          Optional<Upload> locked = lockByKey(connection, bucket, key);
          if (locked.isEmpty() || locked.get().state() != Upload.State.PENDING) {
            // Unknown, or already received or rejected: a repeated event changes nothing.
            return locked.map(upload -> new Receipt(upload, Optional.empty()));
          }
          Upload pending = locked.get();
          checkJob(pending, job);
          Upload received;
          try (PreparedStatement update = connection.prepareStatement(RECEIVE)) {
            update.setLong(1, size);
            Jdbc.setInstant(update, 2, at);
            update.setObject(3, job == null ? null : job.id().value());
            update.setObject(4, pending.id());
            received =
                one(update)
                    .orElseThrow(() -> new IllegalStateException("the locked upload vanished"));
          }
          Optional<PendingMessage> message =
              job == null
                  ? Optional.empty()
                  : Optional.of(PostgresJobStore.insert(connection, job));
          return Optional.of(new Receipt(received, message));
        });
  }

  private static void checkJob(Upload upload, Job job) {
    if (upload.recipe() == null && job != null) {
      throw new IllegalArgumentException("upload " + upload.id() + " has no recipe");
    }
    if (upload.recipe() != null && job == null) {
      throw new IllegalArgumentException(
          "upload " + upload.id() + " has a recipe: receive it with its job");
    }
    if (job != null && !job.tenantId().equals(upload.tenantId())) {
      throw new IllegalArgumentException("the job belongs to another tenant than the upload");
    }
  }

  @Override
  public Optional<Upload> reject(String bucket, String key, long size, Instant at, String reason) {
    Objects.requireNonNull(reason, "reason");
    return Jdbc.withConnection(
        dataSource,
        "reject upload",
        connection -> {
          try (PreparedStatement update = connection.prepareStatement(REJECT)) {
            update.setLong(1, size);
            Jdbc.setInstant(update, 2, at);
            update.setString(3, reason);
            update.setString(4, bucket);
            update.setString(5, key);
            Optional<Upload> rejected = one(update);
            return rejected.isPresent() ? rejected : findByKey(connection, bucket, key);
          }
        });
  }

  private static Optional<Upload> findByKey(Connection connection, String bucket, String key)
      throws SQLException {
    return byKey(connection, FIND_BY_KEY, bucket, key);
  }

  /** The row, locked until the transaction ends (a concurrent locker waits, then reads it anew). */
  private static Optional<Upload> lockByKey(Connection connection, String bucket, String key)
      throws SQLException {
    return byKey(connection, LOCK_BY_KEY, bucket, key);
  }

  private static Optional<Upload> byKey(
      Connection connection, String sql, String bucket, String key) throws SQLException {
    try (PreparedStatement find = connection.prepareStatement(sql)) {
      find.setString(1, bucket);
      find.setString(2, key);
      return one(find);
    }
  }

  private static void setNullableLong(PreparedStatement statement, int index, Long value)
      throws SQLException {
    if (value == null) {
      statement.setNull(index, Types.BIGINT);
    } else {
      statement.setLong(index, value);
    }
  }

  private static Optional<Upload> one(PreparedStatement statement) throws SQLException {
    try (ResultSet rows = statement.executeQuery()) {
      return rows.next() ? Optional.of(upload(rows)) : Optional.empty();
    }
  }

  private static Upload upload(ResultSet rows) throws SQLException {
    UUID jobId = Jdbc.uuid(rows, "job_id");
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
        Jdbc.instant(rows, "received_at"),
        Jdbc.nullableLong(rows, "content_length"),
        Jdbc.json(rows, "recipe"),
        jobId == null ? null : new JobId(jobId),
        rows.getString("rejected_reason"));
  }
}
