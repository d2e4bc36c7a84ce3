package dev.conveyor.adapters.postgres;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How to reach PostgreSQL (through RDS Proxy on AWS) and how big a pool to keep. One Lambda
 * container runs one invocation at a time, so it needs one or two connections, never more than
 * {@value #MAX_CONNECTIONS_LIMIT}: the proxy multiplexes the rest.
 *
 * <p>Environment variables ({@link #fromEnvironment}):
 *
 * <ul>
 *   <li>{@code DB_URL} (required): {@code jdbc:postgresql://host:port/database}
 *   <li>{@code DB_USER}, {@code DB_PASSWORD}: credentials, unless the URL carries them
 *   <li>{@code DB_MAX_CONNECTIONS}: pool size, 1–10, default {@value #DEFAULT_MAX_CONNECTIONS}
 *   <li>{@code DB_CONNECT_TIMEOUT_SECONDS}: wait for a connection, 1–300, default 5
 *   <li>{@code DB_IDLE_TIMEOUT_SECONDS}: close idle connections after, 10–3600, default 60
 *   <li>{@code DB_MAX_LIFETIME_SECONDS}: retire connections after, 30–86400, default 600
 * </ul>
 *
 * @param user may be null when the URL carries credentials
 * @param password may be null; never part of {@link #toString()}
 */
public record DatabaseSettings(
    String jdbcUrl,
    String user,
    String password,
    int maxConnections,
    Duration connectTimeout,
    Duration idleTimeout,
    Duration maxLifetime) {

  public static final String DB_URL = "DB_URL";
  public static final String DB_USER = "DB_USER";
  public static final String DB_PASSWORD = "DB_PASSWORD";
  public static final String DB_MAX_CONNECTIONS = "DB_MAX_CONNECTIONS";
  public static final String DB_CONNECT_TIMEOUT_SECONDS = "DB_CONNECT_TIMEOUT_SECONDS";
  public static final String DB_IDLE_TIMEOUT_SECONDS = "DB_IDLE_TIMEOUT_SECONDS";
  public static final String DB_MAX_LIFETIME_SECONDS = "DB_MAX_LIFETIME_SECONDS";

  public static final int DEFAULT_MAX_CONNECTIONS = 2;
  public static final int MAX_CONNECTIONS_LIMIT = 10;

  private static final String URL_PREFIX = "jdbc:postgresql:";
  private static final Pattern PREPARE_THRESHOLD =
      Pattern.compile("[?&]preparethreshold=([^&]*)", Pattern.CASE_INSENSITIVE);

  public DatabaseSettings {
    requireUrl(jdbcUrl);
    requireRange(DB_MAX_CONNECTIONS, maxConnections, 1, MAX_CONNECTIONS_LIMIT);
    requireRange(DB_CONNECT_TIMEOUT_SECONDS, connectTimeout, 1, 300);
    requireRange(DB_IDLE_TIMEOUT_SECONDS, idleTimeout, 10, 3600);
    requireRange(DB_MAX_LIFETIME_SECONDS, maxLifetime, 30, 86_400);
    if (idleTimeout.compareTo(maxLifetime) >= 0) {
      throw new IllegalArgumentException(
          DB_IDLE_TIMEOUT_SECONDS + " must be shorter than " + DB_MAX_LIFETIME_SECONDS);
    }
  }

  /**
   * Reads and validates the settings.
   *
   * @param env looks a variable up, e.g. {@code System::getenv}; returns null when it is unset
   * @throws IllegalArgumentException naming the variable that is missing or invalid
   */
  public static DatabaseSettings fromEnvironment(Function<String, String> env) {
    Objects.requireNonNull(env, "env");
    String url = blankToNull(env.apply(DB_URL));
    if (url == null) {
      throw new IllegalArgumentException(DB_URL + " is required (jdbc:postgresql://host/db)");
    }
    return new DatabaseSettings(
        url,
        blankToNull(env.apply(DB_USER)),
        env.apply(DB_PASSWORD),
        integer(env, DB_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS),
        Duration.ofSeconds(integer(env, DB_CONNECT_TIMEOUT_SECONDS, 5)),
        Duration.ofSeconds(integer(env, DB_IDLE_TIMEOUT_SECONDS, 60)),
        Duration.ofSeconds(integer(env, DB_MAX_LIFETIME_SECONDS, 600)));
  }

  /** The URL without its query string, which may carry credentials: safe to log. */
  public String safeUrl() {
    int query = jdbcUrl.indexOf('?');
    return query < 0 ? jdbcUrl : jdbcUrl.substring(0, query);
  }

  @Override
  public String toString() {
    return "DatabaseSettings[jdbcUrl="
        + safeUrl()
        + ", user="
        + user
        + ", password="
        + (password == null ? "<unset>" : "<redacted>")
        + ", maxConnections="
        + maxConnections
        + ", connectTimeout="
        + connectTimeout
        + ", idleTimeout="
        + idleTimeout
        + ", maxLifetime="
        + maxLifetime
        + "]";
  }

  private static void requireUrl(String url) {
    if (url == null || !url.startsWith(URL_PREFIX)) {
      throw new IllegalArgumentException(DB_URL + " must start with " + URL_PREFIX);
    }
    // The driver lets URL parameters override the pool's properties: refuse anything that would
    // turn server-side prepared statements back on (they pin RDS Proxy connections).
    Matcher threshold = PREPARE_THRESHOLD.matcher(url);
    while (threshold.find()) {
      if (!threshold.group(1).trim().equals("0")) {
        throw new IllegalArgumentException(
            DB_URL + " must not set prepareThreshold (it is always 0, for RDS Proxy)");
      }
    }
  }

  private static void requireRange(String variable, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          variable + " must be between " + min + " and " + max + ", got " + value);
    }
  }

  private static void requireRange(String variable, Duration value, int minSeconds, int maxSecs) {
    if (value == null) {
      throw new IllegalArgumentException(variable + " is required");
    }
    if (value.compareTo(Duration.ofSeconds(minSeconds)) < 0
        || value.compareTo(Duration.ofSeconds(maxSecs)) > 0) {
      throw new IllegalArgumentException(
          variable
              + " must be between "
              + minSeconds
              + " and "
              + maxSecs
              + " seconds, got "
              + value.toSeconds());
    }
  }

  private static int integer(Function<String, String> env, String variable, int fallback) {
    String text = blankToNull(env.apply(variable));
    if (text == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(variable + " must be a whole number, got '" + text + "'");
    }
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
