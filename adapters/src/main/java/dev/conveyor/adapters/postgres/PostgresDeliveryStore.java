package dev.conveyor.adapters.postgres;

import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.port.DeliveryStore;
import dev.conveyor.core.webhook.DeliveryAttempt;
import dev.conveyor.core.webhook.DeliveryOutcome;
import dev.conveyor.core.webhook.DeliveryTask;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * {@link DeliveryStore} on {@code deliveries}, {@code webhook_endpoints} (and their {@code
 * webhook_endpoint_secrets}) and {@code delivery_attempts}.
 *
 * <p>A delivery moves {@code pending → delivering → succeeded | failed}, or back to {@code pending}
 * with a {@code next_attempt_at} to retry. Each move is one conditional {@code UPDATE}, so a
 * duplicate message or a worker that lost its lease changes nothing.
 */
public final class PostgresDeliveryStore implements DeliveryStore {
  /** The failure reason of a delivery whose endpoint was disabled before it could go out. */
  public static final String ENDPOINT_DISABLED = "endpoint-disabled";

  /**
   * The failure reason core's {@code DeliverWebhook} gives a 410 Gone answer: the receiver says the
   * endpoint no longer exists, so the endpoint is disabled in the same transaction.
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
          + " d.event_type, d.payload, d.attempt, d.correlation_id";

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
          + ENDPOINT_GONE
          + "' where id = ? and enabled";

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
  public void record(DeliveryAttempt attempt, DeliveryOutcome outcome) {
    Objects.requireNonNull(outcome, "outcome");
    Jdbc.inTransaction(
        dataSource,
        "record delivery attempt",
        connection -> {
          UUID endpoint = applyOutcome(connection, attempt, outcome);
          if (endpoint != null
              && outcome instanceof DeliveryOutcome.Failed failed
              && ENDPOINT_GONE.equals(failed.reason())) {
            try (PreparedStatement disable = connection.prepareStatement(DISABLE_GONE_ENDPOINT)) {
              disable.setObject(1, endpoint);
              disable.executeUpdate();
            }
          }
          logAttempt(connection, attempt);
          return null;
        });
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
