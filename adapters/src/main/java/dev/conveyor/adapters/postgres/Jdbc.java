package dev.conveyor.adapters.postgres;

import com.fasterxml.jackson.databind.JsonNode;
import dev.conveyor.core.json.Json;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/** Plain-JDBC plumbing shared by the adapters: transactions and column conversions. */
final class Jdbc {
  private Jdbc() {}

  /** Work on one connection; may throw {@link SQLException}. */
  @FunctionalInterface
  interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  /**
   * Runs {@code work} in one short transaction: commit on return, roll back on any exception. The
   * pool restores auto-commit when the connection goes back.
   */
  static <T> T inTransaction(DataSource dataSource, String what, Work<T> work) {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try {
        T result = work.run(connection);
        connection.commit();
        return result;
      } catch (SQLException | RuntimeException | Error e) {
        try {
          connection.rollback();
        } catch (SQLException rollback) {
          e.addSuppressed(rollback);
        }
        throw e;
      }
    } catch (SQLException e) {
      throw new DatabaseException(what + " failed", e);
    }
  }

  /** Runs {@code work} on one connection in auto-commit mode (for single statements). */
  static <T> T withConnection(DataSource dataSource, String what, Work<T> work) {
    try (Connection connection = dataSource.getConnection()) {
      return work.run(connection);
    } catch (SQLException e) {
      throw new DatabaseException(what + " failed", e);
    }
  }

  static void setInstant(PreparedStatement statement, int index, Instant value)
      throws SQLException {
    if (value == null) {
      statement.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
    } else {
      statement.setObject(index, value.atOffset(ZoneOffset.UTC));
    }
  }

  static Instant instant(ResultSet rows, String column) throws SQLException {
    OffsetDateTime value = rows.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }

  static UUID uuid(ResultSet rows, String column) throws SQLException {
    return rows.getObject(column, UUID.class);
  }

  static Integer nullableInt(ResultSet rows, String column) throws SQLException {
    int value = rows.getInt(column);
    return rows.wasNull() ? null : value;
  }

  static Long nullableLong(ResultSet rows, String column) throws SQLException {
    long value = rows.getLong(column);
    return rows.wasNull() ? null : value;
  }

  static void setNullableInt(PreparedStatement statement, int index, Integer value)
      throws SQLException {
    if (value == null) {
      statement.setNull(index, Types.INTEGER);
    } else {
      statement.setInt(index, value);
    }
  }

  /** Binds JSON for a {@code ?::jsonb} placeholder; null stays SQL NULL. */
  static void setJson(PreparedStatement statement, int index, JsonNode value) throws SQLException {
    if (value == null || value.isMissingNode()) {
      statement.setNull(index, Types.VARCHAR);
    } else {
      statement.setString(index, Json.write(value));
    }
  }

  static JsonNode json(ResultSet rows, String column) throws SQLException {
    String text = rows.getString(column);
    return text == null ? null : Json.parseTrusted(text);
  }

  static Array textArray(Connection connection, List<String> values) throws SQLException {
    return connection.createArrayOf("text", values.toArray(String[]::new));
  }

  static List<String> strings(ResultSet rows, String column) throws SQLException {
    Array array = rows.getArray(column);
    if (array == null) {
      return List.of();
    }
    try {
      return Collections.unmodifiableList(Arrays.asList((String[]) array.getArray()));
    } finally {
      array.free();
    }
  }

  /**
   * Text PostgreSQL will store: it refuses U+0000 in {@code text}, which a hostile response body
   * may contain.
   */
  static String storable(String text) {
    return text == null ? null : text.replace('\u0000', '\uFFFD');
  }
}
