package dev.conveyor.adapters.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

class PostgresPoolTest {
  private static HikariDataSource db;

  @BeforeAll
  static void database() {
    db = Database.pool(FreshDatabase.settings(FreshDatabase.createDatabase()));
  }

  @AfterAll
  static void close() {
    db.close();
  }

  @Test
  void thePoolUsesPrepareThresholdZero() throws Exception {
    assertThat(db.getDataSourceProperties()).containsEntry("prepareThreshold", "0");
    try (Connection connection = db.getConnection()) {
      assertThat(connection.unwrap(PGConnection.class).getPrepareThreshold()).isZero();
    }
  }

  @Test
  void aStatementRunManyTimesNeverBecomesAServerSidePreparedStatement() throws Exception {
    try (Connection connection = db.getConnection()) {
      try (PreparedStatement statement = connection.prepareStatement("select ?::int + 1")) {
        for (int i = 0; i < 20; i++) {
          statement.setInt(1, i);
          try (ResultSet rows = statement.executeQuery()) {
            rows.next();
          }
        }
      }
      try (PreparedStatement prepared =
              connection.prepareStatement("select count(*) from pg_prepared_statements");
          ResultSet rows = prepared.executeQuery()) {
        rows.next();
        assertThat(rows.getLong(1)).isZero();
      }
    }
  }

  @Test
  void thePoolIsSizedForOneLambdaContainer() {
    assertThat(db.getMaximumPoolSize()).isEqualTo(4);
    assertThat(db.getMinimumIdle()).isZero();
    assertThat(db.getDataSourceProperties())
        .containsEntry("tcpKeepAlive", "true")
        .containsKey("socketTimeout");
  }

  @Test
  void buildingThePoolOpensNoConnection() {
    DatabaseSettings unreachable =
        new DatabaseSettings(
            "jdbc:postgresql://127.0.0.1:1/nothing",
            "nobody",
            "secret",
            2,
            Duration.ofSeconds(1),
            Duration.ofSeconds(60),
            Duration.ofSeconds(600));

    try (HikariDataSource pool = Database.pool(unreachable)) {
      assertThat(pool.getHikariPoolMXBean().getTotalConnections()).isZero();
    }
  }
}
