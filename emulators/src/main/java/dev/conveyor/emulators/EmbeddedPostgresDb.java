package dev.conveyor.emulators;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL 17 for tests and the local stack, from zonky's embedded binaries (a real postmaster
 * child process, no Docker), listening on loopback only. It holds a database {@value #DATABASE}
 * owned by a non-superuser login role, as the application's database is on RDS.
 */
public final class EmbeddedPostgresDb implements AutoCloseable {

  /** The application's database. */
  public static final String DATABASE = "conveyor";

  /** The role that owns {@value #DATABASE}; it may create schemas, tables and databases. */
  public static final String USER = "conveyor";

  /** Its password (the embedded server trusts loopback connections, but clients send one). */
  public static final String PASSWORD = "conveyor";

  private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresDb.class);

  private final EmbeddedPostgres postgres;
  private volatile boolean closed;

  private EmbeddedPostgresDb(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  /**
   * Starts PostgreSQL with a throw-away data directory.
   *
   * @param port the port, or 0 for a free one
   */
  public static EmbeddedPostgresDb start(int port) {
    return start(port, null);
  }

  /**
   * Starts PostgreSQL.
   *
   * @param port the port, or 0 for a free one
   * @param dataDir the cluster's data directory, kept across restarts; {@code null} for a
   *     throw-away one
   */
  public static EmbeddedPostgresDb start(int port, Path dataDir) {
    EmbeddedPostgres postgres;
    try {
      EmbeddedPostgres.Builder builder =
          EmbeddedPostgres.builder()
              .setPort(Ports.orFree(port))
              .setServerConfig("listen_addresses", Ports.LOOPBACK)
              .setPGStartupWait(Duration.ofSeconds(60));
      if (dataDir != null) {
        Files.createDirectories(dataDir);
        builder.setDataDirectory(dataDir).setCleanDataDirectory(false);
      }
      postgres = builder.start();
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("embedded PostgreSQL did not start on port " + port, e);
    }
    EmbeddedPostgresDb db = new EmbeddedPostgresDb(postgres);
    try {
      db.createDatabase();
    } catch (SQLException | RuntimeException e) {
      db.close();
      throw new IllegalStateException("could not create database " + DATABASE, e);
    }
    log.debug("PostgreSQL listening on {}:{}", Ports.LOOPBACK, postgres.getPort());
    return db;
  }

  private void createDatabase() throws SQLException {
    try (Connection connection = postgres.getPostgresDatabase().getConnection();
        Statement statement = connection.createStatement()) {
      if (!exists(connection, "select 1 from pg_roles where rolname = ?", USER)) {
        statement.execute("create role " + USER + " login createdb password '" + PASSWORD + "'");
      }
      if (!exists(connection, "select 1 from pg_database where datname = ?", DATABASE)) {
        statement.execute("create database " + DATABASE + " owner " + USER);
      }
    }
  }

  private static boolean exists(Connection connection, String sql, String name)
      throws SQLException {
    try (PreparedStatement query = connection.prepareStatement(sql)) {
      query.setString(1, name);
      try (ResultSet rows = query.executeQuery()) {
        return rows.next();
      }
    }
  }

  /** {@code jdbc:postgresql://127.0.0.1:PORT/conveyor}, without credentials. */
  public String jdbcUrl() {
    return "jdbc:postgresql://" + Ports.LOOPBACK + ":" + port() + "/" + DATABASE;
  }

  /** The login role, {@value #USER}. */
  public String user() {
    return USER;
  }

  /** Its password, {@value #PASSWORD}. */
  public String password() {
    return PASSWORD;
  }

  /** The port the postmaster listens on. */
  public int port() {
    return postgres.getPort();
  }

  /** Stops the postmaster (fast shutdown) and removes a throw-away data directory. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      postgres.close();
    } catch (IOException | RuntimeException e) {
      log.warn("embedded PostgreSQL did not stop cleanly", e);
    }
  }
}
