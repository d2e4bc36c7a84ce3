package dev.conveyor.adapters.postgres;

import dev.conveyor.core.job.FailureReason;
import dev.conveyor.core.job.Ids;
import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.JobState;
import dev.conveyor.core.job.JobType;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.job.Tier;
import dev.conveyor.core.port.JobStore;
import dev.conveyor.core.port.PendingMessage;
import dev.conveyor.core.port.QueueMessage;
import dev.conveyor.core.port.WebhookEvent;
import dev.conveyor.core.query.JobCursor;
import dev.conveyor.core.query.JobPage;
import dev.conveyor.core.query.JobQuery;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * {@link JobStore} on the partitioned {@code jobs} table. Every statement names the row by {@code
 * (id, created_at)}, with {@code created_at} taken from the UUIDv7 id, so PostgreSQL prunes to one
 * monthly partition; every state change is a single conditional {@code UPDATE}, so a duplicate or
 * stale message changes nothing.
 */
public final class PostgresJobStore implements JobStore {
  /** {@code jobs.last_error} keeps at most this many characters. */
  static final int MAX_ERROR_LENGTH = 2000;

  private static final String COLUMNS =
      "id, tenant_id, type, tier, state, attempt, spec, result, failure_code, failure_message,"
          + " correlation_id, created_at, updated_at, started_at, finished_at";

  /**
   * The job and the outbox row announcing it in one statement: atomic on its own, so a submission
   * is a single round trip with no explicit transaction.
   */
  private static final String INSERT_JOB =
      "with job as (insert into jobs (id, tenant_id, type, tier, state, attempt, spec,"
          + " correlation_id, created_at, updated_at)"
          + " values (?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?)"
          + " returning id, tenant_id, tier, correlation_id, created_at)"
          + " insert into outbox (tier, kind, subject_id, tenant_id, correlation_id, created_at)"
          + " select tier, ?, id, tenant_id, correlation_id, created_at from job returning id";

  private static final String FIND =
      "select " + COLUMNS + " from jobs where id = ? and created_at = ?";

  private static final String CLAIM =
      "update jobs set state = 'running', attempt = attempt + 1,"
          + " started_at = coalesce(started_at, ?), lease_until = ?, updated_at = ?"
          + " where id = ? and created_at = ?"
          + " and (state = 'queued' or (state = 'running' and lease_until < ?))"
          + " returning "
          + COLUMNS;

  private static final String RELEASE =
      "update jobs set state = 'queued', lease_until = null, last_error = ?, updated_at = now()"
          + " where id = ? and created_at = ? and state = 'running' and attempt = ?";

  private static final String FINISH =
      "update jobs set state = ?, result = ?::jsonb, failure_code = ?, failure_message = ?,"
          + " lease_until = null, finished_at = ?, updated_at = ?"
          + " where id = ? and created_at = ? and state = 'running' and attempt = ?"
          + " returning tenant_id, correlation_id";

  private static final String CANCEL =
      "update jobs set state = 'cancelled', lease_until = null, finished_at = ?, updated_at = ?"
          + " where id = ? and created_at = ? and tenant_id = ? and state = 'queued'"
          + " returning "
          + COLUMNS;

  private static final String SUBSCRIBED_ENDPOINTS =
      "select id from webhook_endpoints"
          + " where tenant_id = ? and enabled and event_types @> array[?]::text[]"
          + " order by id";

  private static final String INSERT_DELIVERY =
      "insert into deliveries (id, tenant_id, job_id, endpoint_id, event_type, payload, state,"
          + " attempt, correlation_id, created_at, updated_at)"
          + " values (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)";

  private final DataSource dataSource;

