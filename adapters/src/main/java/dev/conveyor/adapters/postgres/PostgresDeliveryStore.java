package dev.conveyor.adapters.postgres;

import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.job.Tier;
import dev.conveyor.core.port.DeliveryStore;
import dev.conveyor.core.port.PendingMessage;
import dev.conveyor.core.port.QueueMessage;
import dev.conveyor.core.query.DeliveryCursor;
import dev.conveyor.core.query.DeliveryPage;
import dev.conveyor.core.query.DeliveryQuery;
import dev.conveyor.core.webhook.Delivery;
import dev.conveyor.core.webhook.DeliveryAttempt;
import dev.conveyor.core.webhook.DeliveryOutcome;
import dev.conveyor.core.webhook.DeliveryState;
import dev.conveyor.core.webhook.DeliveryTask;
import dev.conveyor.core.webhook.WebhookEndpoint;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * {@link DeliveryStore} on {@code deliveries}, {@code webhook_endpoints} (and their {@code
 * webhook_endpoint_secrets}) and {@code delivery_attempts}.
 *
 * <p>A delivery moves {@code pending → delivering → succeeded | failed}, or back to {@code pending}
 * with a {@code next_attempt_at} to retry, or from {@code failed} back to {@code pending} when its
 * tenant retries it. Each move is one conditional {@code UPDATE}, so a duplicate message or a
 * worker that lost its lease changes nothing.
 *
 * <p>Recording an attempt also keeps its endpoint's {@code failing_since}, and disables the
 * endpoint when it answered 410 Gone or has failed for too long. Those updates touch the endpoint's
 * row only when its health changes, so steady traffic to one endpoint does not contend on it.
 */
public final class PostgresDeliveryStore implements DeliveryStore {
  /** The failure reason of a delivery whose endpoint was disabled before it could go out. */
  public static final String ENDPOINT_DISABLED = "endpoint-disabled";

  /**
   * The failure reason core's {@code DeliverWebhook} gives a 410 Gone answer: the receiver says the
   * endpoint no longer exists, so the endpoint is disabled ({@link WebhookEndpoint#GONE}) in the
   * same transaction.
   */
  public static final String ENDPOINT_GONE = "endpoint-gone";

  /** The attempt log keeps this many bytes (UTF-8) of a response body. */
  public static final int MAX_RESPONSE_BYTES = 4096;

  private static final String NOT_DUE_UNTIL =
      "SELECT next_attempt_at AS due FROM deliveries"
          + " WHERE id = ? AND state = 'pending' AND next_attempt_at > ?";

  private static final String CLAIMABLE =
      "((d.state = 'pending' and (d.next_attempt_at is null or d.next_attempt_at <= ?))"
          + " or (d.state = 'delivering' and d.lease_until < ?))";

  private static final String CLAIM =
      "update deliveries d set state = 'delivering', attempt = d.attempt + 1, lease_until = ?,"
          + " updated_at = ?"
          + " from webhook_endpoints e"
          + " where d.id = ? and e.id = d.endpoint_id and e.enabled and "
          + CLAIMABLE
          + " returning d.id, d.tenant_id, d.job_id, d.endpoint_id, e.url,"
          // Every secret valid now: after a rotation, the old ones until their grace period ends.
          + " array(select s.sealed_secret from webhook_endpoint_secrets s"
          + " where s.endpoint_id = e.id and (s.expires_at is null or ? < s.expires_at)"
          + " order by s.created_at desc, s.id desc) as sealed_secrets,"
          + " d.event_type, d.payload, d.attempt, d.attempts_before_retry, d.correlation_id";

  /**
   * A delivery whose endpoint is disabled will never go out: fail it now (whether or not it is due)
   * rather than leave it pending for ever. A live attempt is left to finish.
   */
  private static final String FAIL_DISABLED =
      "update deliveries d set state = 'failed', failure_reason = '"
          + ENDPOINT_DISABLED
          + "', lease_until = null, next_attempt_at = null, updated_at = ?"
          + " from webhook_endpoints e"
          + " where d.id = ? and e.id = d.endpoint_id and not e.enabled"
          + " and (d.state = 'pending' or (d.state = 'delivering' and d.lease_until < ?))";

