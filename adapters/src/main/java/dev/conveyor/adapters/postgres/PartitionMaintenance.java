package dev.conveyor.adapters.postgres;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Upkeep of the monthly partitions of {@code jobs}, for the sync function's schedule. A job can be
 * inserted only into a month that has a partition (there is no default partition), so partitions
 * must exist well before their month begins.
 */
public final class PartitionMaintenance {
  /** What the sync function keeps ready: the current month and three more. */
  public static final int DEFAULT_MONTHS_AHEAD = 3;

  private final DataSource dataSource;

  public PartitionMaintenance(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  /**
   * Creates the missing partitions from the current month (UTC) through {@code monthsAhead} months
   * after it. Idempotent, and safe when several callers race.
   *
   * @param monthsAhead 0–120
   * @return how many partitions it created
   */
  public int ensureJobPartitions(int monthsAhead) {
    if (monthsAhead < 0 || monthsAhead > 120) {
      throw new IllegalArgumentException("monthsAhead must be between 0 and 120");
    }
    return Jdbc.withConnection(
        dataSource,
        "ensure job partitions",
        connection -> {
          try (PreparedStatement call =
              connection.prepareStatement("select conveyor_ensure_job_partitions(?)")) {
            call.setInt(1, monthsAhead);
            try (ResultSet rows = call.executeQuery()) {
              rows.next();
              return rows.getInt(1);
            }
          }
        });
  }
}
