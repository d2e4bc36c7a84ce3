package dev.conveyor.adapters.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Configuration from environment variables, read once by a composition root and validated at start:
 * a missing or malformed variable fails the cold start with an {@link IllegalStateException} that
 * names it, rather than the first request that needs it.
 *
 * <p>On Lambda (and in a Fargate task) the source is the process environment ({@link #system()});
 * the embedded local stack and tests pass a map ({@link #of(Map)}), so several functions with
 * different settings can share one JVM.
 *
 * <p>A blank value counts as unset (the Lambda console and CDK make it easy to set an empty one).
 * Error messages always name the variable; they quote its value only when the name does not look
 * like a secret (see {@link #isSensitive(String)}).
 *
 * <p>Which variables exist, with their defaults, is documented by the classes that read them (e.g.
 * {@code AwsClients}, {@code SqsJobQueue}, {@code SecretsManagerSecrets}); each exposes the names
 * as constants.
 */
public final class Env {

  private static final Env SYSTEM = new Env(System.getenv(), true);

  private final Map<String, String> values;
  private final boolean processEnvironment;

  private Env(Map<String, String> values, boolean processEnvironment) {
    this.values = values;
    this.processEnvironment = processEnvironment;
  }

  /** The process environment (what Lambda, Fargate and the shell provide). */
  public static Env system() {
    return SYSTEM;
  }

  /** A fixed set of variables: the local stack and tests configure functions this way. */
  public static Env of(Map<String, String> values) {
    Objects.requireNonNull(values, "values");
    values.forEach((name, value) -> {
      Objects.requireNonNull(name, "variable name");
      Objects.requireNonNull(value, () -> "value of " + name);
    });
    return new Env(Map.copyOf(values), false);
  }

  /**
   * Whether this is the process environment rather than a map given to {@link #of(Map)}. The AWS
   * SDK's own providers (credentials) read the process environment directly, so {@code AwsClients}
   * uses them only then.
   */
  public boolean isProcessEnvironment() {
    return processEnvironment;
  }

  /**
   * @throws IllegalStateException naming the variable when it is unset or blank
   */
  public String require(String name) {
    return optional(name)
        .orElseThrow(
            () -> new IllegalStateException("environment variable " + name + " is required"));
  }

  /** The value, or empty when unset or blank. Surrounding whitespace is removed. */
  public Optional<String> optional(String name) {
    Objects.requireNonNull(name, "name");
    String value = values.get(name);
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    return Optional.of(value.strip());
  }

  /** The value, or {@code defaultValue} when unset or blank. */
  public String get(String name, String defaultValue) {
    return optional(name).orElse(defaultValue);
  }

  /**
   * A decimal integer in {@code [min, max]}, or {@code defaultValue} when unset.
   *
   * @throws IllegalStateException naming the variable when the value is not an integer in range
   */
  public int intValue(String name, int defaultValue, int min, int max) {
    return Math.toIntExact(longValue(name, defaultValue, min, max));
  }

  /**
   * A whole number within {@code [min, max]}, or {@code defaultValue} when unset.
   *
   * @throws IllegalStateException naming the variable when the value is not such a number
   */
  public long longValue(String name, long defaultValue, long min, long max) {
    if (min > max) {
      throw new IllegalArgumentException("min " + min + " > max " + max);
    }
    Optional<String> raw = optional(name);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    try {
      long value = Long.parseLong(raw.get().trim());
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw invalid(name, raw.get(), "an integer from " + min + " to " + max);
  }

  /**
   * A duration given as a whole, non-negative number of seconds, or {@code defaultSeconds} when
   * unset.
   *
   * @throws IllegalStateException naming the variable when the value is not such a number
   */
  public Duration seconds(String name, long defaultSeconds) {
    if (defaultSeconds < 0) {
      throw new IllegalArgumentException("negative default for " + name);
    }
    Optional<String> raw = optional(name);
    if (raw.isEmpty()) {
      return Duration.ofSeconds(defaultSeconds);
    }
    try {
      long value = Long.parseLong(raw.get());
      if (value >= 0) {
        return Duration.ofSeconds(value);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw invalid(name, raw.get(), "a whole number of seconds (0 or more)");
  }

  /**
   * A boolean: {@code true/false}, {@code yes/no}, {@code on/off} or {@code 1/0} in any case, or
   * {@code defaultValue} when unset.
   *
   * @throws IllegalStateException naming the variable for any other value
   */
  public boolean flag(String name, boolean defaultValue) {
    Optional<String> raw = optional(name);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    return switch (raw.get().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on", "1" -> true;
      case "false", "no", "off", "0" -> false;
      default -> throw invalid(name, raw.get(), "true or false");
    };
  }

  /**
   * An absolute {@code http} or {@code https} URL, or empty when unset.
   *
   * @throws IllegalStateException naming the variable when the value is not such a URL
   */
  public Optional<URI> url(String name) {
    Optional<String> raw = optional(name);
    if (raw.isEmpty()) {
      return Optional.empty();
    }
    try {
      URI uri = new URI(raw.get());
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
        return Optional.of(uri);
      }
    } catch (URISyntaxException e) {
      // reported below
    }
    throw invalid(name, raw.get(), "an absolute http(s) URL");
  }

  /**
   * This environment as a lookup returning the value or {@code null}, for code that takes a plain
   * function (blank values are {@code null} too).
   */
  public Function<String, String> asFunction() {
    return name -> optional(name).orElse(null);
  }

  /**
   * Builds the error for a malformed value of {@code name}. Other config readers use it so every
   * message looks alike and secrets are never echoed.
   */
  public static IllegalStateException invalid(String name, String value, String expected) {
    String shown = isSensitive(name) ? "(value hidden)" : "'" + value + "'";
    return new IllegalStateException(
        "environment variable " + name + " must be " + expected + ", got " + shown);
  }

  /**
   * Whether values of this variable must never appear in messages or logs: names containing {@code
   * SECRET}, {@code PASSWORD}, {@code KEY}, {@code TOKEN} or {@code CREDENTIAL}.
   */
  public static boolean isSensitive(String name) {
    String upper = name.toUpperCase(Locale.ROOT);
    return upper.contains("SECRET")
        || upper.contains("PASSWORD")
        || upper.contains("KEY")
        || upper.contains("TOKEN")
        || upper.contains("CREDENTIAL");
  }

  /** Lists the variable names only; values never leave this object through {@code toString}. */
  @Override
  public String toString() {
    return processEnvironment
        ? "Env.system()"
        : "Env.of(" + values.keySet().stream().sorted().toList() + ")";
  }
}