  private static final String APPLY_OUTCOME =
      "update deliveries set state = ?, next_attempt_at = ?, failure_reason = ?, last_status = ?,"
          + " lease_until = null, updated_at = ?"
          + " where id = ? and state = 'delivering' and attempt = ?"
          + " returning endpoint_id";

  /** The attempt happened whatever became of the claim, so it is always logged (once). */
  private static final String LOG_ATTEMPT =
      "insert into delivery_attempts"
          + " (delivery_id, attempt, at, status, latency_ms, response_body, error_class)"
          + " select id, ?, ?, ?, ?, ?, ? from deliveries where id = ?"
          + " on conflict (delivery_id, attempt) do nothing";

  private static final String DISABLE_GONE_ENDPOINT =
      "update webhook_endpoints set enabled = false, disabled_reason = '"
          + WebhookEndpoint.GONE
          + "', disabled_at = ? where id = ? and enabled";

  /** A success ends the endpoint's run of failures. */
  private static final String MARK_ENDPOINT_SUCCEEDING =
      "update webhook_endpoints set failing_since = null where id = ? and failing_since is not null";

  /** The first failure after a success starts a run of failures; later ones keep its start. */
  private static final String MARK_ENDPOINT_FAILING =
      "update webhook_endpoints set failing_since = ? where id = ? and failing_since is null";

  private static final String DISABLE_FAILING_ENDPOINT =
      "update webhook_endpoints set enabled = false, disabled_reason = '"
          + WebhookEndpoint.FAILING
          + "', disabled_at = ? where id = ? and enabled and failing_since <= ?";

  private static final String DELIVERY_COLUMNS =
      "id, job_id, endpoint_id, event_type, state, attempt, next_attempt_at, failure_reason,"
          + " created_at, updated_at";

  private static final String FIND =
      "select " + DELIVERY_COLUMNS + " from deliveries where id = ? and tenant_id = ?";

  private static final String BY_JOB =
      "select "
          + DELIVERY_COLUMNS
          + " from deliveries where job_id = ? and tenant_id = ?"
          + " order by created_at desc, id desc";

  /** Keyset pagination on {@code deliveries_endpoint_created_id}; never an {@code OFFSET}. */
  private static final String BY_ENDPOINT =
      "select "
          + DELIVERY_COLUMNS
          + " from deliveries where endpoint_id = ? and tenant_id = ?"
          + " order by created_at desc, id desc limit ?";

  private static final String BY_ENDPOINT_AFTER =
      "select "
          + DELIVERY_COLUMNS
          + " from deliveries where endpoint_id = ? and tenant_id = ? and (created_at, id) < (?, ?)"
          + " order by created_at desc, id desc limit ?";

  private static final String ATTEMPTS_OF =
      "select delivery_id, attempt, at, status, latency_ms, response_body, error_class"
          + " from delivery_attempts where delivery_id = any(?) order by delivery_id, attempt desc";

  /**
   * A failed delivery back to pending, due at once, its budget counted from its latest attempt. A
   * delivery to an endpoint that is not enabled stays failed: it would only fail again at its
   * claim.
   */
  private static final String RETRY =
      "update deliveries d set state = 'pending', attempts_before_retry = d.attempt,"
          + " next_attempt_at = null, failure_reason = null, updated_at = ?"
          + " from webhook_endpoints e"
          + " where d.id = ? and d.tenant_id = ? and d.state = 'failed'"
          + " and e.id = d.endpoint_id and e.enabled"
          + " returning d.correlation_id";

  private final DataSource dataSource;

