package dev.conveyor.emulators;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedPostgresDbTest {

  @Test
  void jdbcConnectsToTheConveyorDatabaseOnPostgres17AsItsOwner() throws SQLException {
    try (EmbeddedPostgresDb db = EmbeddedPostgresDb.start(0);
        Connection connection =
            DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
        Statement statement = connection.createStatement()) {
      assertThat(db.jdbcUrl()).startsWith("jdbc:postgresql://127.0.0.1:");

      assertThat(single(statement, "select version()")).startsWith("PostgreSQL 17.");
      assertThat(single(statement, "select current_database()")).isEqualTo("conveyor");
      assertThat(single(statement, "select current_user")).isEqualTo("conveyor");
      assertThat(
              single(statement, "select rolsuper::text from pg_roles where rolname = 'conveyor'"))
          .isEqualTo("false");
      statement.execute("create table job (id uuid primary key default gen_random_uuid())");
      statement.execute("insert into job default values");
      assertThat(single(statement, "select count(*)::text from job")).isEqualTo("1");
    }
  }

  @Test
  void dataSurvivesARestartWhenGivenADataDir(@TempDir Path dataDir) throws SQLException {
    try (EmbeddedPostgresDb db = EmbeddedPostgresDb.start(0, dataDir);
        Connection connection =
            DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
        Statement statement = connection.createStatement()) {
      statement.execute("create table kept (v text)");
      statement.execute("insert into kept values ('still here')");
    }

    try (EmbeddedPostgresDb db = EmbeddedPostgresDb.start(0, dataDir);
        Connection connection =
            DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
        Statement statement = connection.createStatement()) {
      assertThat(single(statement, "select v from kept")).isEqualTo("still here");
    }
  }

  private static String single(Statement statement, String sql) throws SQLException {
    try (ResultSet rows = statement.executeQuery(sql)) {
      assertThat(rows.next()).isTrue();
      return rows.getString(1);
    }
  }
}