  public PostgresJobStore(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  /**
   * @throws IllegalArgumentException for a job that is not new and queued, or whose {@code
   *     createdAt} is not its id's timestamp (it could never be found again)
   * @throws DatabaseException when it cannot be stored, e.g. no partition covers its month
   */
  @Override
  public PendingMessage insert(Job job) {
    requireNew(job);
    return Jdbc.withConnection(dataSource, "insert job", connection -> insert(connection, job));
  }

  /**
   * Inserts a new queued job and the outbox row announcing it on the caller's connection (inside
   * the caller's transaction, if any): for stores whose own change creates a job (an upload's
   * recipe).
   *
   * @throws IllegalArgumentException as {@link #insert(Job)}
   */
  static PendingMessage insert(Connection connection, Job job) throws SQLException {
    requireNew(job);
    QueueMessage message = QueueMessage.job(job.id().value(), job.tenantId(), job.correlationId());
    try (PreparedStatement insert = connection.prepareStatement(INSERT_JOB)) {
      insert.setObject(1, job.id().value());
      insert.setObject(2, job.tenantId().value());
      insert.setString(3, job.type().wireName());
      insert.setString(4, job.tier().wireName());
      insert.setString(5, JobState.QUEUED.wireName());
      insert.setInt(6, 0);
      Jdbc.setJson(insert, 7, job.spec());
      insert.setString(8, job.correlationId());
      Jdbc.setInstant(insert, 9, job.createdAt());
      Jdbc.setInstant(insert, 10, job.updatedAt());
      insert.setString(11, message.kind());
      try (ResultSet rows = insert.executeQuery()) {
        rows.next();
        return new PendingMessage(rows.getLong(1), job.tier(), message);
      }
    }
  }

  private static void requireNew(Job job) {
    if (job.state() != JobState.QUEUED || job.attempt() != 0) {
      throw new IllegalArgumentException("only a new queued job can be inserted");
    }
    if (!job.createdAt().equals(job.id().createdAt())) {
      throw new IllegalArgumentException("a job's createdAt must be its id's timestamp");
    }
  }

  @Override
  public Optional<Job> find(JobId id) {
    return Jdbc.withConnection(
        dataSource,
        "find job",
        connection -> {
          try (PreparedStatement find = connection.prepareStatement(FIND)) {
            find.setObject(1, id.value());
            Jdbc.setInstant(find, 2, id.createdAt());
            return one(find);
          }
        });
  }

  @Override
  public Optional<Job> claim(JobId id, Instant now, Instant leaseUntil) {
    return Jdbc.withConnection(
        dataSource,
        "claim job",
        connection -> {
          try (PreparedStatement claim = connection.prepareStatement(CLAIM)) {
            Jdbc.setInstant(claim, 1, now);
            Jdbc.setInstant(claim, 2, leaseUntil);
            Jdbc.setInstant(claim, 3, now);
            claim.setObject(4, id.value());
            Jdbc.setInstant(claim, 5, id.createdAt());
            Jdbc.setInstant(claim, 6, now);
            return one(claim);
          }
        });
  }

  @Override
  public boolean release(JobId id, int attempt, String lastError) {
    return Jdbc.withConnection(
        dataSource,
        "release job",
        connection -> {
          try (PreparedStatement release = connection.prepareStatement(RELEASE)) {
            release.setString(1, Jdbc.storable(truncate(lastError)));
            release.setObject(2, id.value());
            Jdbc.setInstant(release, 3, id.createdAt());
            release.setInt(4, attempt);
            return release.executeUpdate() == 1;
          }
        });
  }

  @Override
  public Optional<List<PendingMessage>> finish(Finish finish, WebhookEvent event) {
    Objects.requireNonNull(event, "event");
    return Jdbc.inTransaction(
        dataSource,
        "finish job",
        connection -> {
          TenantId tenant;
          String correlationId;
          try (PreparedStatement update = connection.prepareStatement(FINISH)) {
            FailureReason failure = finish.failure();
            update.setString(
                1, (finish.succeeded() ? JobState.SUCCEEDED : JobState.FAILED).wireName());
            Jdbc.setJson(update, 2, finish.succeeded() ? finish.result() : null);
            update.setString(3, failure == null ? null : failure.code());
            update.setString(4, failure == null ? null : Jdbc.storable(failure.message()));
            Jdbc.setInstant(update, 5, finish.at());
            Jdbc.setInstant(update, 6, finish.at());
            update.setObject(7, finish.id().value());
            Jdbc.setInstant(update, 8, finish.id().createdAt());
            update.setInt(9, finish.attempt());
            try (ResultSet rows = update.executeQuery()) {
              if (!rows.next()) {
                return Optional.empty();
              }
              tenant = new TenantId(Jdbc.uuid(rows, "tenant_id"));
              correlationId = rows.getString("correlation_id");
            }
          }
          return Optional.of(
              createDeliveries(connection, finish.id(), tenant, correlationId, event, finish.at()));
        });
  }

  /**
   * Keyset pagination on the index {@code jobs_tenant_created (tenant_id, created_at desc, id
   * desc)}: one more row than the limit is read to learn whether another page follows, and never an
   * {@code OFFSET}.
   */
  @Override
  public JobPage list(TenantId tenant, JobQuery query) {
    Objects.requireNonNull(tenant, "tenant");
    Listing listing = listing(tenant, query);
    return Jdbc.withConnection(
        dataSource,
        "list jobs",
        connection -> {
          List<Job> found = new ArrayList<>(query.limit() + 1);
          try (PreparedStatement select = listing.prepare(connection);
              ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
              found.add(job(rows));
            }
          }
          if (found.size() <= query.limit()) {
            return new JobPage(found, null);
          }
          List<Job> page = found.subList(0, query.limit());
          return new JobPage(page, JobCursor.after(page.getLast()));
        });
  }

