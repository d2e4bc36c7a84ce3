package dev.conveyor.adapters.aws;

import dev.conveyor.adapters.config.Env;
import dev.conveyor.core.port.Secrets;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/**
 * {@link Secrets} on AWS Secrets Manager ({@code GetSecretValue}, current version), with each value
 * cached for a TTL so a warm container calls Secrets Manager at most once per secret per TTL. A
 * rotated secret is seen after the TTL at the latest, or at once after {@link #invalidate(String)}.
 * Values are never logged; only secret ids are.
 *
 * <p>Environment variable read by {@link #cacheTtlFrom(Env)}: {@value #SECRETS_CACHE_SECONDS}
 * (default 300).
 */
public final class SecretsManagerSecrets implements Secrets {

  public static final String SECRETS_CACHE_SECONDS = "SECRETS_CACHE_SECONDS";
  public static final Duration DEFAULT_CACHE_TTL = Duration.ofMinutes(5);

  private static final Logger log = LoggerFactory.getLogger(SecretsManagerSecrets.class);

  private final SecretsManagerClient client;
  private final Duration cacheTtl;
  private final Clock clock;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  private record Cached(String value, Instant expiresAt) {
    @Override
    public String toString() {
      return "Cached[expiresAt=" + expiresAt + "]";
    }
  }

  /**
   * @param cacheTtl how long a fetched value is served from memory; zero disables caching
   */
  public SecretsManagerSecrets(SecretsManagerClient client, Duration cacheTtl, Clock clock) {
    this.client = Objects.requireNonNull(client, "client");
    this.cacheTtl = Objects.requireNonNull(cacheTtl, "cacheTtl");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (cacheTtl.isNegative()) {
      throw new IllegalArgumentException("negative cache TTL: " + cacheTtl);
    }
  }

  /** Caches for {@link #DEFAULT_CACHE_TTL} on the system clock. */
  public SecretsManagerSecrets(SecretsManagerClient client) {
    this(client, DEFAULT_CACHE_TTL, Clock.systemUTC());
  }

  /** The cache TTL from {@value #SECRETS_CACHE_SECONDS}, default five minutes. */
  public static Duration cacheTtlFrom(Env env) {
    return env.seconds(SECRETS_CACHE_SECONDS, DEFAULT_CACHE_TTL.toSeconds());
  }

  @Override
  public String get(String secretId) {
    Objects.requireNonNull(secretId, "secretId");
    Instant now = clock.instant();
    Cached cached = cache.get(secretId);
    if (cached != null && now.isBefore(cached.expiresAt())) {
      return cached.value();
    }
    String value = fetch(secretId);
    if (!cacheTtl.isZero()) {
      cache.put(secretId, new Cached(value, now.plus(cacheTtl)));
    }
    return value;
  }

  /** Forgets a cached value, e.g. after a signature made with it was refused. */
  public void invalidate(String secretId) {
    cache.remove(secretId);
  }

  private String fetch(String secretId) {
    GetSecretValueResponse response;
    try {
      response = client.getSecretValue(b -> b.secretId(secretId));
    } catch (ResourceNotFoundException e) {
      throw new SecretNotFoundException(secretId, e);
    }
    log.debug("fetched secret {} (version {})", secretId, response.versionId());
    if (response.secretString() != null) {
      return response.secretString();
    }
    if (response.secretBinary() != null) {
      return response.secretBinary().asString(StandardCharsets.UTF_8);
    }
    throw new IllegalStateException("secret " + secretId + " has no value");
  }
}