  public PostgresDeliveryStore(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  @Override
  public Optional<DeliveryTask> claim(UUID deliveryId, Instant now, Instant leaseUntil) {
    return Jdbc.inTransaction(
        dataSource,
        "claim delivery",
        connection -> {
          try (PreparedStatement claim = connection.prepareStatement(CLAIM)) {
            Jdbc.setInstant(claim, 1, leaseUntil);
            Jdbc.setInstant(claim, 2, now);
            claim.setObject(3, deliveryId);
            Jdbc.setInstant(claim, 4, now);
            Jdbc.setInstant(claim, 5, now);
            Jdbc.setInstant(claim, 6, now);
            try (ResultSet rows = claim.executeQuery()) {
              if (rows.next()) {
                return Optional.of(task(rows));
              }
            }
          }
          failIfEndpointDisabled(connection, deliveryId, now);
          return Optional.empty();
        });
  }

  @Override
  public Optional<Instant> notDueUntil(UUID deliveryId, Instant now) {
    return Jdbc.withConnection(
        dataSource,
        "read delivery due time",
        connection -> {
          try (PreparedStatement due = connection.prepareStatement(NOT_DUE_UNTIL)) {
            due.setObject(1, deliveryId);
            Jdbc.setInstant(due, 2, now);
            try (ResultSet rows = due.executeQuery()) {
              return rows.next()
                  ? Optional.of(Jdbc.instant(rows, "due"))
                  : Optional.<Instant>empty();
            }
          }
        });
  }

  private static void failIfEndpointDisabled(Connection connection, UUID deliveryId, Instant now)
      throws SQLException {
    try (PreparedStatement fail = connection.prepareStatement(FAIL_DISABLED)) {
      Jdbc.setInstant(fail, 1, now);
      fail.setObject(2, deliveryId);
      Jdbc.setInstant(fail, 3, now);
      fail.executeUpdate();
    }
  }

  /**
   * Logs the attempt and, when the delivery is still {@code delivering} under this attempt, applies
   * the outcome; a stale attempt (its lease expired and another worker took over) is logged but
   * changes nothing.
   */
  @Override
  public void record(
      DeliveryAttempt attempt, DeliveryOutcome outcome, Instant disableIfFailingSince) {
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(disableIfFailingSince, "disableIfFailingSince");
    Jdbc.inTransaction(
        dataSource,
        "record delivery attempt",
        connection -> {
          UUID endpoint = applyOutcome(connection, attempt, outcome);
          // A stale attempt says nothing about the endpoint now: a later one already ran.
          if (endpoint != null) {
            keepEndpointHealth(connection, endpoint, attempt.at(), outcome, disableIfFailingSince);
          }
          logAttempt(connection, attempt);
          return null;
        });
  }

  private static void keepEndpointHealth(
      Connection connection,
      UUID endpoint,
      Instant at,
      DeliveryOutcome outcome,
      Instant disableIfFailingSince)
      throws SQLException {
    if (outcome instanceof DeliveryOutcome.Succeeded) {
      update(connection, MARK_ENDPOINT_SUCCEEDING, endpoint);
      return;
    }
    update(connection, MARK_ENDPOINT_FAILING, at, endpoint);
    if (outcome instanceof DeliveryOutcome.Failed failed && ENDPOINT_GONE.equals(failed.reason())) {
      update(connection, DISABLE_GONE_ENDPOINT, at, endpoint);
    }
    update(connection, DISABLE_FAILING_ENDPOINT, at, endpoint, disableIfFailingSince);
  }

  /** Runs an update whose parameters are instants and ids. */
  private static void update(Connection connection, String sql, Object... params)
      throws SQLException {
    try (PreparedStatement update = connection.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        if (params[i] instanceof Instant instant) {
          Jdbc.setInstant(update, i + 1, instant);
        } else {
          update.setObject(i + 1, params[i]);
        }
      }
      update.executeUpdate();
    }
  }

  @Override
  public Optional<Delivery> find(TenantId tenant, UUID deliveryId) {
    return Jdbc.withConnection(
        dataSource, "find delivery", connection -> find(connection, tenant, deliveryId));
  }

  private static Optional<Delivery> find(Connection connection, TenantId tenant, UUID deliveryId)
      throws SQLException {
    try (PreparedStatement select = connection.prepareStatement(FIND)) {
      select.setObject(1, deliveryId);
      select.setObject(2, tenant.value());
      return withAttempts(connection, select).stream().findFirst();
    }
  }

  @Override
  public List<Delivery> findByJob(TenantId tenant, UUID jobId) {
    return Jdbc.withConnection(
        dataSource,
        "list a job's deliveries",
        connection -> {
          try (PreparedStatement select = connection.prepareStatement(BY_JOB)) {
            select.setObject(1, jobId);
            select.setObject(2, tenant.value());
            return withAttempts(connection, select);
          }
        });
  }

