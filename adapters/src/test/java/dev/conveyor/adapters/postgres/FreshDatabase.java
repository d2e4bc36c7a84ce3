package dev.conveyor.adapters.postgres;

import com.zaxxer.hikari.HikariDataSource;
import dev.conveyor.emulators.EmbeddedPostgresDb;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;

/**
 * One embedded PostgreSQL per test JVM (only PostgreSQL: no AWS emulators), and a new, migrated
 * database on it for each test class, so classes never see each other's rows.
 */
final class FreshDatabase {
  private static EmbeddedPostgresDb server;

  private FreshDatabase() {}

  static synchronized EmbeddedPostgresDb server() {
    if (server == null) {
      EmbeddedPostgresDb started = EmbeddedPostgresDb.start(0);
      Runtime.getRuntime().addShutdownHook(new Thread(started::close, "embedded-postgres-stop"));
      server = started;
    }
    return server;
  }

  /** Settings for a database on the embedded server. */
  static DatabaseSettings settings(String database) {
    EmbeddedPostgresDb db = server();
    return new DatabaseSettings(
        "jdbc:postgresql://127.0.0.1:" + db.port() + "/" + database,
        db.user(),
        db.password(),
        4,
        Duration.ofSeconds(5),
        Duration.ofSeconds(60),
        Duration.ofSeconds(600));
  }

  /** A new empty database (no migrations), its name. */
  static String createDatabase() {
    EmbeddedPostgresDb db = server();
    String name = "test_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection connection =
            DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
        Statement statement = connection.createStatement()) {
      statement.execute("create database " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create test database", e);
    }
    return name;
  }

  /** A pool on a new database that the migrations have brought up to date. */
  static HikariDataSource migrated() {
    HikariDataSource pool = Database.pool(settings(createDatabase()));
    Database.migrate(pool);
    return pool;
  }
}