  /** A listing statement and its parameters, in order. */
  record Listing(String sql, List<Object> params) {
    PreparedStatement prepare(Connection connection) throws SQLException {
      return prepare(connection, "");
    }

    /** Prepared with {@code prefix} before the query, e.g. {@code explain}. */
    PreparedStatement prepare(Connection connection, String prefix) throws SQLException {
      PreparedStatement statement = connection.prepareStatement(prefix + sql);
      try {
        for (int i = 0; i < params.size(); i++) {
          Object param = params.get(i);
          statement.setObject(
              i + 1, param instanceof Instant instant ? instant.atOffset(ZoneOffset.UTC) : param);
        }
        return statement;
      } catch (SQLException | RuntimeException e) {
        statement.close();
        throw e;
      }
    }
  }

  /**
   * The listing query. With a cursor, besides the row comparison that positions the index scan,
   * {@code created_at <= ?} bounds the partition key plainly, so PostgreSQL prunes every monthly
   * partition after the cursor's (it does not prune on row comparisons).
   */
  static Listing listing(TenantId tenant, JobQuery query) {
    StringBuilder sql = new StringBuilder("select " + COLUMNS + " from jobs where tenant_id = ?");
    List<Object> params = new ArrayList<>();
    params.add(tenant.value());
    JobQuery.Filters filters = query.filters();
    if (filters.state() != null) {
      sql.append(" and state = ?");
      params.add(filters.state().wireName());
    }
    if (filters.type() != null) {
      sql.append(" and type = ?");
      params.add(filters.type().wireName());
    }
    if (filters.createdAfter() != null) {
      sql.append(" and created_at > ?");
      params.add(filters.createdAfter());
    }
    if (filters.createdBefore() != null) {
      sql.append(" and created_at < ?");
      params.add(filters.createdBefore());
    }
    JobCursor after = query.after();
    if (after != null) {
      sql.append(" and created_at <= ? and (created_at, id) < (?, ?)");
      params.add(after.createdAt());
      params.add(after.createdAt());
      params.add(after.id().value());
    }
    sql.append(" order by created_at desc, id desc limit ?");
    params.add(query.limit() + 1);
    return new Listing(sql.toString(), List.copyOf(params));
  }

  @Override
  public Optional<Cancellation> cancel(
      TenantId tenant, JobId id, Instant at, Function<Job, WebhookEvent> announce) {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(announce, "announce");
    return Jdbc.inTransaction(
        dataSource,
        "cancel job",
        connection -> {
          Job cancelled;
          try (PreparedStatement update = connection.prepareStatement(CANCEL)) {
            Jdbc.setInstant(update, 1, at);
            Jdbc.setInstant(update, 2, at);
            update.setObject(3, id.value());
            Jdbc.setInstant(update, 4, id.createdAt());
            update.setObject(5, tenant.value());
            Optional<Job> row = one(update);
            if (row.isEmpty()) {
              return Optional.<Cancellation>empty();
            }
            cancelled = row.get();
          }
          WebhookEvent event = Objects.requireNonNull(announce.apply(cancelled), "event");
          List<PendingMessage> messages =
              createDeliveries(connection, id, tenant, cancelled.correlationId(), event, at);
          return Optional.of(new Cancellation(cancelled, messages));
        });
  }