  /** One more row than the limit is read, to learn whether another page follows. */
  @Override
  public DeliveryPage listByEndpoint(TenantId tenant, UUID endpointId, DeliveryQuery query) {
    DeliveryCursor after = query.after();
    return Jdbc.withConnection(
        dataSource,
        "list an endpoint's deliveries",
        connection -> {
          List<Delivery> found;
          try (PreparedStatement select =
              connection.prepareStatement(after == null ? BY_ENDPOINT : BY_ENDPOINT_AFTER)) {
            int i = 1;
            select.setObject(i++, endpointId);
            select.setObject(i++, tenant.value());
            if (after != null) {
              Jdbc.setInstant(select, i++, after.createdAt());
              select.setObject(i++, after.id());
            }
            select.setInt(i, query.limit() + 1);
            found = withAttempts(connection, select);
          }
          if (found.size() <= query.limit()) {
            return new DeliveryPage(found, null);
          }
          List<Delivery> page = found.subList(0, query.limit());
          return new DeliveryPage(page, DeliveryCursor.after(page.getLast()));
        });
  }

  @Override
  public Optional<Retried> retry(TenantId tenant, UUID deliveryId, Instant now) {
    return Jdbc.inTransaction(
        dataSource,
        "retry delivery",
        connection -> {
          String correlationId;
          try (PreparedStatement update = connection.prepareStatement(RETRY)) {
            Jdbc.setInstant(update, 1, now);
            update.setObject(2, deliveryId);
            update.setObject(3, tenant.value());
            try (ResultSet rows = update.executeQuery()) {
              if (!rows.next()) {
                return Optional.<Retried>empty();
              }
              correlationId = rows.getString("correlation_id");
            }
          }
          QueueMessage message = QueueMessage.delivery(deliveryId, tenant, correlationId);
          long outboxId = PostgresOutbox.insert(connection, Tier.CRITICAL, message, now);
          Delivery retried = find(connection, tenant, deliveryId).orElseThrow();
          return Optional.of(
              new Retried(retried, new PendingMessage(outboxId, Tier.CRITICAL, message)));
        });
  }

  /** The deliveries {@code select} finds, in its order, each with its attempts newest first. */
  private static List<Delivery> withAttempts(Connection connection, PreparedStatement select)
      throws SQLException {
    List<DeliveryRow> found = new ArrayList<>();
    try (ResultSet rows = select.executeQuery()) {
      while (rows.next()) {
        found.add(DeliveryRow.of(rows));
      }
    }
    if (found.isEmpty()) {
      return List.of();
    }
    Map<UUID, List<DeliveryAttempt>> attempts = new HashMap<>();
    try (PreparedStatement attemptsOf = connection.prepareStatement(ATTEMPTS_OF)) {
      attemptsOf.setArray(
          1, connection.createArrayOf("uuid", found.stream().map(DeliveryRow::id).toArray()));
      try (ResultSet rows = attemptsOf.executeQuery()) {
        while (rows.next()) {
          DeliveryAttempt attempt =
              new DeliveryAttempt(
                  Jdbc.uuid(rows, "delivery_id"),
                  rows.getInt("attempt"),
                  Jdbc.instant(rows, "at"),
                  Jdbc.nullableInt(rows, "status"),
                  rows.getLong("latency_ms"),
                  rows.getString("response_body"),
                  rows.getString("error_class"));
          attempts.computeIfAbsent(attempt.deliveryId(), id -> new ArrayList<>()).add(attempt);
        }
      }
    }
    return found.stream()
        .map(row -> row.withAttempts(attempts.getOrDefault(row.id(), List.of())))
        .toList();
  }

