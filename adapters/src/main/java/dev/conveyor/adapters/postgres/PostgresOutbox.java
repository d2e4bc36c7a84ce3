package dev.conveyor.adapters.postgres;

import dev.conveyor.core.concurrent.BatchCoalescer;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.job.Tier;
import dev.conveyor.core.port.Outbox;
import dev.conveyor.core.port.PendingMessage;
import dev.conveyor.core.port.QueueMessage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * {@link Outbox} on the {@code outbox} table. Rows are written by {@link PostgresJobStore} in the
 * transaction of the change they announce; this class marks them sent and lists the ones a failed
 * send left behind, for the sync relay.
 */
public final class PostgresOutbox implements Outbox {
  private static final String INSERT =
      "insert into outbox (tier, kind, subject_id, tenant_id, correlation_id, created_at)"
          + " values (?, ?, ?, ?, ?, ?) returning id";

  private static final String MARK_SENT =
      "update outbox set sent_at = now() where id = any(?) and sent_at is null";

  /** Rows marked by one statement at most, when many requests finish at once. */
  private static final int MAX_MARK_BATCH = 100;

  private static final String UNSENT =
      "select id, tier, kind, subject_id, tenant_id, correlation_id from outbox"
          + " where sent_at is null and created_at < ? order by created_at, id limit ?";

  private final DataSource dataSource;
  private final BatchCoalescer<Long> marks = new BatchCoalescer<>(MAX_MARK_BATCH, this::markAll);

  public PostgresOutbox(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  /**
   * Marks a row sent; marking it again (a relay racing the submitter) changes nothing. Rows that
   * concurrent requests mark meanwhile share one statement and one connection.
   */
  @Override
  public void markSent(long outboxId) {
    marks.submit(outboxId);
  }

  private List<RuntimeException> markAll(List<Long> outboxIds) {
    Jdbc.withConnection(
        dataSource,
        "mark outbox rows sent",
        connection -> {
          try (PreparedStatement update = connection.prepareStatement(MARK_SENT)) {
            update.setArray(1, connection.createArrayOf("bigint", outboxIds.toArray()));
            return update.executeUpdate();
          }
        });
    return Arrays.asList(new RuntimeException[outboxIds.size()]);
  }

  /**
   * The oldest rows still unsent that were written before {@code createdBefore}, for the relay
   * (give the writer a few seconds to send its own rows first).
   */
  public List<PendingMessage> unsent(Instant createdBefore, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive");
    }
    return Jdbc.withConnection(
        dataSource,
        "list unsent outbox rows",
        connection -> {
          try (PreparedStatement select = connection.prepareStatement(UNSENT)) {
            Jdbc.setInstant(select, 1, createdBefore);
            select.setInt(2, limit);
            List<PendingMessage> pending = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
              while (rows.next()) {
                pending.add(
                    new PendingMessage(
                        rows.getLong("id"),
                        Tier.fromWireName(rows.getString("tier")),
                        new QueueMessage(
                            rows.getString("kind"),
                            Jdbc.uuid(rows, "subject_id"),
                            new TenantId(Jdbc.uuid(rows, "tenant_id")),
                            rows.getString("correlation_id"))));
              }
            }
            return List.copyOf(pending);
          }
        });
  }

  /** Writes a row on the caller's connection (inside the caller's transaction). */
  static long insert(Connection connection, Tier tier, QueueMessage message, Instant createdAt)
      throws SQLException {
    try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
      insert.setString(1, tier.wireName());
      insert.setString(2, message.kind());
      insert.setObject(3, message.id());
      insert.setObject(4, message.tenantId().value());
      insert.setString(5, message.correlationId());
      Jdbc.setInstant(insert, 6, createdAt);
      try (ResultSet rows = insert.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }
}
