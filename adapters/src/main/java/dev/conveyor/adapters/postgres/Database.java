package dev.conveyor.adapters.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection pool and the schema migrations.
 *
 * <p>Behind RDS Proxy a connection is <em>pinned</em> (taken out of multiplexing) by anything that
 * leaves state in the session: server-side prepared statements, {@code SET}, advisory locks, {@code
 * LISTEN}, temporary tables. So the pool always runs the driver with {@code prepareThreshold=0},
 * and the adapters in this package use none of the others (nor {@code
 * Connection.setTransactionIsolation}, which the driver implements as a session {@code SET}).
 */
public final class Database {
  private static final Logger LOG = LoggerFactory.getLogger(Database.class);

  /** Where Flyway finds the migrations ({@code V1__…sql} etc.). */
  public static final String MIGRATIONS = "classpath:db/migration";

  /**
   * How long the driver waits on a silent socket before giving up on a statement. Every statement
   * here is short; this turns a half-open connection (a frozen and thawed Lambda container, a
   * failed-over proxy) into an error instead of a hang until the function's timeout.
   */
  static final int SOCKET_TIMEOUT_SECONDS = 30;

  private Database() {}

  /**
   * A pool sized for one Lambda container: {@code minimumIdle} 0 and no connection attempt at
   * construction, so building it during init (or before a SnapStart snapshot) opens no socket; the
   * first query opens the first connection.
   */
  public static HikariDataSource pool(DatabaseSettings settings) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("conveyor-db");
    config.setDriverClassName("org.postgresql.Driver");
    config.setJdbcUrl(settings.jdbcUrl());
    if (settings.user() != null) {
      config.setUsername(settings.user());
    }
    if (settings.password() != null) {
      config.setPassword(settings.password());
    }
    config.setMaximumPoolSize(settings.maxConnections());
    config.setMinimumIdle(0);
    config.setConnectionTimeout(settings.connectTimeout().toMillis());
    config.setIdleTimeout(settings.idleTimeout().toMillis());
    config.setMaxLifetime(settings.maxLifetime().toMillis());
    config.setKeepaliveTime(0);
    config.setInitializationFailTimeout(-1);
    config.setAutoCommit(true);

    // RDS Proxy: no server-side prepared statements, ever (they pin the connection).
    config.addDataSourceProperty("prepareThreshold", "0");
    config.addDataSourceProperty("tcpKeepAlive", "true");
    config.addDataSourceProperty("socketTimeout", Integer.toString(SOCKET_TIMEOUT_SECONDS));
    String connectSeconds = Long.toString(settings.connectTimeout().toSeconds());
    config.addDataSourceProperty("connectTimeout", connectSeconds);
    config.addDataSourceProperty("loginTimeout", connectSeconds);

    LOG.info(
        "database pool for {} (user {}, at most {} connections)",
        settings.safeUrl(),
        settings.user(),
        settings.maxConnections());
    return new HikariDataSource(config);
  }

  /**
   * Brings the schema up to date with the migrations on the classpath.
   *
   * <p>Flyway takes a PostgreSQL advisory lock and adjusts {@code search_path} while it works: run
   * it from a deploy step or a one-off invocation (ideally against the database's own endpoint
   * rather than the proxy), not on every cold start of a request-serving function.
   */
  public static void migrate(DataSource dataSource) {
    MigrateResult result =
        Flyway.configure()
            .dataSource(dataSource)
            .locations(MIGRATIONS)
            .failOnMissingLocations(true)
            .load()
            .migrate();
    LOG.info(
        "database schema at version {} ({} migrations applied now)",
        result.targetSchemaVersion,
        result.migrationsExecuted);
  }
}