  /** A {@code deliveries} row, before its attempts are read. */
  private record DeliveryRow(
      UUID id,
      UUID jobId,
      UUID endpointId,
      String eventType,
      DeliveryState state,
      int attemptCount,
      Instant nextAttemptAt,
      String failureReason,
      Instant createdAt,
      Instant updatedAt) {

    static DeliveryRow of(ResultSet rows) throws SQLException {
      return new DeliveryRow(
          Jdbc.uuid(rows, "id"),
          Jdbc.uuid(rows, "job_id"),
          Jdbc.uuid(rows, "endpoint_id"),
          rows.getString("event_type"),
          DeliveryState.fromWireName(rows.getString("state")),
          rows.getInt("attempt"),
          Jdbc.instant(rows, "next_attempt_at"),
          rows.getString("failure_reason"),
          Jdbc.instant(rows, "created_at"),
          Jdbc.instant(rows, "updated_at"));
    }

    Delivery withAttempts(List<DeliveryAttempt> attempts) {
      return new Delivery(
          id,
          jobId,
          endpointId,
          eventType,
          state,
          attemptCount,
          nextAttemptAt,
          failureReason,
          createdAt,
          updatedAt,
          attempts);
    }
  }

  /** The endpoint's id when the outcome applied, else null. */
  private static UUID applyOutcome(
      Connection connection, DeliveryAttempt attempt, DeliveryOutcome outcome) throws SQLException {
    String state;
    Instant nextAttemptAt = null;
    String failureReason = null;
    switch (outcome) {
      case DeliveryOutcome.Succeeded _ -> state = "succeeded";
      case DeliveryOutcome.RetryAt retry -> {
        state = "pending";
        nextAttemptAt = Objects.requireNonNull(retry.nextAttemptAt(), "nextAttemptAt");
      }
      case DeliveryOutcome.Failed failed -> {
        state = "failed";
        failureReason = Objects.requireNonNull(failed.reason(), "reason");
      }
    }
    try (PreparedStatement update = connection.prepareStatement(APPLY_OUTCOME)) {
      update.setString(1, state);
      Jdbc.setInstant(update, 2, nextAttemptAt);
      update.setString(3, failureReason);
      Jdbc.setNullableInt(update, 4, attempt.status());
      Jdbc.setInstant(update, 5, attempt.at());
      update.setObject(6, attempt.deliveryId());
      update.setInt(7, attempt.attempt());
      try (ResultSet rows = update.executeQuery()) {
        return rows.next() ? Jdbc.uuid(rows, "endpoint_id") : null;
      }
    }
  }

  private static void logAttempt(Connection connection, DeliveryAttempt attempt)
      throws SQLException {
    try (PreparedStatement insert = connection.prepareStatement(LOG_ATTEMPT)) {
      insert.setInt(1, attempt.attempt());
      Jdbc.setInstant(insert, 2, attempt.at());
      Jdbc.setNullableInt(insert, 3, attempt.status());
      insert.setLong(4, Math.max(0, attempt.latencyMillis()));
      insert.setString(5, truncateUtf8(Jdbc.storable(attempt.responseBody()), MAX_RESPONSE_BYTES));
      insert.setString(6, attempt.errorClass());
      insert.setObject(7, attempt.deliveryId());
      insert.executeUpdate();
    }
  }

  private static DeliveryTask task(ResultSet rows) throws SQLException {
    return new DeliveryTask(
        Jdbc.uuid(rows, "id"),
        new TenantId(Jdbc.uuid(rows, "tenant_id")),
        Jdbc.uuid(rows, "job_id"),
        Jdbc.uuid(rows, "endpoint_id"),
        URI.create(rows.getString("url")),
        Jdbc.strings(rows, "sealed_secrets"),
        rows.getString("event_type"),
        rows.getString("payload"),
        rows.getInt("attempt"),
        rows.getInt("attempts_before_retry"),
        rows.getString("correlation_id"));
  }

  /** The longest prefix of {@code text} whose UTF-8 encoding fits in {@code maxBytes}. */
  static String truncateUtf8(String text, int maxBytes) {
    if (text == null || text.length() * 3 <= maxBytes) {
      return text;
    }
    int bytes = 0;
    int i = 0;
    while (i < text.length()) {
      int codePoint = text.codePointAt(i);
      int size;
      if (codePoint < 0x80) {
        size = 1;
      } else if (codePoint < 0x800) {
        size = 2;
      } else if (codePoint < 0x10000) {
        size = 3;
      } else {
        size = 4;
      }
      if (bytes + size > maxBytes) {
        return text.substring(0, i);
      }
      bytes += size;
      i += Character.charCount(codePoint);
    }
    return text;
  }
}
