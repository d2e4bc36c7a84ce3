package dev.conveyor.adapters.postgres;

import dev.conveyor.core.job.Job;
import dev.conveyor.core.job.JobId;
import dev.conveyor.core.job.JobType;
import dev.conveyor.core.job.TenantId;
import dev.conveyor.core.json.Json;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

/** Test data and direct SQL reads, for asserting on what the adapters wrote. */
final class Fixtures {
  private Fixtures() {}

  /** Now, at the database's precision and the id's: milliseconds. */
  static Instant now() {
    return Instant.now().truncatedTo(ChronoUnit.MILLIS);
  }

  static Job queuedJob(TenantId tenant, Instant createdAt) {
    JobId id = JobId.generate(createdAt);
    return Job.queued(
        id,
        tenant,
        JobType.IMAGE_TRANSFORM,
        Json.parseTrusted(
            "{\"source\":{\"uploadId\":\"" + UUID.randomUUID() + "\"},\"width\":800}"),
        "corr-" + id);
  }

  /** Rows of a query as column → value maps (values as JDBC returns them). */
  static List<Map<String, Object>> rows(DataSource dataSource, String sql, Object... params) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        statement.setObject(i + 1, bindable(params[i]));
      }
      List<Map<String, Object>> result = new ArrayList<>();
      try (ResultSet rows = statement.executeQuery()) {
        int columns = rows.getMetaData().getColumnCount();
        while (rows.next()) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (int c = 1; c <= columns; c++) {
            Object value = rows.getObject(c);
            if (value instanceof java.sql.Array array) {
              value = array.getArray();
            }
            row.put(rows.getMetaData().getColumnLabel(c), value);
          }
          result.add(row);
        }
      }
      return result;
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  static Object value(DataSource dataSource, String sql, Object... params) {
    List<Map<String, Object>> rows = rows(dataSource, sql, params);
    if (rows.size() != 1) {
      throw new IllegalStateException("expected one row, got " + rows.size() + ": " + sql);
    }
    return rows.getFirst().values().iterator().next();
  }

  private static Object bindable(Object param) {
    return param instanceof Instant instant ? instant.atOffset(ZoneOffset.UTC) : param;
  }

  static int execute(DataSource dataSource, String sql, Object... params) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        statement.setObject(i + 1, bindable(params[i]));
      }
      return statement.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }
}