  /**
   * Creates a delivery of {@code event} (and its outbox row) for each of the tenant's endpoints
   * subscribed to it, on the caller's transaction.
   */
  private static List<PendingMessage> createDeliveries(
      Connection connection,
      JobId job,
      TenantId tenant,
      String correlationId,
      WebhookEvent event,
      Instant at)
      throws SQLException {
    List<PendingMessage> messages = new ArrayList<>();
    for (UUID endpoint : subscribedEndpoints(connection, tenant, event.type())) {
      UUID deliveryId = Ids.newV7(at);
      insertDelivery(connection, deliveryId, tenant, job, at, endpoint, event, correlationId);
      QueueMessage message = QueueMessage.delivery(deliveryId, tenant, correlationId);
      long outboxId = PostgresOutbox.insert(connection, Tier.CRITICAL, message, at);
      messages.add(new PendingMessage(outboxId, Tier.CRITICAL, message));
    }
    return List.copyOf(messages);
  }

  private static List<UUID> subscribedEndpoints(
      Connection connection, TenantId tenant, String eventType) throws SQLException {
    try (PreparedStatement select = connection.prepareStatement(SUBSCRIBED_ENDPOINTS)) {
      select.setObject(1, tenant.value());
      select.setString(2, eventType);
      List<UUID> endpoints = new ArrayList<>();
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          endpoints.add(Jdbc.uuid(rows, "id"));
        }
      }
      return endpoints;
    }
  }

  private static void insertDelivery(
      Connection connection,
      UUID deliveryId,
      TenantId tenant,
      JobId job,
      Instant at,
      UUID endpoint,
      WebhookEvent event,
      String correlationId)
      throws SQLException {
    try (PreparedStatement insert = connection.prepareStatement(INSERT_DELIVERY)) {
      insert.setObject(1, deliveryId);
      insert.setObject(2, tenant.value());
      insert.setObject(3, job.value());
      insert.setObject(4, endpoint);
      insert.setString(5, event.type());
      insert.setString(6, event.payload());
      insert.setString(7, correlationId);
      Jdbc.setInstant(insert, 8, at);
      Jdbc.setInstant(insert, 9, at);
      insert.executeUpdate();
    }
  }

  private static Optional<Job> one(PreparedStatement statement) throws SQLException {
    try (ResultSet rows = statement.executeQuery()) {
      return rows.next() ? Optional.of(job(rows)) : Optional.empty();
    }
  }

  static Job job(ResultSet rows) throws SQLException {
    String type = rows.getString("type");
    String failureCode = rows.getString("failure_code");
    return new Job(
        new JobId(Jdbc.uuid(rows, "id")),
        new TenantId(Jdbc.uuid(rows, "tenant_id")),
        JobType.fromWireName(type)
            .orElseThrow(() -> new IllegalStateException("unknown job type in database: " + type)),
        Tier.fromWireName(rows.getString("tier")),
        JobState.fromWireName(rows.getString("state")),
        rows.getInt("attempt"),
        Jdbc.json(rows, "spec"),
        Jdbc.json(rows, "result"),
        failureCode == null
            ? null
            : new FailureReason(failureCode, rows.getString("failure_message")),
        rows.getString("correlation_id"),
        Jdbc.instant(rows, "created_at"),
        Jdbc.instant(rows, "updated_at"),
        Jdbc.instant(rows, "started_at"),
        Jdbc.instant(rows, "finished_at"));
  }

  private static String truncate(String text) {
    if (text == null || text.length() <= MAX_ERROR_LENGTH) {
      return text;
    }
    int end =
        Character.isHighSurrogate(text.charAt(MAX_ERROR_LENGTH - 1))
            ? MAX_ERROR_LENGTH - 1
            : MAX_ERROR_LENGTH;
    return text.substring(0, end);
  }
}
