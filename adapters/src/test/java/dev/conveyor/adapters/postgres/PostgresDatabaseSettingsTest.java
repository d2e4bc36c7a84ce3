package dev.conveyor.adapters.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PostgresDatabaseSettingsTest {
  private static final String URL = "jdbc:postgresql://proxy.example.internal:5432/conveyor";

  @Test
  void settingsDefaultToASmallLambdaPool() {
    DatabaseSettings settings = DatabaseSettings.fromEnvironment(env("DB_URL", URL));

    assertThat(settings.jdbcUrl()).isEqualTo(URL);
    assertThat(settings.user()).isNull();
    assertThat(settings.password()).isNull();
    assertThat(settings.maxConnections()).isEqualTo(2);
    assertThat(settings.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(settings.idleTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(settings.maxLifetime()).isEqualTo(Duration.ofSeconds(600));
  }

  @Test
  void settingsReadEveryVariable() {
    DatabaseSettings settings =
        DatabaseSettings.fromEnvironment(
            env(
                "DB_URL", URL,
                "DB_USER", "app",
                "DB_PASSWORD", "s3cret",
                "DB_MAX_CONNECTIONS", "1",
                "DB_CONNECT_TIMEOUT_SECONDS", "3",
                "DB_IDLE_TIMEOUT_SECONDS", "30",
                "DB_MAX_LIFETIME_SECONDS", "300"));

    assertThat(settings)
        .isEqualTo(
            new DatabaseSettings(
                URL,
                "app",
                "s3cret",
                1,
                Duration.ofSeconds(3),
                Duration.ofSeconds(30),
                Duration.ofSeconds(300)));
  }

  @Test
  void settingsRequireADatabaseUrl() {
    assertThatThrownBy(() -> DatabaseSettings.fromEnvironment(env()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("DB_URL");
    assertThatThrownBy(() -> DatabaseSettings.fromEnvironment(env("DB_URL", "  ")))
        .hasMessageContaining("DB_URL");
  }

  @Test
  void settingsRejectANonPostgresUrl() {
    assertThatThrownBy(
            () -> DatabaseSettings.fromEnvironment(env("DB_URL", "jdbc:mysql://db/conveyor")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("DB_URL");
  }

  @Test
  void settingsRejectAZeroPool() {
    assertThatThrownBy(
            () -> DatabaseSettings.fromEnvironment(env("DB_URL", URL, "DB_MAX_CONNECTIONS", "0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("DB_MAX_CONNECTIONS");
  }

  @Test
  void settingsRejectAPoolLargerThanTen() {
    assertThatThrownBy(
            () -> DatabaseSettings.fromEnvironment(env("DB_URL", URL, "DB_MAX_CONNECTIONS", "11")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("DB_MAX_CONNECTIONS");
  }

  @Test
  void settingsRejectANumberThatIsNotANumber() {
    assertThatThrownBy(() ->
            DatabaseSettings.fromEnvironment(
                env("DB_URL", URL, "DB_CONNECT_TIMEOUT_SECONDS", "five")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("DB_CONNECT_TIMEOUT_SECONDS");
  }

  @Test
  void settingsRejectTimeoutsOutOfRange() {
    assertThatThrownBy(() ->
            DatabaseSettings.fromEnvironment(env("DB_URL", URL, "DB_CONNECT_TIMEOUT_SECONDS", "0")))
        .hasMessageContaining("DB_CONNECT_TIMEOUT_SECONDS");
    assertThatThrownBy(() ->
            DatabaseSettings.fromEnvironment(env("DB_URL", URL, "DB_IDLE_TIMEOUT_SECONDS", "-1")))
        .hasMessageContaining("DB_IDLE_TIMEOUT_SECONDS");
    assertThatThrownBy(() ->
            DatabaseSettings.fromEnvironment(env("DB_URL", URL, "DB_MAX_LIFETIME_SECONDS", "5")))
        .hasMessageContaining("DB_MAX_LIFETIME_SECONDS");
  }

  @Test
  void settingsRejectAnIdleTimeoutNoShorterThanTheLifetime() {
    assertThatThrownBy(() ->
            DatabaseSettings.fromEnvironment(
                env(
                    "DB_URL", URL,
                    "DB_IDLE_TIMEOUT_SECONDS", "600",
                    "DB_MAX_LIFETIME_SECONDS", "600")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("DB_IDLE_TIMEOUT_SECONDS");
  }

  @Test
  void settingsRejectAUrlThatTurnsPreparedStatementsBackOn() {
    assertThatThrownBy(
            () -> DatabaseSettings.fromEnvironment(env("DB_URL", URL + "?prepareThreshold=5")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("DB_URL");
    assertThat(
            DatabaseSettings.fromEnvironment(env("DB_URL", URL + "?ssl=true&prepareThreshold=0"))
                .jdbcUrl())
        .endsWith("prepareThreshold=0");
  }

  @Test
  void settingsNeverShowThePassword() {
    DatabaseSettings settings =
        DatabaseSettings.fromEnvironment(
            env("DB_URL", URL + "?password=in-url", "DB_USER", "app", "DB_PASSWORD", "s3cret"));

    assertThat(settings.toString())
        .doesNotContain("s3cret")
        .doesNotContain("in-url")
        .contains("app");
    assertThat(settings.safeUrl()).isEqualTo(URL);
  }

  private static java.util.function.Function<String, String> env(String... pairs) {
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      values.put(pairs[i], pairs[i + 1]);
    }
    return values::get;
  }
}
