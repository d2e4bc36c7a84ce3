package dev.conveyor.adapters.postgres;

import java.sql.SQLException;

/**
 * A database call failed (connection lost, timeout, constraint violated). Unchecked, so callers in
 * core treat it like any other transient failure: the message is retried.
 */
public final class DatabaseException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DatabaseException(String message, Throwable cause) {
    super(message, cause);
  }

  public DatabaseException(String message) {
    super(message);
  }

  /** The SQLSTATE of the underlying {@link SQLException}, or null. */
  public String sqlState() {
    return getCause() instanceof SQLException e ? e.getSQLState() : null;
  }
}
